"""The expert pool's pages (专家库) and a drawn expert's score sheet: the pool with its
filters, adding an expert, an expert's page (taking them out of the pool or back in, the
conflicts of interest declared and the draws), declaring a conflict in the pool; and, for
each expert drawn for a base's evaluation, the score sheet and the declaration of a conflict
on being drawn (the next expert of the draw's order takes the place).

The pool is the city office's and the reviewers' business; a drawn expert with a portal
account (any role) opens their own sheets. Reads go through ``products.evaluation_selectors``,
steps through ``products.services.expert_draw``. Its URLs are included through
``products.views.evaluation.urlpatterns``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.history import history_of
from portal.models import Role
from portal.periods import today
from portal.permissions import role_required
from portal.roles import actor_of

from ..evaluation_selectors import (
    conflict_supplier_choices,
    evaluation_for_user,
    expert_assignments,
    expert_conflicts,
    expert_list,
    expert_page,
    expert_totals,
)
from ..forms.evaluation import (
    ConflictForm,
    ExpertConflictForm,
    ExpertFilterForm,
    ExpertForm,
    ScoreForm,
    submit,
)
from ..models import BaseEvaluation, ExpertAssignment
from ..services import expert_draw

CITY, DISTRICT = Role.CITY_OFFICE, Role.DISTRICT_OFFICE
REVIEWER, SUPPLIER = Role.REVIEWER, Role.SUPPLIER
# Who reads the evaluations (the score sheet links back to one for them).
READERS = (CITY, DISTRICT, REVIEWER, SUPPLIER)
# Who runs the pool and the evaluations' stages.
DECIDERS = (CITY, REVIEWER)
PAGE_SIZE = 50


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
    done = submit(
        form,
        expert_draw.assignment_score,
        actor=request.user,
        fields=("score", "comment"),
        assignment=assignment,
        as_of=today(),
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
            "open": evaluation.status == BaseEvaluation.Status.SITE_VERIFICATION
            and not assignment.conflict_declared,
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
    replacement = submit(
        form,
        expert_draw.assignment_conflict_declare,
        actor=request.user,
        fields=("reason",),
        assignment=assignment,
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
            "open": assignment.evaluation.status == BaseEvaluation.Status.SITE_VERIFICATION
            and not assignment.conflict_declared
            and assignment.score is None,
        },
    )


# --- the expert pool ---------------------------------------------------------------------------


@role_required(*DECIDERS)
@require_GET
def experts(request: HttpRequest) -> HttpResponse:
    """The pool, filtered, with its totals (in the pool, out of it) and 50 experts a page."""
    filters = ExpertFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    active = {"1": True, "0": False}.get(chosen.get("active", ""))
    rows = expert_list(user=request.user, q=chosen.get("q", ""), active=active)
    totals = expert_totals(rows)
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = totals["total"]  # known from the totals: spare the COUNT query
    return render(
        request,
        "products/evaluation/experts.html",
        {
            "filters": filters,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "page": paginator.get_page(request.GET.get("page")),
            "totals": totals,
            "needed": expert_draw.EXPERTS_PER_EVALUATION,
        },
    )


@role_required(*DECIDERS)
@require_http_methods(["GET", "POST"])
def expert_create(request: HttpRequest) -> HttpResponse:
    form = ExpertForm(request.POST or None)
    expert = submit(
        form,
        expert_draw.expert_create,
        actor=request.user,
        fields=("name", "organisation", "title", "speciality", "user"),
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
    conflict = submit(
        form,
        expert_draw.expert_conflict_declare,
        actor=request.user,
        fields=("supplier", "reason"),
        expert=expert,
        as_of=today(),
    )
    if conflict is not None:
        messages.success(
            request,
            _("The conflict with %(supplier)s is recorded.") % {"supplier": conflict.supplier.name},
        )
        return redirect("products:expert_detail", pk=expert.pk)
    return render(
        request, "products/evaluation/expert_conflict.html", {"expert": expert, "form": form}
    )


urlpatterns = [
    path("evaluations/sheets/<int:pk>/", evaluation_assignment, name="evaluation_assignment"),
    path(
        "evaluations/sheets/<int:pk>/conflict/",
        evaluation_assignment_conflict,
        name="evaluation_assignment_conflict",
    ),
    path("experts/", experts, name="experts"),
    path("experts/new/", expert_create, name="expert_create"),
    path("experts/<int:pk>/", expert_detail, name="expert_detail"),
    path("experts/<int:pk>/active/", expert_active, name="expert_active"),
    path("experts/<int:pk>/conflicts/new/", expert_conflict_create, name="expert_conflict_create"),
]
