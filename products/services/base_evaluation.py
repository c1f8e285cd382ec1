"""The yearly evaluation of the supplier bases (菜篮子基地年度评价), as the city runs it:

1. the supplier applies for its base for a year, with a self-assessment (自评, 0–100);
2. material review (材料审核) by the city office or a reviewer: a score below 60 stops it
   (``not_passed``) and the supplier is told why;
3. site verification (现场核查): five experts drawn at random (``expert_draw``) score the base;
   their scores are entered by the office or a reviewer from the paper sheets, or by the expert
   with a portal account, with the site findings;
4. result review (结果审核): the final score is computed (``final_score``);
5. publication: the city office publishes the result in a public disclosure (公示); when the
   period passes unopposed it is ``published``; an upheld objection sends it back to result
   review with the note kept.

The arithmetic (20% self-assessment, 80% the experts' mean, less the monitoring deduction) is in
``evaluation_scores``; bases are ranked within their category (``products.evaluation_selectors``).

Every step goes through ``_move``: one table of transitions (``TRANSITIONS``), one history row
per step (``portal.history.stamp``), and the supplier is told of each decision.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.errors import ApplicationError
from portal.history import stamp
from portal.models import Role
from portal.notifications import members_of, members_with_role, notify
from portal.roles import actor_of

from ..models import BaseEvaluation, ExpertAssignment, Supplier, SupplierBase
from .evaluation_scores import MATERIAL_PASS_MARK, clean_score, evaluation_result
from .expert_draw import EXPERTS_PER_EVALUATION, POOL_ROLES, evaluation_link, set_score

Status = BaseEvaluation.Status

# --- the stages --------------------------------------------------------------------------------

DECIDERS = POOL_ROLES
CITY = frozenset({Role.CITY_OFFICE})
SUPPLIER = frozenset({Role.SUPPLIER})
# action → (statuses it starts from, status it leads to, roles that may take it).
TRANSITIONS: dict[str, tuple[frozenset[str], str, frozenset[Role]]] = {
    "take_up": (frozenset({Status.APPLIED}), Status.MATERIAL_REVIEW, DECIDERS),
    "pass_material": (frozenset({Status.MATERIAL_REVIEW}), Status.SITE_VERIFICATION, DECIDERS),
    "fail_material": (frozenset({Status.MATERIAL_REVIEW}), Status.NOT_PASSED, DECIDERS),
    "complete_site": (frozenset({Status.SITE_VERIFICATION}), Status.RESULT_REVIEW, DECIDERS),
    "publish": (frozenset({Status.RESULT_REVIEW}), Status.IN_DISCLOSURE, CITY),
    "withdraw": (
        frozenset({Status.APPLIED, Status.MATERIAL_REVIEW}),
        Status.WITHDRAWN,
        SUPPLIER,
    ),
}
STEP_NAMES = {
    "apply": gettext_lazy("Applied for evaluation"),
    "take_up": gettext_lazy("Material review started"),
    "pass_material": gettext_lazy("Material review passed"),
    "fail_material": gettext_lazy("Material review not passed"),
    "complete_site": gettext_lazy("Site verification completed"),
    "publish": gettext_lazy("Result published for public disclosure"),
    "withdraw": gettext_lazy("Application withdrawn"),
    "effect": gettext_lazy("Result published after public disclosure"),
    "objection": gettext_lazy("Back to result review after an upheld objection"),
}
# The years a base may apply for: the year before (a past year's performance) and this one.
YEARS_BACK = 1


def allowed_actions(evaluation: BaseEvaluation, user) -> list[str]:
    """The steps ``user`` may take on the evaluation now (pages and API)."""
    who = actor_of(user)
    if who.is_supplier and who.organisation_id != evaluation.base.supplier_id:
        return []
    return [
        action
        for action, (sources, _target, roles) in TRANSITIONS.items()
        if evaluation.status in sources and who.role in roles
    ]


def _locked(evaluation: BaseEvaluation) -> BaseEvaluation:
    return (
        BaseEvaluation.objects.select_for_update(of=("self",))
        .select_related("base__supplier")
        .get(pk=evaluation.pk)
    )


def _move(
    evaluation: BaseEvaluation, *, action: str, actor, reason: str = "", **changes
) -> BaseEvaluation:
    """Take the step: check it against the table, set the new status and the step's fields in
    one save, with one history row naming the step and its actor."""
    sources, target, roles = TRANSITIONS[action]
    if actor_of(actor).role not in roles:
        raise PermissionDenied(_("Your role may not take this step."))
    if evaluation.status not in sources:
        raise ApplicationError(
            _("An evaluation that is “%(status)s” cannot take this step: %(step)s.")
            % {"status": evaluation.get_status_display(), "step": STEP_NAMES[action]}
        )
    evaluation.status = target
    for name, value in changes.items():
        setattr(evaluation, name, value)
    evaluation.full_clean(exclude=["base", "applied_by"])
    stamp(evaluation, actor=actor, reason=reason or STEP_NAMES[action])
    evaluation.save()
    return evaluation


def _notify_supplier(evaluation: BaseEvaluation, *, title: str, body: str = "") -> None:
    notify(
        recipients=members_of(evaluation.base.supplier_id),
        title=title,
        body=body,
        link=evaluation_link(evaluation),
    )


def _names(evaluation: BaseEvaluation) -> dict[str, object]:
    return {"base": evaluation.base.name, "year": evaluation.year}


def _own_base(actor, base: SupplierBase) -> None:
    who = actor_of(actor)
    if not who.is_supplier or who.organisation_id != base.supplier_id:
        raise PermissionDenied(_("Only the base's own supplier may do this."))


@transaction.atomic
def evaluation_apply(
    *,
    actor,
    base: SupplierBase,
    year: int,
    self_score,
    self_assessment: str = "",
    as_of: datetime.date,
) -> BaseEvaluation:
    """A supplier applies for the year's evaluation of one of its active bases, with its
    self-assessment score (0–100) and text. Once a year per base; an application withdrawn
    may be made again. The city office and the reviewers are told."""
    _own_base(actor, base)
    base = SupplierBase.objects.select_for_update().select_related("supplier").get(pk=base.pk)
    errors = {}
    if base.status != SupplierBase.Status.ACTIVE:
        errors["base"] = _("“%(name)s” is not active (%(status)s): it cannot apply.") % {
            "name": base.name,
            "status": base.get_status_display(),
        }
    if base.supplier.status != Supplier.Status.ACTIVE:
        errors["base"] = _("Only an active supplier may apply.")
    if year not in (as_of.year - YEARS_BACK, as_of.year):
        errors["year"] = _("Apply for %(last)s or %(this)s.") % {
            "last": as_of.year - YEARS_BACK,
            "this": as_of.year,
        }
    try:
        score = clean_score(self_score, field="self_score")
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    self_assessment = (self_assessment or "").strip()
    if not self_assessment:
        raise ValidationError(
            {"self_assessment": _("Describe the base's year against the four unified standards.")}
        )
    evaluation = BaseEvaluation.objects.select_for_update().filter(base=base, year=year).first()
    if evaluation is not None and evaluation.status != Status.WITHDRAWN:
        raise ApplicationError(
            _("“%(base)s” already has an evaluation for %(year)s (%(status)s).")
            % {"base": base.name, "year": year, "status": evaluation.get_status_display()}
        )
    fresh = {
        "category": base.category,
        "status": Status.APPLIED,
        "self_score": score,
        "self_assessment": self_assessment,
        "material_score": None,
        "material_note": "",
        "site_note": "",
        "site_verified_on": None,
        "draw_seed": None,
        "expert_score": None,
        "monitoring_deduction": Decimal(0),
        "final_score": None,
        "result_note": "",
        "applied_by": actor,
        "decided_at": None,
    }
    if evaluation is None:
        evaluation = BaseEvaluation(base=base, year=year, **fresh)
    else:
        for name, value in fresh.items():
            setattr(evaluation, name, value)
    evaluation.full_clean()
    stamp(evaluation, actor=actor, reason=STEP_NAMES["apply"])
    evaluation.save()
    notify(
        recipients=members_with_role(Role.CITY_OFFICE, Role.REVIEWER),
        title=_("New base evaluation to review: “%(base)s” (%(year)s)") % _names(evaluation),
        body=_("%(supplier)s applied with a self-assessment of %(score)s.")
        % {"supplier": base.supplier.name, "score": score},
        link=evaluation_link(evaluation),
    )
    return evaluation


@transaction.atomic
def evaluation_withdraw(*, actor, evaluation: BaseEvaluation, as_of: datetime.date):
    """The supplier withdraws its application before the material review is decided."""
    evaluation = _locked(evaluation)
    _own_base(actor, evaluation.base)
    return _move(evaluation, action="withdraw", actor=actor)


@transaction.atomic
def evaluation_take_up(*, actor, evaluation: BaseEvaluation, as_of: datetime.date):
    """The city office or a reviewer starts the material review; the supplier is told."""
    evaluation = _move(_locked(evaluation), action="take_up", actor=actor)
    _notify_supplier(
        evaluation,
        title=_("The evaluation of “%(base)s” (%(year)s) is in material review")
        % _names(evaluation),
    )
    return evaluation


@transaction.atomic
def evaluation_material_review(
    *, actor, evaluation: BaseEvaluation, score, note: str = "", as_of: datetime.date
) -> BaseEvaluation:
    """The material review's score (0–100). From 60 the base goes on to site verification;
    below 60 the evaluation stops (``not_passed``) and the supplier is told why (the note is
    then required)."""
    evaluation = _locked(evaluation)
    score = clean_score(score)
    note = (note or "").strip()
    passed = score >= MATERIAL_PASS_MARK
    if not passed and not note:
        raise ValidationError(
            {"note": _("Say why the material does not pass: the supplier is told.")}
        )
    evaluation = _move(
        evaluation,
        action="pass_material" if passed else "fail_material",
        actor=actor,
        material_score=score,
        material_note=note,
        decided_at=None if passed else timezone.now(),
    )
    values = {**_names(evaluation), "score": score}
    if passed:
        _notify_supplier(
            evaluation,
            title=_(
                "Material review passed (%(score)s): the base “%(base)s” (%(year)s) goes on to "
                "site verification"
            )
            % values,
            body=note,
        )
    else:
        _notify_supplier(
            evaluation,
            title=_("Not passed: the material review of “%(base)s” (%(year)s) scored %(score)s")
            % values,
            body=_("The reviewer's note: %(note)s") % {"note": note},
        )
    return evaluation


def _result_fields(evaluation: BaseEvaluation, *, as_of: datetime.date) -> dict[str, Decimal]:
    """The experts' mean, the deduction and the final score, from the database as it is now."""
    return evaluation_result(
        evaluation.assignments.all(),
        self_score=evaluation.self_score,
        base_id=evaluation.base_id,
        year=evaluation.year,
        as_of=as_of,
    )


