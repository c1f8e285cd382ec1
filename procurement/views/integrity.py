"""The coordination offices' integrity review queue (issue 9): the flags the checks raised on
the purchases of the units they oversee, one flag's page with the purchase, the related
purchase and the facts in words, and the decision: confirm (the purchase is rejected, after
an explicit confirmation step) or dismiss, each with a reason. The city office may also run
the checks at once instead of waiting for the night.

Every read goes through ``flag_for_user`` (a district office sees its district's units only,
any other flag is a 404); the services refuse a decision the office may not take (403).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.permissions import role_required
from portal.roles import actor_of

from ..forms import call_service
from ..integrity import PRICE_TOLERANCE, SPLIT_THRESHOLD, SPLIT_WINDOW_DAYS
from ..integrity_selectors import describe, flag_counts, flag_for_user
from ..integrity_services import flag_confirm, flag_dismiss, may_decide
from ..models import IntegrityFlag
from ..tasks import run_integrity_checks
from .common import CITY, DISTRICT

PAGE_SIZE = 50
OPEN = IntegrityFlag.Status.OPEN


class FlagFilterForm(forms.Form):
    """The queue's filters, from the query string. Status defaults to the open flags: the
    work still to do."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Check"),
        required=False,
        choices=[("", gettext_lazy("All checks")), *IntegrityFlag.Kind.choices],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *IntegrityFlag.Status.choices],
    )
    q = forms.CharField(
        label=gettext_lazy("Unit name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


CONFIRM_HELP = gettext_lazy(
    "The purchase will be rejected and no longer count towards the quota; the unit reads this "
    "reason on the purchase."
)
DISMISS_HELP = gettext_lazy(
    "The purchase stands; the reason stays on the flag and the check does not raise it again."
)


def _confirm_form(*args, **kwargs) -> DecisionForm:
    form = DecisionForm(*args, auto_id="id_confirm_%s", **kwargs)
    form.fields["reason"].help_text = CONFIRM_HELP
    return form


def _dismiss_form(*args, **kwargs) -> DecisionForm:
    form = DecisionForm(*args, auto_id="id_dismiss_%s", **kwargs)
    form.fields["reason"].help_text = DISMISS_HELP
    return form


@role_required(CITY, DISTRICT)
@require_GET
def integrity_flags(request: HttpRequest) -> HttpResponse:
    user = request.user
    data = request.GET.copy()
    data.setdefault("status", OPEN)
    form = FlagFilterForm(data)
    chosen = form.cleaned_data if form.is_valid() else {"status": OPEN}
    flags = flag_for_user(user)
    if chosen.get("status"):
        flags = flags.filter(status=chosen["status"])
    if chosen.get("q", "").strip():
        flags = flags.filter(budget_unit__name__icontains=chosen["q"].strip())
    counts = flag_counts(flags)  # each check's count under the other filters
    if chosen.get("kind"):
        flags = flags.filter(kind=chosen["kind"])
    paginator = Paginator(flags.order_by("-found_at", "-pk"), PAGE_SIZE)
    # Known from the counts: spare the COUNT query.
    paginator.count = counts[chosen["kind"]] if chosen.get("kind") else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    for flag in page.object_list:
        flag.description = describe(flag)
    kinds = dict(IntegrityFlag.Kind.choices)
    return render(
        request,
        "procurement/integrity/flags.html",
        {
            "filters": form,
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
            "page": page,
            "counts": [(kind, kinds[kind], n) for kind, n in counts.items()],
            "chosen": chosen,
            "total": paginator.count,
            "may_run": actor_of(user).is_city_office,
            "price_tolerance": PRICE_TOLERANCE,
            "split_threshold": SPLIT_THRESHOLD,
            "split_window": SPLIT_WINDOW_DAYS,
        },
    )


def _flag_or_404(request: HttpRequest, pk: int) -> IntegrityFlag:
    return get_object_or_404(flag_for_user(request.user), pk=pk)


def _flag_page(request, flag: IntegrityFlag, *, dismiss_form=None, status=200) -> HttpResponse:
    flag.description = describe(flag)
    return render(
        request,
        "procurement/integrity/flag.html",
        {
            "flag": flag,
            "record": flag.record,
            "related": flag.related_record,
            "may_decide": flag.status == OPEN and may_decide(request.user, flag),
            "dismiss_form": dismiss_form or _dismiss_form(),
        },
        status=status,
    )


@role_required(CITY, DISTRICT)
@require_GET
def integrity_flag(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_page(request, _flag_or_404(request, pk))


@role_required(CITY, DISTRICT)
@require_POST
def integrity_flag_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_or_404(request, pk)
    form = _dismiss_form(request.POST)
    if form.is_valid():
        decided = call_service(
            form, flag_dismiss, actor=request.user, flag=flag, reason=form.cleaned_data["reason"]
        )
        if decided is not None:
            messages.success(request, _("The flag is dismissed; the purchase stands."))
            return redirect("procurement:integrity_flag", pk=flag.pk)
    return _flag_page(request, flag, dismiss_form=form, status=400)


@role_required(CITY, DISTRICT)
@require_http_methods(["GET", "POST"])
def integrity_flag_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The explicit step before rejecting a purchase: the facts once more, the reason the unit
    will read; POST confirms."""
    flag = _flag_or_404(request, pk)
    if request.method == "POST":
        form = _confirm_form(request.POST)
        if form.is_valid():
            decided = call_service(
                form,
                flag_confirm,
                actor=request.user,
                flag=flag,
                reason=form.cleaned_data["reason"],
            )
            if decided is not None:
                messages.success(
                    request,
                    _("The flag is confirmed: the purchase is rejected and no longer counts."),
                )
                return redirect("procurement:integrity_flag", pk=flag.pk)
    else:
        form = _confirm_form()
    flag.description = describe(flag)
    return render(
        request,
        "procurement/integrity/confirm.html",
        {
            "flag": flag,
            "record": flag.record,
            "form": form,
            "may_decide": flag.status == OPEN and may_decide(request.user, flag),
        },
    )


@role_required(CITY)
@require_POST
def integrity_run(request: HttpRequest) -> HttpResponse:
    """The city office runs the checks over this year's and last year's purchases now."""
    run_integrity_checks.delay()
    messages.success(
        request,
        _(
            "The integrity checks are running over this year's and last year's purchases; new "
            "flags appear in the queue when they finish."
        ),
    )
    return redirect("procurement:integrity_flags")


urlpatterns: list = [
    path("integrity/", integrity_flags, name="integrity_flags"),
    path("integrity/run/", integrity_run, name="integrity_run"),
    path("integrity/<int:pk>/", integrity_flag, name="integrity_flag"),
    path("integrity/<int:pk>/confirm/", integrity_flag_confirm, name="integrity_flag_confirm"),
    path("integrity/<int:pk>/dismiss/", integrity_flag_dismiss, name="integrity_flag_dismiss"),
]
