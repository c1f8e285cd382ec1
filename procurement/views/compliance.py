"""The coordination offices' compliance pages: each visible unit's year against the quota
(api.md, "The quota, exactly"), its Excel export, and the reopening of a submitted quarter.

A unit's clerk or approver sees only its own line (the selectors scope every read); the
city office may narrow the list to a district. Filtering, sorting and the headline figures
are computed by the database, so the page costs the same few queries for 3 units or 3,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    DecimalField,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Greatest
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from portal.money import ZERO, MoneyField
from portal.periods import Quarter, today
from portal.permissions import role_required
from portal.roles import actor_of

from ..compliance_workbook import compliance_workbook
from ..exports import XLSX
from ..forms import call_service
from ..models import BudgetUnit, QuarterSubmission
from ..quota import RuleBook, further_statuses, rule_book, statuses_by_unit
from ..quota_filter import below_any_rule
from ..rules import quarter_label
from ..selectors import (
    budget_unit_for_user,
    compliance_row,
    compliance_units,
    submission_for_user,
)
from ..services import quarter_reopen
from .common import CITY, DISTRICT, READERS, YearListFilterForm, sort_links

PAGE_SIZE = 50
SUBMITTED = QuarterSubmission.Status.SUBMITTED

STATUS_ALL, STATUS_BELOW_QUOTA, STATUS_BELOW_LAST_YEAR, STATUS_MET, STATUS_BELOW_ANY = (
    "",
    "below_quota",
    "below_last_year",
    "met",
    "below_any_rule",
)

# ?sort= key -> the annotation it orders by (see _annotated).
SORTS = {
    "name": "name",
    "share": "share_value",
    "shortfall": "shortfall_value",
    "assistance_total": "assistance_total",
    "agri_total": "agri_total",
    "last_year_total": "last_year_total",
}
DEFAULT_ORDER = ("region_id", "name", "pk")
STATUS_CHOICES = [
    (STATUS_ALL, gettext_lazy("All units")),
    (STATUS_BELOW_QUOTA, gettext_lazy("Below the quota")),
    (STATUS_BELOW_LAST_YEAR, gettext_lazy("Below last year")),
    (STATUS_MET, gettext_lazy("Quota met")),
    (STATUS_BELOW_ANY, gettext_lazy("Below any rule")),
]


class ComplianceFilterForm(YearListFilterForm):
    """The compliance page's filters, read from the query string."""

    sorts = SORTS
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=STATUS_CHOICES,
    )
    q = forms.CharField(
        label=gettext_lazy("Unit name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


@dataclass(frozen=True)
class Filters:
    year: int
    district: str
    district_name: str
    status: str
    q: str
    sort: str


def _read_filters(request: HttpRequest) -> tuple[ComplianceFilterForm, Filters]:
    """The chosen filters; a value that does not parse falls back to its default."""
    form = ComplianceFilterForm(request.GET, user=request.user, as_of=today())
    chosen = form.chosen()
    return form, Filters(
        year=chosen["year"],
        district=chosen["district"],
        district_name=chosen["district_name"],
        status=chosen.get("status") or STATUS_ALL,
        q=(chosen.get("q") or "").strip(),
        sort=chosen["sort"],
    )


def _annotated(user, filters: Filters, book: RuleBook) -> QuerySet[BudgetUnit]:
    """The visible units of the year, filtered and ordered as the page shows them."""
    units = compliance_units(user=user, year=filters.year, district=filters.district or None)
    required = Value(book.ratio, output_field=DecimalField(max_digits=4, decimal_places=3))
    zero = Value(ZERO, output_field=MoneyField())
    units = units.annotate(
        required_amount=F("agri_total") * required,
        # A float share, for ordering only (integer division on some databases otherwise).
        share_value=Case(
            When(agri_total=0, then=None),
            default=Cast("assistance_total", FloatField()) / Cast("agri_total", FloatField()),
            output_field=FloatField(),
        ),
        shortfall_value=Greatest(
            F("agri_total") * required - F("assistance_total"), zero, output_field=MoneyField()
        ),
    )
    if filters.q:
        units = units.filter(name__icontains=filters.q)
    below_quota = Q(agri_total=0) | Q(assistance_total__lt=F("required_amount"))
    below_last_year = Q(assistance_total__lt=F("last_year_total"))
    if filters.status == STATUS_BELOW_QUOTA:
        units = units.filter(below_quota)
    elif filters.status == STATUS_BELOW_LAST_YEAR:
        units = units.filter(below_last_year)
    elif filters.status == STATUS_MET:
        units = units.exclude(below_quota)
    elif filters.status == STATUS_BELOW_ANY:
        units = below_any_rule(units, book=book)
    if filters.sort:
        key = SORTS[filters.sort.removeprefix("-")]
        expression = (
            F(key).desc(nulls_last=True)
            if filters.sort.startswith("-")
            else F(key).asc(nulls_last=True)
        )
        units = units.order_by(expression, *DEFAULT_ORDER)
    return units


def _totals(units: QuerySet[BudgetUnit], ratio: Decimal) -> dict:
    """The headline figures of the filtered set, in one query that reads each unit's three
    sums once, added up here: aggregated in SQL, PostgreSQL would compute a unit's sums again
    for every figure that names them (seven subqueries a unit instead of three)."""
    totals = {"count": 0, "meeting": 0, "below_last_year": 0, "assistance": ZERO, "agri": ZERO}
    for agri, assistance, last_year in units.order_by().values_list(
        "agri_total", "assistance_total", "last_year_total"
    ):
        totals["count"] += 1
        totals["meeting"] += agri > 0 and assistance >= agri * ratio
        totals["below_last_year"] += assistance < last_year
        totals["assistance"] += assistance
        totals["agri"] += agri
    return totals


@role_required(*READERS)
@require_GET
def compliance_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    actor = actor_of(user)
    form, filters = _read_filters(request)
    book = rule_book(filters.year)
    ratio = book.ratio
    units = _annotated(user, filters, book)
    totals = _totals(units, ratio)
    paginator = Paginator(units, PAGE_SIZE)
    paginator.count = totals["count"]  # known from the totals: spare the COUNT query
    page = paginator.get_page(request.GET.get("page"))
    page_units = list(page.object_list)
    is_office = actor.is_city_office or actor.is_district_office
    submitted: dict[int, list[QuarterSubmission]] = {}
    if is_office and page_units:
        for submission in (
            submission_for_user(user)
            .filter(budget_unit__in=page_units, year=filters.year, status=SUBMITTED)
            .order_by("quarter")
        ):
            submitted.setdefault(submission.budget_unit_id, []).append(submission)
    statuses = statuses_by_unit(page_units, book=book)
    rows = [
        {
            "unit": unit,
            "row": row,
            "extra_rules": further_statuses(row.rules),
            "submissions": submitted.get(unit.pk, []),
        }
        for unit in page_units
        for row in [compliance_row(unit, ratio, rules=statuses[unit.pk])]
    ]
    filtered = any(
        value for key, value in request.GET.items() if key not in ("page", "sort", "year")
    )
    return render(
        request,
        "procurement/compliance.html",
        {
            "filters": form,
            "chosen": filters,
            "year": filters.year,
            "ratio": ratio,
            "growth_required": book.growth_required,
            "book": book,
            "totals": totals,
            "page": page,
            "rows": rows,
            "sorts": sort_links(request, filters.sort, SORTS),
            "filtered": filtered,
            "is_office": is_office,
        },
    )


def _title(filters: Filters) -> str:
    title = f"{filters.year}年度预算单位消费帮扶采购比例完成情况"
    return f"{filters.district_name}{title}" if filters.district_name else title


@role_required(*READERS)
@require_GET
def compliance_export(request: HttpRequest) -> FileResponse:
    """Exactly the units the page's filters select, in the page's order, all pages."""
    _form, filters = _read_filters(request)
    book = rule_book(filters.year)
    units = _annotated(request.user, filters, book)
    title = _title(filters)
    return FileResponse(
        compliance_workbook(units, book, title),
        as_attachment=True,
        filename=f"{title}-{today().isoformat()}.xlsx",
        content_type=XLSX,
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for reopening"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        help_text=gettext_lazy(
            "The reason stays on the quarter's record and is shown to the unit, so it knows "
            "what to correct."
        ),
    )


@role_required(CITY, DISTRICT)
@require_http_methods(["GET", "POST"])
def quarter_reopen_page(request: HttpRequest, unit: int, year: int, quarter: int) -> HttpResponse:
    """An office's confirmation before reopening a unit's submitted quarter; POST reopens."""
    try:
        period = Quarter(year, quarter)
    except ValueError as error:
        raise Http404 from error
    user = request.user
    budget_unit = get_object_or_404(budget_unit_for_user(user), pk=unit)
    error = None
    if request.method == "POST":
        form = ReopenForm(request.POST)
        if form.is_valid():
            reopened = call_service(
                form,
                quarter_reopen,
                actor=user,
                budget_unit=budget_unit,
                year=year,
                quarter=quarter,
                reason=form.cleaned_data["reason"],
            )
            if reopened is not None:
                messages.success(
                    request,
                    _(
                        "%(year)s, quarter %(quarter)s of %(unit)s is reopened: the unit may "
                        "correct its records and submit again."
                    )
                    % {"year": year, "quarter": quarter, "unit": budget_unit.name},
                )
                return redirect(f"{reverse('procurement:compliance')}?year={year}")
    else:
        form = ReopenForm()
    submission = (
        submission_for_user(user)
        .filter(budget_unit=budget_unit, year=year, quarter=quarter)
        .select_related("submitted_by")
        .first()
    )
    submitted = submission is not None and submission.status == SUBMITTED
    if error is None and not submitted:
        error = _("%(quarter)s is not submitted, so there is nothing to reopen.") % {
            "quarter": quarter_label(period)
        }
    return render(
        request,
        "procurement/quarter_reopen.html",
        {
            "form": form,
            "unit": budget_unit,
            "period": period,
            "submission": submission,
            "submitted": submitted,
            "error": error,
        },
    )