def _check_scored(evaluation: BaseEvaluation) -> None:
    counting = [a for a in evaluation.assignments.all() if not a.conflict_declared]
    if not counting:
        raise ApplicationError(_("Draw the experts first."))
    missing = [a.expert.name for a in counting if a.score is None]
    if missing:
        raise ApplicationError(
            _("Scores still missing from: %(names)s.") % {"names": _("; ").join(missing)}
        )
    if len(counting) < EXPERTS_PER_EVALUATION:  # pragma: no cover - replacements keep it at 5
        raise ApplicationError(_("Fewer than five experts scored."))


@transaction.atomic
def evaluation_site_record(
    *,
    actor,
    evaluation: BaseEvaluation,
    scores: dict[int, object],
    site_verified_on: datetime.date | None = None,
    site_note: str = "",
    complete: bool = False,
    as_of: datetime.date,
) -> BaseEvaluation:
    """The office or a reviewer enters the drawn experts' scores from their paper sheets
    (``scores``: assignment id → score; a blank leaves it as it is) and the site findings; with
    ``complete`` the site verification ends: every expert who did not withdraw has scored, and
    the result is computed for the result review. The supplier is told."""
    if actor_of(actor).role not in DECIDERS:
        raise PermissionDenied(_("Your role may not take this step."))
    evaluation = _locked(evaluation)
    if evaluation.status != Status.SITE_VERIFICATION:
        raise ApplicationError(
            _("Scores are entered during site verification; this evaluation is “%(status)s”.")
            % {"status": evaluation.get_status_display()}
        )
    assignments = {
        a.pk: a
        for a in ExpertAssignment.objects.select_for_update(of=("self",))
        .select_related("expert")
        .filter(evaluation=evaluation)
    }
    unknown = set(scores) - set(assignments)
    if unknown:
        raise ValidationError(_("A score was given for an expert not drawn for this evaluation."))
    errors: dict[str, list[str]] = {}
    for pk, value in scores.items():
        if value in (None, ""):
            continue
        try:
            set_score(assignments[pk], score=value, comment=assignments[pk].comment)
        except ValidationError as error:
            errors[f"score_{pk}"] = error.message_dict.get("score", error.messages)
    site_note = (site_note or "").strip()
    if complete:
        if site_verified_on is None:
            errors["site_verified_on"] = [_("Give the day of the site verification.")]
        elif site_verified_on > as_of:
            errors["site_verified_on"] = [_("The day of the site verification is in the future.")]
        if not site_note:
            errors["site_note"] = [_("Write the site findings.")]
    elif site_verified_on is not None and site_verified_on > as_of:
        errors["site_verified_on"] = [_("The day of the site verification is in the future.")]
    if errors:
        raise ValidationError(errors)
    evaluation.site_note = site_note
    evaluation.site_verified_on = site_verified_on
    if not complete:
        stamp(evaluation, actor=actor, reason=_("Site verification scores recorded"))
        evaluation.save(update_fields=["site_note", "site_verified_on"])
        return evaluation
    _check_scored(evaluation)
    evaluation = _move(
        evaluation,
        action="complete_site",
        actor=actor,
        **_result_fields(evaluation, as_of=as_of),
    )
    _notify_supplier(
        evaluation,
        title=_("Site verification of “%(base)s” (%(year)s) completed: the result is in review")
        % _names(evaluation),
    )
    return evaluation


