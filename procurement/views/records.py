"""The budget unit's browser pages: log, list, correct and delete purchases, download their
vouchers, declare each quarter's farm-products total and submit the quarter.

Views stay thin: a form parses the input, a selector reads (always through ``*_for_user``),
a service acts and refuses a broken rule; the view puts the refusal back on the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.errors import ApplicationError
from portal.formatting import yuan
from portal.money import ZERO, quantize
from portal.periods import QUARTERS, Quarter, today, year_bounds
from portal.permissions import role_required
from portal.roles import actor_of
from products.trace_selectors import purchase_chain

from ..exports import XLSX, ledger_workbook
from ..forms import (
    DeclarationForm,
    RecordForm,
    call_service,
    parse_year,
    product_options,
)
from ..integrity_selectors import describe, flag_for_user
from ..ledger import LedgerFilters, ledger_page, ledger_supplier_options, ledger_totals
from ..models import ProcurementRecord, QuarterReturn, QuarterSubmission
from ..projection import projection_for_unit
from ..quota import rule_statuses_for_unit
from ..returns import returns_by_quarter
from ..selectors import (
    compliance_rows,
    declaration_for_user,
    quota_policy_for_user,
    record_for_user,
    record_history,
    required_share,
    submission_for_user,
    voucher_for_user,
)
from ..services import (
    declaration_set,
    procurement_record_create,
    procurement_record_delete,
    procurement_record_update,
    quarter_submit,
)
from .common import APPROVER, CLERK, READERS, own_unit_or_404

LEDGER_YEARS_BACK = 5
REJECTED = ProcurementRecord.Status.REJECTED
SUBMITTED = QuarterSubmission.Status.SUBMITTED


def _locked(user) -> set[Quarter]:
    """The quarters of the user's units that are submitted, hence closed to changes."""
    return {
        Quarter(year, quarter)
        for year, quarter in submission_for_user(user)
        .filter(status=SUBMITTED)
        .values_list("year", "quarter")
    }


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _quarters_url(year: int) -> str:
    return f"{reverse('procurement:quarters')}?year={year}"


def _record_form_response(request, form, *, title, record=None, notice=None) -> HttpResponse:
    vouchers = voucher_for_user(request.user).filter(record=record) if record else ()
    return render(
        request,
        "procurement/record_form.html",
        {"form": form, "title": title, "record": record, "vouchers": vouchers, "notice": notice},
    )


@role_required(CLERK)
@require_http_methods(["GET", "POST"])
def record_create(request: HttpRequest) -> HttpResponse:
    unit = own_unit_or_404(request.user)
    if request.method == "POST":
        form = RecordForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            record = call_service(
                form,
                procurement_record_create,
                actor=request.user,
                budget_unit=unit,
                data=form.record_data(),
                vouchers=form.cleaned_data["vouchers"],
                as_of=today(),
            )
            if record is not None:
                messages.success(
                    request,
                    _("Logged: %(amount)s from “%(supplier)s” on %(date)s.")
                    % {
                        "amount": yuan(record.amount),
                        "supplier": record.supplier.name,
                        "date": record.purchased_on.isoformat(),
                    },
                )
                return redirect("procurement:ledger")
    else:
        form = RecordForm(user=request.user, initial={"purchased_on": today()})
    return _record_form_response(request, form, title=_("Log a purchase"))


@role_required(CLERK)
@require_GET
def supplier_products(request: HttpRequest) -> HttpResponse:
    """The <option>s of a supplier's products, for the purchase form's product select (htmx)."""
    products = product_options(request.user, _int_or_none(request.GET.get("supplier")))
    return render(request, "procurement/_product_options.html", {"products": products})


def _filtered_records(request: HttpRequest):
    """The ledger's filter form and the records it selects, for the page and its export."""
    as_of = today()
    records = record_for_user(request.user)
    years = range(as_of.year, as_of.year - LEDGER_YEARS_BACK - 1, -1)
    filters = LedgerFilters(
        request.GET or None, years=years, suppliers=ledger_supplier_options(records)
    )
    if filters.is_valid():
        chosen = filters.cleaned_data
        if chosen["year"] and chosen["quarter"]:
            period = Quarter(chosen["year"], chosen["quarter"])
            records = records.filter(purchased_on__range=(period.first_day, period.last_day))
        elif chosen["year"]:
            records = records.filter(purchased_on__range=year_bounds(chosen["year"]))
        if chosen["channel"]:
            records = records.filter(channel=chosen["channel"])
        if chosen["supplier"]:
            records = records.filter(supplier_id=chosen["supplier"])
        if chosen["status"]:
            records = records.filter(status=chosen["status"])
    elif filters.is_bound:
        records = records.none()
    return filters, records


@role_required(*READERS)
@require_GET
def ledger_export(request: HttpRequest) -> FileResponse:
    """Exactly the records the ledger's filters select, as an Excel workbook."""
    _filters, records = _filtered_records(request)
    return FileResponse(
        ledger_workbook(records),
        as_attachment=True,
        filename=f"采购台账-{today().isoformat()}.xlsx",
        content_type=XLSX,
    )


