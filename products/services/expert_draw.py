"""The expert pool (专家库) and the random draw of experts (专家随机抽取) for a base's
evaluation: five experts from the active pool, none with a declared conflict of interest
with the base's supplier, none twice for the same evaluation; an expert who declares a
conflict on being drawn is replaced by the next expert of the same seeded order.

The order is seeded and the seed is stored on the evaluation (``draw_seed``), so anyone can
repeat the draw and check it. Each expert's place in the order comes from a
``random.Random`` seeded with the evaluation's seed and the expert's id, not from one shuffle
of the whole pool: the pool changes between a draw and a later replacement (an expert joins,
another leaves, a conflict is declared), and a shuffle of the whole list would then reorder
everyone, so "the next one of the same order" could not be checked afterwards. Keyed this way,
any two experts keep their relative order whatever else joins or leaves the pool, and the
order is still a uniformly random permutation of the pool.
"""

from __future__ import annotations

import datetime
import random
import secrets
from collections.abc import Collection, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.history import stamp
from portal.models import Role
from portal.notifications import notify
from portal.roles import actor_of

from ..models import BaseEvaluation, Expert, ExpertAssignment, ExpertConflict, Supplier
from .evaluation_scores import clean_score

# 《菜篮子基地评价》: five experts verify each base on site.
EXPERTS_PER_EVALUATION = 5
# The city office and the reviewers run the pool and the evaluations.
POOL_ROLES = frozenset({Role.CITY_OFFICE, Role.REVIEWER})
# A seed small enough to read out and type back in (2^48 ≈ 2.8 × 10^14 draws).
SEED_BITS = 48
SEED_MAX = 2**SEED_BITS - 1


class PoolTooSmall(ApplicationError):
    """Fewer eligible experts than the draw needs."""

    def __init__(self, *, available: int, needed: int):
        super().__init__(
            _(
                "Only %(available)s eligible experts are left in the pool; the draw needs "
                "%(needed)s. Add experts to the pool (or reactivate some) and draw again."
            )
            % {"available": available, "needed": needed}
        )
        self.available = available
        self.needed = needed


# --- the draw itself: pure functions ---------------------------------------------------------


def new_seed() -> int:
    """A fresh seed for a draw (not a secret: it is published with the draw)."""
    return secrets.randbits(SEED_BITS)


def draw_key(seed: int, expert_id: int) -> float:
    """The expert's place in the seeded order: a number drawn from a stream seeded by the
    evaluation's seed and the expert's id (a string seed is hashed with SHA-512, the same on
    every machine and every run)."""
    return random.Random(f"{seed}:{expert_id}").random()  # noqa: S311 - reproducible on purpose


def seeded_order(expert_ids: Iterable[int], seed: int) -> list[int]:
    """The experts in the order the seed gives them (ties, never seen in practice, by id)."""
    return sorted(set(expert_ids), key=lambda pk: (draw_key(seed, pk), pk))


def draw(
    eligible_ids: Iterable[int],
    *,
    seed: int,
    count: int = EXPERTS_PER_EVALUATION,
    taken: Collection[int] = (),
) -> list[int]:
    """The first ``count`` experts of the seeded order, skipping those already ``taken`` for
    this evaluation. The same seed and pool always give the same experts, in the same order."""
    order = [pk for pk in seeded_order(eligible_ids, seed) if pk not in set(taken)]
    if len(order) < count:
        raise PoolTooSmall(available=len(order), needed=count)
    return order[:count]


# --- reading the pool --------------------------------------------------------------------------


def eligible_expert_ids(*, supplier_id: int) -> list[int]:
    """The active experts who declared no conflict with the supplier: one query."""
    return list(
        Expert.objects.filter(active=True)
        .exclude(conflicts__supplier_id=supplier_id)
        .values_list("pk", flat=True)
    )


def may_run_pool(user) -> bool:
    return actor_of(user).role in POOL_ROLES


def require_pool_role(actor) -> None:
    if not may_run_pool(actor):
        raise PermissionDenied(_("Only the city office or a reviewer may do this."))


def acts_for_expert(actor, expert: Expert) -> bool:
    """The office and the reviewers act for any expert (from the paper sheets); an expert with
    a portal account acts for themself."""
    if may_run_pool(actor):
        return True
    return expert.user_id is not None and expert.user_id == getattr(actor, "pk", None)


def evaluation_link(evaluation: BaseEvaluation) -> str:
    return reverse("products:evaluation_detail", args=[evaluation.pk])


# --- the pool ----------------------------------------------------------------------------------