def _disclosure_summary(evaluation: BaseEvaluation, note: str) -> str:
    summary = _(
        "%(year)s evaluation of the base “%(base)s” (%(category)s): final score %(final)s = "
        "20%% × self-assessment %(self)s + 80%% × experts' mean %(experts)s − monitoring "
        "deduction %(deduction)s."
    ) % {
        **_names(evaluation),
        "category": evaluation.get_category_display(),
        "final": evaluation.final_score,
        "self": evaluation.self_score,
        "experts": evaluation.expert_score,
        "deduction": evaluation.monitoring_deduction,
    }
    return f"{summary}\n{note}" if note else summary


@transaction.atomic
def evaluation_publish(
    *,
    actor,
    evaluation: BaseEvaluation,
    note: str = "",
    working_days: int | None = None,
    as_of: datetime.date,
) -> BaseEvaluation:
    """The city office publishes the result: the score is computed again from the monitoring
    as it stands now (a failure annulled since the site verification no longer counts) and a
    public disclosure (公示) opens; the result stands once its period passes unopposed
    (``evaluation_disclosure_effect``). The disclosure tells the supplier."""
    from . import disclosure

    evaluation = _locked(evaluation)
    note = (note or "").strip()
    # Computed only where the step can be taken (``_move`` refuses the others).
    result = {}
    if evaluation.status == Status.RESULT_REVIEW and actor_of(actor).is_city_office:
        result = _result_fields(evaluation, as_of=as_of)
    evaluation = _move(
        evaluation,
        action="publish",
        actor=actor,
        result_note=note,
        decided_at=timezone.now(),
        **result,
    )
    disclosure.disclosure_open(
        kind="base_evaluation",
        actor=actor,
        as_of=as_of,
        summary=_disclosure_summary(evaluation, note),
        working_days=working_days or disclosure.DEFAULT_WORKING_DAYS,
        base_evaluation=evaluation,
    )
    return evaluation


