"""Returns for correction (退回) in the browser: the offices' table of quarterly submissions
(with its Excel export), the office's return of a unit's submitted quarter with comments, and
the quarter's rounds of correction, which the unit's staff and the offices in scope read.
"""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook

from portal.excel import safe_row, titled_sheet
from portal.periods import QUARTERS, Quarter, today
from portal.permissions import role_required
from portal.roles import actor_of

from ..exports import XLSX
from ..forms import call_service
from ..models import QuarterSubmission
from ..returns import (
    COMMENT_MAX_LENGTH,
    RECORD_COMMENT_MAX_LENGTH,
    quarter_records,
    quarter_return,
    quarter_rounds,
)
from ..selectors import budget_unit_for_user, submission_for_user
from ..services import oversees_unit
from ..submission_status import SUBMISSION_DEADLINE_DAYS, State, StatusTable, submission_status
from .common import CITY, CLERK, DISTRICT, READERS, YearListFilterForm

PAGE_SIZE = 50
# The return form lists the quarter's purchases with a comment box each; past this many, the
# office comments on the rest in its overall comment (a unit logs ~250 purchases a quarter).
RETURN_FORM_RECORDS = 300
RECORD_FIELD_PREFIX = "record_"


def _period_or_404(year: int, quarter: int) -> Quarter:
    try:
        period = Quarter(year, quarter)
    except ValueError as error:
        raise Http404 from error
    if not 2000 <= year <= 2100:
        raise Http404
    return period


# --- the submission status table ----------------------------------------------------------


