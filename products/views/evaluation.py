"""The base evaluation's pages (菜篮子基地年度评价): the year's evaluations by category with
rank and stage; an evaluation's page with the one action form of its stage; a drawn expert's
score sheet and conflict declaration; the expert pool; and the supplier's application, its
withdrawal and its report that a base no longer qualifies.

Reads go through ``products.evaluation_selectors`` (404 for what the user may not see); the
services refuse what the role may not do (403) and broken rules (shown on the form).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.history import history_of
from portal.models import Role
from portal.periods import today
from portal.permissions import role_required
from portal.roles import actor_of
from procurement.forms import call_service

from ..evaluation_selectors import (
    conflict_supplier_choices,
    evaluation_for_user,
    evaluation_list,
    evaluation_page,
    evaluation_totals,
    evaluation_years,
    expert_assignments,
    expert_conflicts,
    expert_list,
    expert_page,
    experts_visible,
    own_base,
    own_bases_for_evaluation,
    own_bases_with_evaluation,
)
from ..forms.evaluation import (
    ApplyForm,
    ConflictForm,
    DrawForm,
    EmptyForm,
    EvaluationFilterForm,
    ExpertConflictForm,
    ExpertFilterForm,
    ExpertForm,
    MaterialReviewForm,
    PublishForm,
    ScoreForm,
    SelfReportForm,
    SiteForm,
)
from ..models import BaseEvaluation, ExpertAssignment
from ..services import base_evaluation as services
from ..services import disclosure, expert_draw

CITY, DISTRICT = Role.CITY_OFFICE, Role.DISTRICT_OFFICE
REVIEWER, SUPPLIER = Role.REVIEWER, Role.SUPPLIER
READERS = (CITY, DISTRICT, REVIEWER, SUPPLIER)
DECIDERS = (CITY, REVIEWER)
PAGE_SIZE = 50
Status = BaseEvaluation.Status
# The stages as the page's progress line shows them.
STAGES = (
    (Status.APPLIED, gettext_lazy("Application")),
    (Status.MATERIAL_REVIEW, gettext_lazy("Material review")),
    (Status.SITE_VERIFICATION, gettext_lazy("Site verification")),
    (Status.RESULT_REVIEW, gettext_lazy("Result review")),
    (Status.IN_DISCLOSURE, gettext_lazy("Public disclosure")),
    (Status.PUBLISHED, gettext_lazy("Published")),
)


# --- the list ----------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def evaluations(request: HttpRequest) -> HttpResponse:
    """The year's evaluations by category with rank and stage; a supplier sees its own bases'
    evaluations and its bases, to apply or report."""
    user, as_of = request.user, today()
    years = sorted({as_of.year, *evaluation_years(user)}, reverse=True)
    filters = EvaluationFilterForm(request.GET or None, years=years)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = evaluation_list(
        user=user,
        year=chosen.get("year"),
        category=chosen.get("category", ""),
        status=chosen.get("status", ""),
    )
    if filters.is_bound and not filters.is_valid():
        rows = rows.none()
    totals = evaluation_totals(rows)
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = totals["total"]  # known from the totals: spare the COUNT query
    page = paginator.get_page(request.GET.get("page"))
    is_supplier = actor_of(user).is_supplier
    return render(
        request,
        "products/evaluation/list.html",
        {
            "filters": filters,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "page": page,
            "totals": totals,
            "bases": _base_rows(user, year=as_of.year) if is_supplier else [],
            "is_supplier": is_supplier,
            "can_run_pool": expert_draw.may_run_pool(user),
            "year": as_of.year,
        },
    )


def _base_rows(user, *, year: int) -> list:
    """The supplier's active bases with this year's evaluation, for the "my bases" panel."""
    labels = dict(Status.choices)
    rows = list(own_bases_with_evaluation(user, year=year))
    for base in rows:
        base.evaluation_label = labels.get(base.evaluation_status, "")
        base.may_apply = base.evaluation_status in (None, Status.WITHDRAWN)
    return rows


# --- one evaluation ----------------------------------------------------------------------------


def _stage_form(evaluation: BaseEvaluation, user, data=None):
    """The one action form of the evaluation's stage for ``user`` (kind, form), or (None,
    None) when there is nothing for the user to do."""
    who = actor_of(user)
    if who.role not in DECIDERS:
        return None, None
    status = evaluation.status
    if status == Status.APPLIED:
        return "take_up", EmptyForm(data)
    if status == Status.MATERIAL_REVIEW:
        return "material", MaterialReviewForm(data)
    if status == Status.SITE_VERIFICATION:
        assignments = list(evaluation.assignments.all())
        if not assignments:
            return "draw", DrawForm(data)
        initial = {
            "site_verified_on": evaluation.site_verified_on,
            "site_note": evaluation.site_note,
        }
        return "site", SiteForm(data, assignments=assignments, initial=initial)
    if status == Status.RESULT_REVIEW and who.is_city_office:
        return "publish", PublishForm(data)
    return None, None


def _take_stage_step(request, evaluation: BaseEvaluation, kind: str, form):
    """Run the stage's service for a valid form; the result, or None with the refusal on
    the form."""
    common = {"actor": request.user, "evaluation": evaluation, "as_of": today()}
    data = form.cleaned_data
    if kind == "take_up":
        return call_service(form, services.evaluation_take_up, **common)
    if kind == "material":
        return call_service(
            form,
            services.evaluation_material_review,
            score=data["score"],
            note=data["note"],
            **common,
        )
    if kind == "draw":
        return call_service(form, expert_draw.evaluation_experts_draw, seed=data["seed"], **common)
    if kind == "site":
        return call_service(
            form,
            services.evaluation_site_record,
            scores=form.scores(),
            site_verified_on=data["site_verified_on"],
            site_note=data["site_note"],
            complete="complete" in request.POST,
            **common,
        )
    return call_service(form, services.evaluation_publish, note=data["note"], **common)


STEP_DONE = {
    "take_up": gettext_lazy("The material review has started."),
    "material": gettext_lazy("The material review is recorded."),
    "draw": gettext_lazy("The experts are drawn."),
    "site": gettext_lazy("The scores are saved."),
    "publish": gettext_lazy("The result is published for public disclosure."),
}


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An evaluation's stage, scores, experts and history, with the action form of its stage
    for the office and the reviewers."""
    user = request.user
    evaluation = evaluation_page(user, pk)
    kind, form = _stage_form(evaluation, user, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid() and _take_stage_step(request, evaluation, kind, form) is not None:
            message = STEP_DONE[kind]
            if kind == "site" and "complete" in request.POST:
                message = _("The site verification is complete: the result is computed.")
            messages.success(request, message)
            return redirect("products:evaluation_detail", pk=evaluation.pk)
    show_experts = experts_visible(user)
    assignments = list(evaluation.assignments.all()) if show_experts else []
    counting = [a for a in evaluation.assignments.all() if not a.conflict_declared]
    return render(
        request,
        "products/evaluation/detail.html",
        {
            "evaluation": evaluation,
            "crumb": f"{evaluation.base.name} · {evaluation.year}",
            "stages": _stages(evaluation),
            "kind": kind,
            "form": form,
            "actions": services.allowed_actions(evaluation, user),
            "show_experts": show_experts,
            "assignments": assignments,
            "scored": sum(1 for a in counting if a.score is not None),
            "counting": len(counting),
            "can_score": actor_of(user).role in DECIDERS
            and evaluation.status == Status.SITE_VERIFICATION,
            "failures": services.monitoring_failures(
                base_id=evaluation.base_id, year=evaluation.year, as_of=today()
            )
            if show_experts
            else None,
            "rules": _rules(),
            "disclosures": evaluation.disclosures.order_by("-starts_on", "-pk"),
            "change_history": history_of(evaluation) if show_experts else None,
        },
    )


def _stages(evaluation: BaseEvaluation) -> list[tuple[str, str]]:
    """Each stage as done, current or to come (a stopped evaluation shows where it stopped)."""
    order = [code for code, _label in STAGES]
    status = evaluation.status
    if status == Status.NOT_PASSED:
        current = order.index(Status.MATERIAL_REVIEW)
    elif status == Status.WITHDRAWN:
        current = 0
    else:
        current = order.index(status)
    rows = []
    for index, (_code, label) in enumerate(STAGES):
        state = "done" if index < current else "current" if index == current else "todo"
        if status == Status.PUBLISHED and index == current:
            state = "done"
        rows.append((str(label), state))
    return rows


def _rules() -> dict[str, object]:
    return {
        "self_weight": 20,
        "expert_weight": 80,
        "pass_mark": services.MATERIAL_PASS_MARK,
        "sample_test": services.POINTS_PER_FAILED_SAMPLE_TEST,
        "inspection": services.POINTS_PER_FAILED_INSPECTION,
        "cap": services.MONITORING_DEDUCTION_CAP,
        "experts": expert_draw.EXPERTS_PER_EVALUATION,
    }


# --- the supplier's side -----------------------------------------------------------------------


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def evaluation_apply(request: HttpRequest) -> HttpResponse:
    """The supplier applies for a base's yearly evaluation; its own active bases only."""
    as_of = today()
    bases = own_bases_for_evaluation(request.user)
    initial = {"year": as_of.year}
    chosen = request.GET.get("base", "")
    if chosen.isdigit() and bases.filter(pk=int(chosen)).exists():
        initial["base"] = int(chosen)
    form = ApplyForm(request.POST or None, bases=bases, as_of=as_of, initial=initial)
    if request.method == "POST" and form.is_valid():
        evaluation = call_service(
            form, services.evaluation_apply, actor=request.user, as_of=as_of, **form.cleaned_data
        )
        if evaluation is not None:
            messages.success(
                request,
                _("Your application is sent; the city coordination office reviews the material."),
            )
            return redirect("products:evaluation_detail", pk=evaluation.pk)
    return render(
        request,
        "products/evaluation/apply.html",
        {"form": form, "has_bases": bases.exists()},
    )


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def evaluation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation step of withdrawing an application (before the material review)."""
    evaluation = get_object_or_404(evaluation_for_user(request.user), pk=pk)
    # A POST with no field is still a submission: bind it whatever it holds.
    form = EmptyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.evaluation_withdraw,
            actor=request.user,
            evaluation=evaluation,
            as_of=today(),
        )
        if done is not None:
            messages.success(request, _("The application is withdrawn."))
            return redirect("products:evaluation_detail", pk=evaluation.pk)
    return render(
        request,
        "products/evaluation/withdraw.html",
        {
            "evaluation": evaluation,
            "form": form,
            "allowed": "withdraw" in services.allowed_actions(evaluation, request.user),
        },
    )


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def base_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The supplier reports that one of its bases no longer qualifies (主动申报退出): the exit
    is publicly disclosed and takes effect when the period passes."""
    base = own_base(request.user, pk)
    form = SelfReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        notice = call_service(
            form,
            disclosure.exit_disclose,
            actor=request.user,
            subject=base,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            as_of=today(),
            self_reported=True,
        )
        if notice is not None:
            messages.success(
                request,
                _(
                    "Your report is published for public disclosure until %(date)s; the base "
                    "exits when the period ends."
                )
                % {"date": notice.ends_on.isoformat()},
            )
            return redirect("products:evaluations")
    return render(request, "products/evaluation/report.html", {"base": base, "form": form})


# --- a drawn expert's score sheet --------------------------------------------------------------


def _assignment_or_404(request: HttpRequest, pk: int) -> ExpertAssignment:
    """A drawn expert's sheet: for the office and the reviewers, and for the expert with a
    portal account; no one else learns it exists."""
    assignment = get_object_or_404(
        ExpertAssignment.objects.select_related("expert", "evaluation__base__supplier"), pk=pk
    )
    if not expert_draw.acts_for_expert(request.user, assignment.expert):
        raise Http404
    return assignment


def _signed_in(view):
    """Sign-in only: who may use the sheet is decided on the sheet (``_assignment_or_404``),
    since an expert's account may hold any role."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


@_signed_in
@require_http_methods(["GET", "POST"])
def evaluation_assignment(request: HttpRequest, pk: int) -> HttpResponse:
    """One drawn expert's score, entered by the expert or from the paper sheet."""
    assignment = _assignment_or_404(request, pk)
    evaluation = assignment.evaluation
    form = ScoreForm(
        request.POST or None,
        initial={"score": assignment.score, "comment": assignment.comment},
    )
    open_ = evaluation.status == Status.SITE_VERIFICATION and not assignment.conflict_declared
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            expert_draw.assignment_score,
            actor=request.user,
            assignment=assignment,
            as_of=today(),
            **form.cleaned_data,
        )
        if done is not None:
            messages.success(request, _("The score is saved."))
            return redirect("products:evaluation_assignment", pk=assignment.pk)
    return render(
        request,
        "products/evaluation/assignment.html",
        {
            "assignment": assignment,
            "evaluation": evaluation,
            "form": form,
            "open": open_,
            "can_read_evaluation": actor_of(request.user).role in READERS
            and evaluation_for_user(request.user).filter(pk=evaluation.pk).exists(),
        },
    )