@transaction.atomic
def expert_create(
    *,
    actor,
    name: str,
    organisation: str = "",
    title: str = "",
    speciality: str = "",
    user=None,
) -> Expert:
    """The city office or a reviewer adds an expert to the pool, with the portal account the
    expert scores with, if any (one expert per account)."""
    require_pool_role(actor)
    expert = Expert(
        name=(name or "").strip(),
        organisation=(organisation or "").strip(),
        title=(title or "").strip(),
        speciality=speciality or "",
        user=user,
    )
    if user is not None and Expert.objects.filter(user=user).exists():
        raise ValidationError({"user": _("This account already belongs to an expert.")})
    expert.full_clean()
    stamp(expert, actor=actor, reason=_("Added to the expert pool"))
    expert.save()
    return expert


@transaction.atomic
def expert_set_active(*, actor, expert: Expert, active: bool) -> Expert:
    """Take an expert out of the pool (retired, moved away) or back in. An expert out of the
    pool is never drawn again; the draws already made stand."""
    require_pool_role(actor)
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if expert.active == active:
        return expert
    expert.active = active
    stamp(
        expert,
        actor=actor,
        reason=_("Back in the expert pool") if active else _("Taken out of the expert pool"),
    )
    expert.save(update_fields=["active"])
    return expert