class StatusFilterForm(YearListFilterForm):
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", gettext_lazy("All quarters"))]
        + [(n, format_lazy(gettext_lazy("Q{quarter}"), quarter=n)) for n in QUARTERS],
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("All states")), *State.choices],
    )
    q = forms.CharField(
        label=gettext_lazy("Unit name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


def _status_table(request: HttpRequest) -> tuple[StatusFilterForm, StatusTable, int, bool]:
    """The filter form, the table it selects, the year, and whether anything is filtered."""
    as_of = today()
    form = StatusFilterForm(request.GET, user=request.user, as_of=as_of)
    chosen = form.chosen()
    year = chosen["year"]
    table = submission_status(
        user=request.user,
        year=year,
        as_of=as_of,
        district=chosen.get("district") or None,
        quarter=chosen.get("quarter"),
        state=chosen.get("state") or None,
        q=(chosen.get("q") or "").strip(),
    )
    filtered = any(value for key, value in request.GET.items() if key not in ("page", "year"))
    return form, table, year, filtered


@role_required(CITY, DISTRICT)
@require_GET
def submission_status_page(request: HttpRequest) -> HttpResponse:
    form, table, year, filtered = _status_table(request)
    page = Paginator(table.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    cards = [(value, label, table.counts[value]) for value, label in State.choices]
    return render(
        request,
        "procurement/returns/submission_status.html",
        {
            "filters": form,
            "year": year,
            "table": table,
            "cards": cards,
            "page": page,
            "filtered": filtered,
            "deadline_days": SUBMISSION_DEADLINE_DAYS,
        },
    )


STATUS_HEADERS = [
    ("预算单位", 36),
    ("所属区", 12),
    ("季度", 8),
    ("报送状态", 22),
    ("截止日期", 12),
    ("首次报送时间", 18),
    ("最近报送时间", 18),
    ("报送人", 12),
    ("退回轮次", 10),
]


def status_workbook(table: StatusTable, title: str):
    """The rows the filters select, all pages, as an .xlsx in a temporary file."""
    book = Workbook(write_only=True)
    sheet = titled_sheet(book, "季度报送情况", title=title, headers=STATUS_HEADERS)

    def moment(value):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    for row in table.rows:
        sheet.append(
            safe_row(
                [
                    row.name,
                    row.district_name,
                    f"{row.year}Q{row.quarter}",
                    row.state_label,
                    row.deadline.isoformat(),
                    moment(row.first_submitted_at),
                    moment(row.submitted_at),
                    row.submitted_by,
                    row.rounds,
                ]
            )
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the FileResponse closes it
    book.save(handle)
    handle.seek(0)
    return handle


@role_required(CITY, DISTRICT)
@require_GET
def submission_status_export(request: HttpRequest) -> FileResponse:
    """Exactly the rows the page's filters select, all pages."""
    _form, table, year, _filtered = _status_table(request)
    title = f"{year}年度预算单位季度报送情况"
    return FileResponse(
        status_workbook(table, title),
        as_attachment=True,
        filename=f"{title}-{today().isoformat()}.xlsx",
        content_type=XLSX,
    )


# --- the return of a quarter --------------------------------------------------------------


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("What the unit must correct"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=COMMENT_MAX_LENGTH,
        help_text=gettext_lazy(
            "The unit's clerk and approver see this comment with the quarter; it stays in the "
            "quarter's round history."
        ),
    )


def _record_comments(data) -> dict[int, str]:
    """The comment boxes of the purchases (``record_<id>``) that were filled in."""
    comments = {}
    for key, value in data.items():
        if key.startswith(RECORD_FIELD_PREFIX) and key[len(RECORD_FIELD_PREFIX) :].isdigit():
            text = value.strip()
            if text:
                comments[int(key[len(RECORD_FIELD_PREFIX) :])] = text[:RECORD_COMMENT_MAX_LENGTH]
    return comments


@role_required(CITY, DISTRICT)
@require_http_methods(["GET", "POST"])
def quarter_return_page(request: HttpRequest, unit: int, year: int, quarter: int) -> HttpResponse:
    """An office returns a unit's submitted quarter with comments; what will happen is shown
    above the button (not destructive: every round is kept)."""
    period = _period_or_404(year, quarter)
    user = request.user
    budget_unit = get_object_or_404(budget_unit_for_user(user), pk=unit)
    comments = {}
    if request.method == "POST":
        form = ReturnForm(request.POST)
        comments = _record_comments(request.POST)
        if form.is_valid():
            round_ = call_service(
                form,
                quarter_return,
                actor=user,
                budget_unit=budget_unit,
                year=year,
                quarter=quarter,
                comment=form.cleaned_data["comment"],
                record_comments=comments,
            )
            if round_ is not None:
                messages.success(
                    request,
                    _(
                        "%(year)s, quarter %(quarter)s of %(unit)s is returned for correction "
                        "(round %(number)s); the unit has been notified."
                    )
                    % {
                        "year": year,
                        "quarter": quarter,
                        "unit": budget_unit.name,
                        "number": round_.number,
                    },
                )
                return redirect("procurement:quarter_rounds", budget_unit.pk, year, quarter)
    else:
        form = ReturnForm()
    submission = (
        submission_for_user(user)
        .filter(budget_unit=budget_unit, year=year, quarter=quarter)
        .select_related("submitted_by")
        .first()
    )
    submitted = submission is not None and submission.status == QuarterSubmission.Status.SUBMITTED
    records, more = [], 0
    if submitted:
        listed = quarter_records(user=user, budget_unit=budget_unit, period=period)
        records = list(listed[: RETURN_FORM_RECORDS + 1])
        if len(records) > RETURN_FORM_RECORDS:
            more = listed.count() - RETURN_FORM_RECORDS
            records = records[:RETURN_FORM_RECORDS]
        for record in records:
            record.return_comment = comments.get(record.pk, "")
    return render(
        request,
        "procurement/returns/quarter_return.html",
        {
            "unit": budget_unit,
            "period": period,
            "submission": submission,
            "submitted": submitted,
            "next_round": submission.returns.count() + 1 if submitted else None,
            "form": form,
            "records": records,
            "more": more,
            "prefix": RECORD_FIELD_PREFIX,
            "record_comment_max": RECORD_COMMENT_MAX_LENGTH,
        },
    )


# --- the rounds of a quarter --------------------------------------------------------------


@role_required(*READERS)
@require_GET
def quarter_rounds_page(request: HttpRequest, unit: int, year: int, quarter: int) -> HttpResponse:
    """A quarter's rounds of correction, newest first: who returned it and when, the comments,
    what the unit changed, and who resubmitted it."""
    period = _period_or_404(year, quarter)
    user = request.user
    budget_unit = get_object_or_404(budget_unit_for_user(user), pk=unit)
    data = quarter_rounds(user=user, budget_unit=budget_unit, year=year, quarter=quarter)
    actor = actor_of(user)
    submission = data.submission
    status = submission.status if submission is not None else None
    return render(
        request,
        "procurement/returns/quarter_rounds.html",
        {
            "unit": budget_unit,
            "period": period,
            "submission": submission,
            "rounds": list(reversed(data.rounds)),
            "is_office": actor.is_office,
            "is_clerk": actor.role == CLERK,
            "open_for_unit": status == QuarterSubmission.Status.RETURNED,
            "can_return": status == QuarterSubmission.Status.SUBMITTED
            and oversees_unit(user, budget_unit),
        },
    )


urlpatterns: list = [
    path("quarters/status/", submission_status_page, name="submission_status"),
    path("quarters/status/export.xlsx", submission_status_export, name="submission_status_export"),
    path(
        "quarters/<int:unit>/<int:year>/<int:quarter>/return/",
        quarter_return_page,
        name="quarter_return",
    ),
    path(
        "quarters/<int:unit>/<int:year>/<int:quarter>/rounds/",
        quarter_rounds_page,
        name="quarter_rounds",
    ),
]
