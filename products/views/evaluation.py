"""The base evaluation's pages (菜篮子基地年度评价): the year's evaluations by category with
rank and stage, and their Excel export; an evaluation's page with the one action form of its
stage; and the supplier's application, its withdrawal and its report that a base no longer
qualifies. The expert pool and the drawn experts' score sheets are in ``experts``.

Reads go through ``products.evaluation_selectors`` (404 for what the user may not see); the
services refuse what the role may not do (403) and broken rules (shown on the form).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from portal.history import history_of
from portal.periods import today
from portal.permissions import role_required
from portal.roles import actor_of

from ..evaluation_exports import evaluations_title, evaluations_workbook
from ..evaluation_selectors import (
    evaluation_for_user,
    evaluation_list,
    evaluation_page,
    evaluation_totals,
    evaluation_years,
    experts_visible,
    own_base,
    own_bases_for_evaluation,
    own_bases_with_evaluation,
)
from ..exports import XLSX
from ..forms.evaluation import (
    ApplyForm,
    DrawForm,
    EmptyForm,
    EvaluationFilterForm,
    MaterialReviewForm,
    PublishForm,
    SelfReportForm,
    SiteForm,
    submit,
)
from ..models import BaseEvaluation
from ..services import base_evaluation as services
from ..services import disclosure, evaluation_scores, expert_draw
from . import experts
from .experts import DECIDERS, PAGE_SIZE, READERS, SUPPLIER

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


# --- the list and its export -------------------------------------------------------------------


def _filtered(request: HttpRequest) -> tuple[EvaluationFilterForm, QuerySet[BaseEvaluation]]:
    """The filter form and the evaluations it selects, for the list and its export alike.
    Invalid filters select nothing (the form says why) rather than everything."""
    user = request.user
    years = sorted({today().year, *evaluation_years(user)}, reverse=True)
    filters = EvaluationFilterForm(request.GET or None, years=years)
    if filters.is_bound and not filters.is_valid():
        return filters, evaluation_list(user=user).none()
    chosen = filters.cleaned_data if filters.is_bound else {}
    rows = evaluation_list(
        user=user,
        year=chosen.get("year"),
        category=chosen.get("category", ""),
        status=chosen.get("status", ""),
    )
    return filters, rows


@role_required(*READERS)
@require_GET
def evaluations(request: HttpRequest) -> HttpResponse:
    """The year's evaluations by category with rank and stage; a supplier sees its own bases'
    evaluations and its bases, to apply or report."""
    user, as_of = request.user, today()
    filters, rows = _filtered(request)
    totals = evaluation_totals(rows)
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = totals["total"]  # known from the totals: spare the COUNT query
    is_supplier = actor_of(user).is_supplier
    return render(
        request,
        "products/evaluation/list.html",
        {
            "filters": filters,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "page": paginator.get_page(request.GET.get("page")),
            "totals": totals,
            "bases": _base_rows(user, year=as_of.year) if is_supplier else [],
            "is_supplier": is_supplier,
            "can_run_pool": expert_draw.may_run_pool(user),
            "year": as_of.year,
        },
    )


@role_required(*READERS)
@require_GET
def evaluations_export(request: HttpRequest) -> FileResponse:
    """Exactly the evaluations the list's filters select, all pages, in the list's order."""
    filters, rows = _filtered(request)
    year = filters.cleaned_data.get("year") if filters.is_bound and filters.is_valid() else None
    title = evaluations_title(year=year, as_of=today())
    return FileResponse(
        evaluations_workbook(rows, title=title),
        as_attachment=True,
        filename=f"{title}.xlsx",
        content_type=XLSX,
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


# kind → the service of the stage's step and the form's fields it takes.
STAGE_STEPS = {
    "take_up": (services.evaluation_take_up, ()),
    "material": (services.evaluation_material_review, ("score", "note")),
    "draw": (expert_draw.evaluation_experts_draw, ("seed",)),
    "site": (services.evaluation_site_record, ("site_verified_on", "site_note")),
    "publish": (services.evaluation_publish, ("note",)),
}


def _take_stage_step(request, evaluation: BaseEvaluation, kind: str, form):
    """Run the stage's service for the submitted form: the result, or None with the refusal
    (or the form's errors) on the form."""
    service, fields = STAGE_STEPS[kind]
    extra = {}
    if kind == "site":  # the scores' fields are the drawn experts'; "complete" is the button
        scores = form.scores() if form.is_valid() else {}
        extra = {"scores": scores, "complete": "complete" in request.POST}
    return submit(
        form,
        service,
        actor=request.user,
        fields=fields,
        evaluation=evaluation,
        as_of=today(),
        **extra,
    )


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
        if _take_stage_step(request, evaluation, kind, form) is not None:
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
            "failures": evaluation_scores.monitoring_failures(
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
        "pass_mark": evaluation_scores.MATERIAL_PASS_MARK,
        "sample_test": evaluation_scores.POINTS_PER_FAILED_SAMPLE_TEST,
        "inspection": evaluation_scores.POINTS_PER_FAILED_INSPECTION,
        "cap": evaluation_scores.MONITORING_DEDUCTION_CAP,
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
    evaluation = submit(
        form,
        services.evaluation_apply,
        actor=request.user,
        fields=("base", "year", "self_score", "self_assessment"),
        as_of=as_of,
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
    done = submit(
        form, services.evaluation_withdraw, actor=request.user, evaluation=evaluation, as_of=today()
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
    notice = submit(
        form,
        disclosure.exit_disclose,
        actor=request.user,
        fields=("reason", "note"),
        subject=base,
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


# The expert pool and the score sheets are in ``experts``; ``products.urls`` includes this
# module's ``urlpatterns`` only, so they are listed here too.
urlpatterns = [
    path("evaluations/", evaluations, name="evaluations"),
    path("evaluations/export.xlsx", evaluations_export, name="evaluations_export"),
    path("evaluations/apply/", evaluation_apply, name="evaluation_apply"),
    path("evaluations/<int:pk>/", evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/withdraw/", evaluation_withdraw, name="evaluation_withdraw"),
    path("evaluations/bases/<int:pk>/report/", base_report, name="evaluation_base_report"),
    *experts.urlpatterns,
]