@transaction.atomic
def expert_conflict_declare(
    *, actor, expert: Expert, supplier: Supplier, reason: str, as_of: datetime.date
) -> ExpertConflict:
    """An expert declares a conflict of interest with a supplier (利益冲突回避): the expert is
    never drawn for that supplier's bases again, and withdraws from any of its evaluations
    where they have been drawn and have not scored yet (each replaced by the next expert of
    that draw's order)."""
    if not acts_for_expert(actor, expert):
        raise PermissionDenied(_("Only the city office, a reviewer or the expert may do this."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the conflict of interest is.")})
    if ExpertConflict.objects.filter(expert=expert, supplier=supplier).exists():
        raise ApplicationError(
            _("%(expert)s has already declared a conflict with %(supplier)s.")
            % {"expert": expert.name, "supplier": supplier.name}
        )
    conflict = ExpertConflict(expert=expert, supplier=supplier, reason=reason)
    conflict.full_clean()
    conflict.save()
    open_assignments = ExpertAssignment.objects.filter(
        expert=expert,
        conflict_declared=False,
        score__isnull=True,
        evaluation__base__supplier=supplier,
        evaluation__status=BaseEvaluation.Status.SITE_VERIFICATION,
    ).select_related("evaluation")
    for assignment in open_assignments:
        _withdraw_and_replace(assignment, actor=actor, reason=reason)
    return conflict


# --- drawing for an evaluation -----------------------------------------------------------------


def _locked_evaluation(evaluation: BaseEvaluation) -> BaseEvaluation:
    return (
        BaseEvaluation.objects.select_for_update(of=("self",))
        .select_related("base__supplier")
        .get(pk=evaluation.pk)
    )


def _require_site_verification(evaluation: BaseEvaluation) -> None:
    if evaluation.status != BaseEvaluation.Status.SITE_VERIFICATION:
        raise ApplicationError(
            _(
                "Experts are drawn and score during site verification; "
                "this evaluation is “%(status)s”."
            )
            % {"status": evaluation.get_status_display()}
        )


def _tell_experts(assignments: Iterable[ExpertAssignment], evaluation: BaseEvaluation) -> None:
    """Experts with a portal account learn that they were drawn, with the link to their score
    sheet (the others are told by the office, off the portal)."""
    for assignment in assignments:
        if assignment.expert.user_id is None:
            continue
        notify(
            recipients=[assignment.expert.user],
            title=_("You are drawn to evaluate the base “%(base)s” (%(year)s)")
            % {"base": evaluation.base.name, "year": evaluation.year},
            body=_("Declare a conflict of interest on your score sheet if you have one."),
            link=reverse("products:evaluation_assignment", args=[assignment.pk]),
        )


@transaction.atomic
def evaluation_experts_draw(
    *, actor, evaluation: BaseEvaluation, seed: int | None = None, as_of: datetime.date
) -> list[ExpertAssignment]:
    """Draw the evaluation's five experts at random from the active pool, excluding those
    with a declared conflict with the base's supplier; the seed is stored so that the draw can
    be repeated and checked. Once only: a replacement comes from the same order."""
    require_pool_role(actor)
    evaluation = _locked_evaluation(evaluation)
    _require_site_verification(evaluation)
    if evaluation.assignments.exists():
        raise ApplicationError(_("The experts of this evaluation have already been drawn."))
    if seed is None:
        seed = new_seed()
    if not 0 <= seed <= SEED_MAX:
        raise ValidationError(
            {"seed": _("The seed is a whole number from 0 to %(max)s.") % {"max": SEED_MAX}}
        )
    chosen = draw(eligible_expert_ids(supplier_id=evaluation.base.supplier_id), seed=seed)
    assignments = ExpertAssignment.objects.bulk_create(
        ExpertAssignment(evaluation=evaluation, expert_id=expert_id, position=position)
        for position, expert_id in enumerate(chosen, start=1)
    )
    evaluation.draw_seed = seed
    stamp(
        evaluation,
        actor=actor,
        reason=_("Experts drawn (seed %(seed)s)") % {"seed": seed},
    )
    evaluation.save(update_fields=["draw_seed"])
    _tell_experts(
        ExpertAssignment.objects.filter(evaluation=evaluation).select_related("expert__user"),
        evaluation,
    )
    return assignments


def _withdraw_and_replace(assignment: ExpertAssignment, *, actor, reason: str) -> ExpertAssignment:
    """Mark the drawn expert as withdrawn for a conflict and draw the next expert of the same
    seeded order, at the next position. The caller holds the transaction."""
    evaluation = _locked_evaluation(assignment.evaluation)
    _require_site_verification(evaluation)
    assignment = ExpertAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.conflict_declared:
        raise ApplicationError(_("This expert has already withdrawn for a conflict of interest."))
    if assignment.score is not None:
        raise ApplicationError(
            _("This expert has already scored: a conflict must be declared before scoring.")
        )
    assignment.conflict_declared = True
    assignment.conflict_reason = reason
    assignment.save(update_fields=["conflict_declared", "conflict_reason"])
    taken = set(evaluation.assignments.values_list("expert_id", flat=True))
    (replacement_id,) = draw(
        eligible_expert_ids(supplier_id=evaluation.base.supplier_id),
        seed=evaluation.draw_seed,
        count=1,
        taken=taken,
    )
    last = evaluation.assignments.aggregate(last=Max("position"))["last"] or 0
    try:
        with transaction.atomic():
            replacement = ExpertAssignment.objects.create(
                evaluation=evaluation, expert_id=replacement_id, position=last + 1
            )
    except IntegrityError as error:  # pragma: no cover - the locks above make it unreachable
        raise ApplicationError(_("Another change came first: reload the page.")) from error
    # The evaluation's own history names the replacement (its row changes nothing else).
    stamp(evaluation, actor=actor, reason=_("Expert replaced after declaring a conflict"))
    evaluation.save(update_fields=["draw_seed"])
    _tell_experts([replacement], evaluation)
    return replacement


@transaction.atomic
def assignment_conflict_declare(
    *, actor, assignment: ExpertAssignment, reason: str, as_of: datetime.date
) -> ExpertAssignment:
    """A drawn expert declares a conflict of interest with the base's supplier (利益冲突回避):
    their draw is kept, marked and without a score, the conflict is recorded in the pool (they
    are never drawn for that supplier again), and the next expert of the same seeded order is
    drawn in their place. Returns the replacement."""
    expert = assignment.expert
    if not acts_for_expert(actor, expert):
        raise PermissionDenied(_("Only the city office, a reviewer or the expert may do this."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the conflict of interest is.")})
    supplier_id = assignment.evaluation.base.supplier_id
    ExpertConflict.objects.get_or_create(
        expert=expert, supplier_id=supplier_id, defaults={"reason": reason}
    )
    return _withdraw_and_replace(assignment, actor=actor, reason=reason)


def set_score(assignment: ExpertAssignment, *, score, comment: str = "") -> ExpertAssignment:
    """Record one drawn expert's score; the caller checked the actor and holds the lock."""
    if assignment.conflict_declared:
        raise ApplicationError(
            _("%(expert)s withdrew for a conflict of interest and gives no score.")
            % {"expert": assignment.expert.name}
        )
    assignment.score = clean_score(score)
    assignment.comment = (comment or "").strip()
    assignment.scored_at = timezone.now()
    assignment.full_clean(exclude=["evaluation", "expert"])
    assignment.save(update_fields=["score", "comment", "scored_at"])
    return assignment


@transaction.atomic
def assignment_score(
    *, actor, assignment: ExpertAssignment, score, comment: str = "", as_of: datetime.date
) -> ExpertAssignment:
    """A drawn expert's score (0–100) for the site verification: entered by the expert with a
    portal account, or by the office or a reviewer from the expert's paper sheet. It may be
    corrected until the site verification is completed."""
    assignment = (
        ExpertAssignment.objects.select_for_update().select_related("expert").get(pk=assignment.pk)
    )
    if not acts_for_expert(actor, assignment.expert):
        raise PermissionDenied(_("Only the city office, a reviewer or the expert may do this."))
    evaluation = _locked_evaluation(assignment.evaluation)
    _require_site_verification(evaluation)
    return set_score(assignment, score=score, comment=comment)