@role_required(*READERS)
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    user = request.user
    filters, records = _filtered_records(request)
    totals = ledger_totals(records)
    page = ledger_page(records, request.GET.get("page"), count=totals["count"])
    is_clerk = actor_of(user).role == CLERK
    if is_clerk and page.object_list:
        locked = _locked(user)
        for record in page.object_list:
            record.editable = (
                record.status != ProcurementRecord.Status.SUBMITTED
                and Quarter.of(record.purchased_on) not in locked
            )
    return render(
        request,
        "procurement/ledger.html",
        {
            "filters": filters,
            "filtered": filters.is_bound
            and any(value for key, value in request.GET.items() if key != "page"),
            "totals": totals,
            "page": page,
            "is_clerk": is_clerk,
        },
    )


@role_required(*READERS)
@require_GET
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(record_for_user(request.user).select_related("created_by"), pk=pk)
    vouchers = voucher_for_user(request.user).filter(record=record).select_related("uploaded_by")
    # The integrity flags on the purchase: a unit reads only those confirmed (why it was
    # rejected); an office every one, open ones linking to their decision.
    flags = list(
        flag_for_user(request.user)
        .filter(record=record)
        .select_related(None)
        .select_related("decided_by")
        .order_by("-found_at", "-pk")
    )
    for flag in flags:
        flag.description = describe(flag)
    return render(
        request,
        "procurement/record_detail.html",
        {
            "record": record,
            "vouchers": vouchers,
            "history": record_history(record),
            "flags": flags,
            # 一品一码: the chain back to the county the purchase helped (one query).
            "chain": purchase_chain(record),
        },
    )


@role_required(CLERK)
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(record_for_user(request.user), pk=pk)
    title = _("Correct a purchase")
    if request.method == "POST":
        form = RecordForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            corrected = call_service(
                form,
                procurement_record_update,
                actor=request.user,
                record=record,
                data=form.record_data(),
                vouchers=form.cleaned_data["vouchers"],
                as_of=today(),
            )
            if corrected is not None:
                messages.success(request, _("The purchase is corrected."))
                return redirect("procurement:record_detail", pk=corrected.pk)
        return _record_form_response(request, form, title=title, record=record)
    form = RecordForm(user=request.user, initial=RecordForm.initial_for(record))
    notice = None
    if record.status == ProcurementRecord.Status.SUBMITTED:
        notice = _(
            "This purchase belongs to a submitted quarter: changes are refused unless an "
            "office reopens the quarter."
        )
    return _record_form_response(request, form, title=title, record=record, notice=notice)


@role_required(CLERK)
@require_http_methods(["GET", "POST"])
def record_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(record_for_user(request.user), pk=pk)
    error = None
    if request.method == "POST":
        try:
            procurement_record_delete(actor=request.user, record=record)
        except ApplicationError as refusal:
            error = refusal.message
        else:
            messages.success(
                request,
                _("Deleted: %(amount)s from “%(supplier)s” on %(date)s.")
                % {
                    "amount": yuan(record.amount),
                    "supplier": record.supplier.name,
                    "date": record.purchased_on.isoformat(),
                },
            )
            return redirect("procurement:ledger")
    return render(
        request, "procurement/record_confirm_delete.html", {"record": record, "error": error}
    )


@role_required(*READERS)
@require_GET
def voucher_download(request: HttpRequest, pk: int) -> FileResponse:
    """A voucher's file, only for those who may read its record; never a public media URL."""
    voucher = get_object_or_404(voucher_for_user(request.user), pk=pk)
    try:
        handle = voucher.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(
        handle,
        as_attachment=True,
        filename=voucher.original_name,
        content_type=voucher.content_type,
    )


def _quarter_figures(user, year: int) -> dict[int, dict]:
    """Each quarter's count and total of logged assistance (rejected aside), in one query."""
    aggregates = {}
    for q in QUARTERS:
        period = Quarter(year, q)
        within = Q(purchased_on__range=(period.first_day, period.last_day))
        aggregates[f"count_{q}"] = Count("pk", filter=within)
        aggregates[f"total_{q}"] = Sum("amount", filter=within, default=ZERO)
    values = (
        record_for_user(user)
        .filter(purchased_on__range=year_bounds(year))
        .exclude(status=REJECTED)
        .aggregate(**aggregates)
    )
    return {q: {"count": values[f"count_{q}"], "total": values[f"total_{q}"]} for q in QUARTERS}


def _declaration_form(quarter: int, **kwargs) -> DeclarationForm:
    return DeclarationForm(auto_id=f"id_q{quarter}_%s", **kwargs)


