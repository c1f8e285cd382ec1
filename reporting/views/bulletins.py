"""Bulletins (通报) and the annual targets the dashboards measure against.

The city office generates a quarter's bulletin as a draft, edits it and publishes it to the
district offices and the units it names; the archive keeps every version. District offices
and the staff of budget units read published bulletins. The city office sets the year's
targets and quota policy; a district office reads its own targets and the policy, and both
read the year's change history of what they may see.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import ApplicationError
from portal.formatting import percent
from portal.models import Role
from portal.periods import Quarter, last_ended_quarter, today
from portal.permissions import role_required
from portal.roles import actor_of
from procurement.forms import call_service, parse_year
from procurement.rules import quarter_label

from ..bulletin_text import bulletin_paragraphs
from ..bulletins import bulletin_for_user
from ..forms_bulletins import (
    BulletinEditForm,
    BulletinFilterForm,
    BulletinGenerateForm,
    TargetsForm,
)
from ..forms_targets import QuotaPolicyForm
from ..models import Bulletin
from ..services_bulletins import (
    bulletin_generate,
    bulletin_publish,
    bulletin_recipients,
    bulletin_update,
)
from ..targets import (
    annual_targets_set,
    quota_policy_of,
    quota_policy_set,
    sum_warning,
    target_sheet,
)
from ..targets_history import targets_history

ARCHIVE_PAGE_SIZE = 20
ARCHIVE_YEARS_BACK = 5
# How far back the generate page offers quarters (two years of ended quarters).
GENERATE_QUARTERS = 8
TARGET_YEARS_BACK = 4
CITY, DISTRICT = Role.CITY_OFFICE, Role.DISTRICT_OFFICE
READERS = (CITY, DISTRICT, Role.UNIT_CLERK, Role.UNIT_APPROVER)
DRAFT, PUBLISHED = Bulletin.Status.DRAFT, Bulletin.Status.PUBLISHED


# The archive ---------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def bulletin_list(request: HttpRequest) -> HttpResponse:
    """Every bulletin the user may read, newest quarter first; the city office sees its
    drafts too."""
    actor = actor_of(request.user)
    as_of = today()
    bulletins = bulletin_for_user(request.user).defer("body", "data")
    years = range(as_of.year, as_of.year - ARCHIVE_YEARS_BACK - 1, -1)
    filters = BulletinFilterForm(request.GET or None, years=years, with_status=actor.is_city_office)
    if filters.is_valid():
        chosen = filters.cleaned_data
        if chosen["year"]:
            bulletins = bulletins.filter(year=chosen["year"])
        if chosen["quarter"]:
            bulletins = bulletins.filter(quarter=chosen["quarter"])
        if chosen.get("status"):
            bulletins = bulletins.filter(status=chosen["status"])
    elif filters.is_bound:
        bulletins = bulletins.none()
    totals = bulletins.aggregate(
        count=Count("pk"),
        published=Count("pk", filter=Q(status=PUBLISHED)),
        drafts=Count("pk", filter=Q(status=DRAFT)),
    )
    paginator = Paginator(bulletins, ARCHIVE_PAGE_SIZE)
    paginator.count = totals["count"]  # known from the totals: spare the COUNT query
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/bulletin_list.html",
        {
            "filters": filters,
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
            "totals": totals,
            "page": page,
            "is_city_office": actor.is_city_office,
            "last_quarter": quarter_label(last_ended_quarter(as_of=as_of)),
        },
    )


# Generate, read, edit, publish ---------------------------------------------------------------


def _ended_quarters(as_of) -> list[Quarter]:
    quarters = [last_ended_quarter(as_of=as_of)]
    while len(quarters) < GENERATE_QUARTERS:
        quarters.append(quarters[-1].previous())
    return quarters


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def bulletin_generate_page(request: HttpRequest) -> HttpResponse:
    """Choose an ended quarter and write its bulletin as a draft."""
    as_of = today()
    quarters = _ended_quarters(as_of)
    form = BulletinGenerateForm(
        request.POST or None,
        quarters=[(q, quarter_label(q)) for q in quarters],
        initial={"period": str(quarters[0])},
    )
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["period"]
        result = call_service(
            form,
            bulletin_generate,
            actor=request.user,
            year=period.year,
            quarter=period.quarter,
            as_of=as_of,
        )
        if result is not None:
            if result.refreshed:
                message = _("The draft bulletin on %(quarter)s is rewritten from today's figures.")
            else:
                message = _(
                    "The draft bulletin on %(quarter)s is written. Check it and publish it."
                )
            messages.success(request, message % {"quarter": quarter_label(period)})
            return redirect("reporting:bulletin_detail", pk=result.bulletin.pk)
    first, last = quarters[-1], quarters[0]
    existing: dict[str, dict] = {}
    for year, quarter, status, count in (
        bulletin_for_user(request.user)
        .filter(year__gte=first.year, year__lte=last.year)
        .order_by()
        .values_list("year", "quarter", "status")
        .annotate(count=Count("pk"))
    ):
        existing.setdefault(str(Quarter(year, quarter)), {})[status] = count
    rows = [
        {
            "label": quarter_label(q),
            "drafts": existing.get(str(q), {}).get(DRAFT, 0),
            "published": existing.get(str(q), {}).get(PUBLISHED, 0),
        }
        for q in quarters
    ]
    return render(request, "reporting/bulletin_generate.html", {"form": form, "rows": rows})


@role_required(*READERS)
@require_GET
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The bulletin as a printable document, with the ranking tables it was written from."""
    bulletin = get_object_or_404(bulletin_for_user(request.user), pk=pk)
    actor = actor_of(request.user)
    return render(
        request,
        "reporting/bulletin_detail.html",
        {
            "bulletin": bulletin,
            "data": bulletin.data,
            "paragraphs": bulletin_paragraphs(bulletin.body),
            "period": quarter_label(Quarter(bulletin.year, bulletin.quarter)),
            "can_change": actor.is_city_office and bulletin.status == DRAFT,
            "is_city_office": actor.is_city_office,
        },
    )