def evaluation_disclosure_effect(evaluation: BaseEvaluation, *, as_of: datetime.date) -> None:
    """Called by the disclosure core when the result's disclosure takes effect: the result is
    published (and counts first in its category's ranking). Idempotent."""
    evaluation = _locked(evaluation)
    if evaluation.status != Status.IN_DISCLOSURE:
        return
    evaluation.status = Status.PUBLISHED
    stamp(evaluation, actor=None, reason=STEP_NAMES["effect"])
    evaluation.save(update_fields=["status"])


def evaluation_disclosure_withdrawn(
    evaluation: BaseEvaluation, *, note: str, as_of: datetime.date
) -> None:
    """Called by the disclosure core when an objection to the result is upheld: the
    evaluation goes back to result review, the office's note kept beside the result's, so
    that the office can correct and publish again. Idempotent."""
    evaluation = _locked(evaluation)
    if evaluation.status != Status.IN_DISCLOSURE:
        return
    kept = _("Objection upheld on %(date)s: %(note)s") % {
        "date": as_of.isoformat(),
        "note": (note or "").strip(),
    }
    evaluation.status = Status.RESULT_REVIEW
    evaluation.result_note = f"{evaluation.result_note}\n{kept}".strip()
    evaluation.decided_at = None
    stamp(evaluation, actor=None, reason=STEP_NAMES["objection"])
    evaluation.save(update_fields=["status", "result_note", "decided_at"])
    notify(
        recipients=members_with_role(Role.CITY_OFFICE),
        title=_("Back to result review after an objection: “%(base)s” (%(year)s)")
        % _names(evaluation),
        body=kept,
        link=evaluation_link(evaluation),
    )