@role_required(CLERK, APPROVER)
@require_http_methods(["GET", "POST"])
def quarters(request: HttpRequest) -> HttpResponse:
    user = request.user
    as_of = today()
    unit = own_unit_or_404(user)
    year = parse_year(request.GET.get("year"), as_of.year)
    bound = bound_quarter = None
    if request.method == "POST":
        bound_quarter = _int_or_none(request.POST.get("quarter"))
        if bound_quarter not in QUARTERS:
            raise BadRequest("quarter")
        year = parse_year(request.POST.get("year"), year)
        bound = _declaration_form(bound_quarter, data=request.POST)
        if bound.is_valid():
            result = call_service(
                bound,
                declaration_set,
                actor=user,
                budget_unit=unit,
                year=year,
                quarter=bound_quarter,
                **bound.bases(),
                as_of=as_of,
            )
            if result is not None:
                messages.success(
                    request,
                    _("The farm-products total of %(year)s, quarter %(quarter)s is %(amount)s.")
                    % {
                        "year": year,
                        "quarter": bound_quarter,
                        "amount": yuan(result.declaration.agri_total),
                    },
                )
                if result.warning:
                    messages.warning(request, result.warning)
                return redirect(_quarters_url(year))

    declarations = {d.quarter: d for d in declaration_for_user(user).filter(year=year)}
    submissions = {
        s.quarter: s
        for s in submission_for_user(user)
        .filter(year=year)
        .select_related("submitted_by", "reopened_by")
    }
    figures = _quarter_figures(user, year)
    is_approver = actor_of(user).role == APPROVER
    rows = []
    for q in QUARTERS:
        period = Quarter(year, q)
        declaration, submission = declarations.get(q), submissions.get(q)
        submitted = submission is not None and submission.status == SUBMITTED
        begun = period.first_day <= as_of
        ended = period.has_ended(as_of=as_of)
        if bound is not None and bound_quarter == q:
            form = bound
        elif begun and not submitted:
            form = _declaration_form(
                q,
                initial={
                    "year": year,
                    "quarter": q,
                    **{
                        name: getattr(declaration, name) if declaration else None
                        for name in DeclarationForm.BASES
                    },
                },
            )
        else:
            form = None
        rows.append(
            {
                "period": period,
                "declaration": declaration,
                "submission": submission,
                "submitted": submitted,
                "begun": begun,
                "ended": ended,
                "form": form,
                "can_submit": is_approver and ended and not submitted,
                **figures[q],
            }
        )

    returns = returns_by_quarter(user=user, budget_unit=unit, year=year)
    for row in rows:
        row["returns"] = returns.get(row["period"].quarter, [])
    row = next(iter(compliance_rows(user=user, year=year)), None)
    policy = quota_policy_for_user(user).filter(year=year).first()
    pace = months_left = None
    if row is not None and year == as_of.year and row.shortfall > 0:
        months_left = 12 - as_of.month + 1
        pace = quantize(row.shortfall / months_left)
    return render(
        request,
        "procurement/quarters.html",
        {
            "unit": unit,
            "year": year,
            "current_year": as_of.year,
            "previous_year": year - 1,
            "next_year": year + 1 if year < as_of.year else None,
            "rows": rows,
            "compliance": row,
            "required": row.required_share if row is not None else required_share(year),
            "growth_required": policy.growth_required if policy is not None else True,
            "pace": pace,
            "months_left": months_left,
            "is_approver": is_approver,
            "rule_statuses": rule_statuses_for_unit(
                user=user, budget_unit=unit, year=year, row=row
            ),
            "projection": projection_for_unit(user=user, budget_unit=unit, year=year, as_of=as_of),
        },
    )


@role_required(APPROVER)
@require_http_methods(["GET", "POST"])
def quarter_submit_confirm(request: HttpRequest, year: int, quarter: int) -> HttpResponse:
    """The approver's last look at a quarter before submitting it; POST submits."""
    try:
        period = Quarter(year, quarter)
    except ValueError as error:
        raise Http404 from error
    user = request.user
    unit = own_unit_or_404(user)
    error = None
    # A quarter the office returned for correction: this submission closes its open round.
    open_round = (
        QuarterReturn.objects.filter(
            submission__in=submission_for_user(user).filter(
                year=year, quarter=quarter, status=QuarterSubmission.Status.RETURNED
            ),
            resubmitted_at__isnull=True,
        )
        .select_related("returned_by")
        .first()
    )
    if request.method == "POST":
        try:
            quarter_submit(actor=user, budget_unit=unit, year=year, quarter=quarter, as_of=today())
        except ApplicationError as refusal:
            error = refusal.message
        else:
            if open_round is not None:
                text = _(
                    "%(year)s, quarter %(quarter)s is submitted again to the coordination "
                    "office (round %(number)s of correction closed); its records are locked."
                ) % {"year": year, "quarter": quarter, "number": open_round.number}
            else:
                text = _(
                    "%(year)s, quarter %(quarter)s is submitted to the coordination office; "
                    "its records are locked."
                ) % {"year": year, "quarter": quarter}
            messages.success(request, text)
            return redirect(_quarters_url(year))
    figures = _quarter_figures(user, year)[quarter]
    declaration = declaration_for_user(user).filter(year=year, quarter=quarter).first()
    agri_total = declaration.agri_total if declaration else None
    share = figures["total"] / agri_total if agri_total else None
    return render(
        request,
        "procurement/quarter_submit.html",
        {
            "period": period,
            "unit": unit,
            "declaration": declaration,
            "share": share,
            "error": error,
            "open_round": open_round,
            **figures,
        },
    )