@_signed_in
@require_http_methods(["GET", "POST"])
def evaluation_assignment_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    """A drawn expert declares a conflict of interest; the next expert of the draw's order
    takes the place."""
    assignment = _assignment_or_404(request, pk)
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        replacement = call_service(
            form,
            expert_draw.assignment_conflict_declare,
            actor=request.user,
            assignment=assignment,
            reason=form.cleaned_data["reason"],
            as_of=today(),
        )
        if replacement is not None:
            messages.success(
                request,
                _("The conflict is recorded; %(expert)s is drawn in the expert's place.")
                % {"expert": replacement.expert.name},
            )
            if actor_of(request.user).role in DECIDERS:
                return redirect("products:evaluation_detail", pk=assignment.evaluation_id)
            return redirect("products:evaluation_assignment", pk=assignment.pk)
    return render(
        request,
        "products/evaluation/conflict.html",
        {
            "assignment": assignment,
            "evaluation": assignment.evaluation,
            "form": form,
            "open": assignment.evaluation.status == Status.SITE_VERIFICATION
            and not assignment.conflict_declared
            and assignment.score is None,
        },
    )


# --- the expert pool ---------------------------------------------------------------------------


@role_required(*DECIDERS)
@require_GET
def experts(request: HttpRequest) -> HttpResponse:
    filters = ExpertFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    active = {"1": True, "0": False}.get(chosen.get("active", ""))
    rows = expert_list(user=request.user, q=chosen.get("q", ""), active=active)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "products/evaluation/experts.html",
        {
            "filters": filters,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "page": page,
        },
    )


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def expert_create(request: HttpRequest) -> HttpResponse:
    form = ExpertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        expert = call_service(
            form, expert_draw.expert_create, actor=request.user, **form.cleaned_data
        )
        if expert is not None:
            messages.success(request, _("%(name)s is in the pool.") % {"name": expert.name})
            return redirect("products:expert_detail", pk=expert.pk)
    return render(request, "products/evaluation/expert_form.html", {"form": form})