def _draft_or_redirect(request: HttpRequest, pk: int):
    bulletin = get_object_or_404(bulletin_for_user(request.user), pk=pk)
    if bulletin.status != DRAFT:
        messages.error(request, _("This bulletin has been published: it can no longer be changed."))
        return bulletin, redirect("reporting:bulletin_detail", pk=bulletin.pk)
    return bulletin, None


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin, refusal = _draft_or_redirect(request, pk)
    if refusal is not None:
        return refusal
    form = BulletinEditForm(
        request.POST or None, initial={"title": bulletin.title, "body": bulletin.body}
    )
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            bulletin_update,
            actor=request.user,
            bulletin=bulletin,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        )
        if saved is not None:
            messages.success(request, _("The draft is saved."))
            return redirect("reporting:bulletin_detail", pk=saved.pk)
    return render(request, "reporting/bulletin_edit.html", {"bulletin": bulletin, "form": form})


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def bulletin_publish_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The last look before publishing: who it goes to; POST publishes."""
    bulletin, refusal = _draft_or_redirect(request, pk)
    if refusal is not None:
        return refusal
    offices, units = bulletin_recipients(bulletin)
    if request.method == "POST":
        try:
            published = bulletin_publish(actor=request.user, bulletin=bulletin)
        except ApplicationError as refusal:
            messages.error(request, refusal.message)
            return redirect("reporting:bulletin_detail", pk=bulletin.pk)
        messages.success(
            request,
            _("Published. %(count)s users were notified in the portal and by mail.")
            % {"count": len(offices) + len(units)},
        )
        return redirect("reporting:bulletin_detail", pk=published.pk)
    return render(
        request,
        "reporting/bulletin_publish.html",
        {
            "bulletin": bulletin,
            "office_users": len(offices),
            "unit_users": len(units),
            "named_units": len(bulletin.data.get("laggard_unit_ids", [])),
        },
    )


# Annual targets ------------------------------------------------------------------------------


@role_required(CITY, DISTRICT)
@require_http_methods(["GET", "POST"])
def targets(request: HttpRequest) -> HttpResponse:
    """The city office sets the year's targets in one form; a district office reads its own.
    Both read the year's quota policy and the change history of what they may read."""
    actor = actor_of(request.user)
    as_of = today()
    if request.method == "POST" and not actor.is_city_office:
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    year = parse_year(source.get("year"), as_of.year)
    sheet = target_sheet(user=request.user, year=year)
    form = None
    if actor.is_city_office:
        form = TargetsForm(request.POST or None, sheet=sheet)
        if request.method == "POST" and form.is_valid():
            saved = call_service(
                form, annual_targets_set, actor=request.user, year=year, **form.amounts()
            )
            if saved is not None:
                if saved.changes:
                    messages.success(
                        request,
                        _("The targets of %(year)s are saved (%(count)s changed).")
                        % {"year": year, "count": len(saved.changes)},
                    )
                else:
                    messages.info(request, _("Nothing changed."))
                for warning in saved.warnings:
                    messages.warning(request, warning)
                return redirect(f"{reverse('reporting:targets')}?year={year}")
    return _targets_page(request, year=year, sheet=sheet, form=form)