@role_required(*DECIDERS)
@require_GET
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expert = expert_page(request.user, pk)
    return render(
        request,
        "products/evaluation/expert_detail.html",
        {
            "expert": expert,
            "conflicts": expert_conflicts(expert),
            "assignments": expert_assignments(expert)[:PAGE_SIZE],
            "change_history": history_of(expert),
        },
    )


@role_required(*DECIDERS)
@require_POST
def expert_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an expert out of the pool or back in (a button on the expert's page)."""
    expert = expert_page(request.user, pk)
    active = request.POST.get("active") == "1"
    expert_draw.expert_set_active(actor=request.user, expert=expert, active=active)
    messages.success(
        request,
        _("%(name)s is back in the pool.") % {"name": expert.name}
        if active
        else _("%(name)s is out of the pool: never drawn again.") % {"name": expert.name},
    )
    return redirect("products:expert_detail", pk=expert.pk)


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def expert_conflict_create(request: HttpRequest, pk: int) -> HttpResponse:
    expert = expert_page(request.user, pk)
    form = ExpertConflictForm(request.POST or None, suppliers=conflict_supplier_choices())
    if request.method == "POST" and form.is_valid():
        conflict = call_service(
            form,
            expert_draw.expert_conflict_declare,
            actor=request.user,
            expert=expert,
            as_of=today(),
            **form.cleaned_data,
        )
        if conflict is not None:
            messages.success(
                request,
                _("The conflict with %(supplier)s is recorded.")
                % {"supplier": conflict.supplier.name},
            )
            return redirect("products:expert_detail", pk=expert.pk)
    return render(
        request, "products/evaluation/expert_conflict.html", {"expert": expert, "form": form}
    )


urlpatterns = [
    path("evaluations/", evaluations, name="evaluations"),
    path("evaluations/apply/", evaluation_apply, name="evaluation_apply"),
    path("evaluations/<int:pk>/", evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/withdraw/", evaluation_withdraw, name="evaluation_withdraw"),
    path("evaluations/sheets/<int:pk>/", evaluation_assignment, name="evaluation_assignment"),
    path(
        "evaluations/sheets/<int:pk>/conflict/",
        evaluation_assignment_conflict,
        name="evaluation_assignment_conflict",
    ),
    path("evaluations/bases/<int:pk>/report/", base_report, name="evaluation_base_report"),
    path("experts/", experts, name="experts"),
    path("experts/new/", expert_create, name="expert_create"),
    path("experts/<int:pk>/", expert_detail, name="expert_detail"),
    path("experts/<int:pk>/active/", expert_active, name="expert_active"),
    path("experts/<int:pk>/conflicts/new/", expert_conflict_create, name="expert_conflict_create"),
]