@role_required(CITY)
@require_POST
def quota_policy(request: HttpRequest) -> HttpResponse:
    """The city office sets the year's required share and year-on-year rule (issue 7)."""
    year = parse_year(request.POST.get("year"), today().year)
    policy_form = QuotaPolicyForm(request.POST, policy=quota_policy_of(year))
    if policy_form.is_valid():
        saved = call_service(
            policy_form, quota_policy_set, actor=request.user, year=year, **policy_form.values()
        )
        if saved is not None:
            if saved.changed:
                messages.success(
                    request,
                    _("The quota policy of %(year)s is saved: %(share)s%(rule)s.")
                    % {
                        "year": year,
                        "share": percent(saved.policy.ratio),
                        "rule": _(", no lower than last year")
                        if saved.policy.growth_required
                        else "",
                    },
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(f"{reverse('reporting:targets')}?year={year}")
    return _targets_page(request, year=year, policy_form=policy_form)


def _targets_page(
    request: HttpRequest, *, year: int, sheet=None, form=None, policy_form=None
) -> HttpResponse:
    actor = actor_of(request.user)
    as_of = today()
    sheet = sheet or target_sheet(user=request.user, year=year)
    if actor.is_city_office and form is None:
        form = TargetsForm(None, sheet=sheet)
    policy = quota_policy_of(year)
    if actor.is_city_office and policy_form is None:
        policy_form = QuotaPolicyForm(policy=policy)

    def rows(lines):
        return [{"line": line, "field": form[line.field] if form else None} for line in lines]

    years = range(as_of.year + 1, as_of.year - TARGET_YEARS_BACK - 1, -1)
    return render(
        request,
        "reporting/targets.html",
        {
            "year": year,
            "years": years,
            "sheet": sheet,
            "form": form,
            "city_row": rows([sheet.city])[0],
            "district_rows": rows(sheet.districts),
            "region_rows": rows(sheet.regions),
            "warning": sum_warning(sheet) if actor.is_city_office else None,
            "is_city_office": actor.is_city_office,
            "policy": policy,
            "policy_form": policy_form,
            "history": targets_history(user=request.user, year=year),
        },
    )


urlpatterns = [
    path("statistics/bulletins/", bulletin_list, name="bulletins"),
    path("statistics/bulletins/generate/", bulletin_generate_page, name="bulletin_generate"),
    path("statistics/bulletins/<int:pk>/", bulletin_detail, name="bulletin_detail"),
    path("statistics/bulletins/<int:pk>/edit/", bulletin_edit, name="bulletin_edit"),
    path("statistics/bulletins/<int:pk>/publish/", bulletin_publish_page, name="bulletin_publish"),
    path("statistics/targets/", targets, name="targets"),
    path("statistics/targets/policy/", quota_policy, name="quota_policy"),
]
