"""The 832 reconciliation page: a unit's clerk uploads its own 832 order export and the city
office the city-wide one (every row checked, nothing stored unless all are good); everyone who
reads the units' purchases sees, for a period and unit, what matched, what is only on the
platform, what is only logged and (the city office) the orders of units the portal does not
know, with the totals of each, the list of imports and an Excel export of what is shown."""

from __future__ import annotations

import io
import tempfile

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.excel import add_notes_sheet, safe_row, workbook_bytes
from portal.periods import today
from portal.permissions import role_required
from portal.roles import actor_of
from portal.spreadsheets import oversize_message

from ..exports import XLSX, YUAN_FORMAT
from ..reconciliation import platform_orders_import
from ..reconciliation_file import HEADERS, REQUIRED_HEADERS
from ..reconciliation_match import platform_orders_match
from ..reconciliation_selectors import (
    MATCHED,
    ONLY_LOGGED,
    ONLY_PLATFORM,
    UNKNOWN_UNIT,
    Period,
    order_import_for_user,
    state_rows,
    state_totals,
)
from .common import CITY, CLERK, READERS, YEARS_BACK

PAGE_SIZE = 50
RECENT_IMPORTS = 10

UPLOADERS = (CLERK, CITY)
# Rows of one export: a city's year of 832 orders is some 10^4; more is cut, and said so.
MAX_EXPORT_ROWS = 100_000
STATE_LABELS = {
    MATCHED: gettext_lazy("Matched"),
    ONLY_PLATFORM: gettext_lazy("Only on the 832 platform"),
    ONLY_LOGGED: gettext_lazy("Only logged in the portal"),
    UNKNOWN_UNIT: gettext_lazy("Units the portal does not know"),
}
STATE_HELP = {
    MATCHED: gettext_lazy("Orders matched with a logged purchase."),
    ONLY_PLATFORM: gettext_lazy(
        "Ordered on the platform, never logged: the unit may have forgotten."
    ),
    ONLY_LOGGED: gettext_lazy("Logged as 832 purchases with no order in the imported exports."),
    UNKNOWN_UNIT: gettext_lazy("Orders whose purchasing unit the portal does not know."),
}


class OrderUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("832 order export"),
        help_text=gettext_lazy(
            "The order export of the 832 platform: an .xlsx workbook, or a CSV file in UTF-8 or "
            "GB18030/GBK."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class ResultFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False)
    month = forms.TypedChoiceField(
        label=gettext_lazy("Month"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", gettext_lazy("Whole year"))] + [(m, str(m)) for m in range(1, 13)],
    )
    q = forms.CharField(
        label=gettext_lazy("Unit name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    state = forms.ChoiceField(
        required=False, choices=list(STATE_LABELS.items()), widget=forms.HiddenInput
    )

    def __init__(self, *args, years, is_office=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        if not is_office:  # a unit's staff see their own unit only
            del self.fields["q"]


def _filters(request: HttpRequest, *, is_office: bool, is_city: bool):
    as_of = today()
    form = ResultFilterForm(
        request.GET or None,
        years=range(as_of.year, as_of.year - YEARS_BACK - 1, -1),
        is_office=is_office,
    )
    chosen = form.cleaned_data if form.is_valid() else {}
    state = chosen.get("state") or MATCHED
    if state == UNKNOWN_UNIT and not is_city:
        state = MATCHED
    period = Period(chosen.get("year") or as_of.year, chosen.get("month"))
    return form, period, (chosen.get("q") or "").strip(), state


def _state_links(request: HttpRequest, totals: dict, current: str, *, is_city: bool) -> list:
    links = []
    for state, label in STATE_LABELS.items():
        if state == UNKNOWN_UNIT and not is_city:
            continue
        params = request.GET.copy()
        params.pop("page", None)
        params["state"] = state
        links.append(
            {
                "state": state,
                "label": label,
                "help": STATE_HELP[state],
                "query": params.urlencode(),
                "current": state == current,
                **totals[state],
            }
        )
    return links


def _upload(request: HttpRequest, form: OrderUploadForm):
    """The upload's problems, or None when the orders are stored."""
    upload = form.cleaned_data["file"]
    if (problem := oversize_message(upload.size)) is not None:
        form.add_error("file", problem)
        return []
    result = platform_orders_import(
        actor=request.user, name=upload.name, content=upload.read(), now=timezone.now()
    )
    if result.errors:
        return result.errors
    summary = result.as_dict()
    messages.success(
        request,
        _(
            "“%(name)s” is imported. Orders read: %(orders)s; new: %(new)s; already known: "
            "%(known)s; of units the portal does not know: %(unknown)s. Newly matched with "
            "logged purchases: %(matched)s; purchases flagged as logged twice: %(flagged)s."
        )
        % {
            "name": upload.name,
            "orders": summary["orders"],
            "new": summary["new_orders"],
            "known": summary["already_known"],
            "unknown": summary["unknown_units"],
            "matched": summary["matched"],
            "flagged": summary["flagged"],
        },
    )
    return None


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def reconciliation_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    actor = actor_of(user)
    can_upload = actor.role in UPLOADERS
    is_city = actor.is_city_office
    is_office = is_city or actor.is_district_office
    upload_form = OrderUploadForm()
    problems = []
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied(_("Only a unit's clerk or the city office imports 832 orders."))
        upload_form = OrderUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            problems = _upload(request, upload_form)
            if problems is None:
                return redirect("procurement:reconciliation")
    filters, period, unit_name, state = _filters(request, is_office=is_office, is_city=is_city)
    totals = state_totals(user=user, period=period, unit_name=unit_name)
    paginator = Paginator(
        state_rows(user=user, state=state, period=period, unit_name=unit_name), PAGE_SIZE
    )
    paginator.count = totals[state]["count"]  # known from the totals: spare the COUNT query
    page = paginator.get_page(request.GET.get("page"))
    imports = order_import_for_user(user)
    filtered = any(
        value for key, value in request.GET.items() if key not in ("page", "state", "year")
    )
    return render(
        request,
        "procurement/reconciliation/page.html",
        {
            "title": _("Reconciliation with the 832 platform"),
            "can_upload": can_upload,
            "is_city": is_city,
            "is_office": is_office,
            "form": upload_form,
            "problems": problems,
            "headers": HEADERS,
            "required_headers": REQUIRED_HEADERS,
            "filters": filters,
            "filtered": filtered,
            "period": period,
            "state": state,
            "state_label": STATE_LABELS[state],
            "states": _state_links(request, totals, state, is_city=is_city),
            "totals": totals[state],
            "page": page,
            "imports": list(imports[:RECENT_IMPORTS]),
            "export_query": request.GET.urlencode(),
        },
        status=400 if problems or upload_form.errors else 200,
    )


@role_required(*UPLOADERS)
@require_POST
def reconciliation_match(request: HttpRequest) -> HttpResponse:
    """Match again: purchases logged since the last import find their orders."""
    result = platform_orders_match(actor=request.user, now=timezone.now())
    messages.success(
        request,
        ngettext(
            "%(count)s order matched with a logged purchase; %(flagged)s purchases flagged as "
            "logged twice.",
            "%(count)s orders matched with logged purchases; %(flagged)s purchases flagged as "
            "logged twice.",
            result.matched,
        )
        % {"count": result.matched, "flagged": result.flagged},
    )
    return redirect("procurement:reconciliation")


def build_order_template() -> bytes:
    """A blank 832 order export as the reconciliation reads it: the headers in order on the
    first sheet (the platform's own export has them too), and how to fill it in."""
    book = Workbook()
    sheet = book.active
    sheet.title = "832平台订单"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFG", (24, 20, 30, 30, 14, 18, 24), strict=True):
        sheet.column_dimensions[column].width = width
    add_notes_sheet(
        book,
        facts=[("示例", "DD202603150001, 2026-03-15 10:30:00, 深圳市福田区教育局, …, 1280.50")],
        lines=[
            "可直接上传832平台导出的订单文件（.xlsx 或 CSV），也可按本模板整理后上传。",
            "必填列：订单编号、下单时间、采购单位、供应商、订单金额(元)；"
            "发票号码、采购单位统一社会信用代码可选。",
            "有统一社会信用代码时按代码识别采购单位，否则按单位全称识别。",
            "预算单位只能导入本单位的订单；市协作办可导入全市订单。",
            "已导入过的订单不会重复保存。",
            "任何一行有误时整份文件都不会导入，系统会列出每一处错误的行号、列名和原因。",
        ],
    )
    return workbook_bytes(book)


@role_required(*READERS)
@require_GET
def reconciliation_template(request: HttpRequest) -> FileResponse:
    """A blank order export with the columns the reconciliation reads."""
    return FileResponse(
        io.BytesIO(build_order_template()),
        as_attachment=True,
        filename="832平台订单模板.xlsx",
        content_type=XLSX,
    )


EXPORT_HEADERS = [
    ("状态", 14),
    ("订单编号", 24),
    ("下单时间", 18),
    ("采购单位(832平台)", 30),
    ("预算单位", 30),
    ("供应商", 30),
    ("订单金额(元)", 16),
    ("发票号码", 18),
    ("采购日期", 12),
    ("登记金额(元)", 16),
    ("登记发票号码", 18),
]


def _export_rows(state: str, rows):
    """Each exported row as values, in EXPORT_HEADERS' order."""
    label = str(STATE_LABELS[state])
    for row in rows:
        if state == ONLY_LOGGED:
            yield [
                label,
                "",
                "",
                "",
                row.budget_unit.name,
                row.supplier.name,
                None,
                "",
                row.purchased_on,
                row.amount,
                row.invoice_no,
            ]
            continue
        record = row.record
        yield [
            label,
            row.order_no,
            timezone.localtime(row.ordered_at).strftime("%Y-%m-%d %H:%M"),
            row.buyer_name,
            row.budget_unit.name if row.budget_unit else "",
            row.supplier_name,
            row.amount,
            row.invoice_no,
            record.purchased_on if record else None,
            record.amount if record else None,
            record.invoice_no if record else "",
        ]


@role_required(*READERS)
@require_GET
def reconciliation_export(request: HttpRequest) -> FileResponse:
    """Exactly the rows of the chosen state, period and unit, all pages."""
    actor = actor_of(request.user)
    is_city = actor.is_city_office
    _form, period, unit_name, state = _filters(
        request, is_office=is_city or actor.is_district_office, is_city=is_city
    )
    rows = state_rows(user=request.user, state=state, period=period, unit_name=unit_name)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("832平台对账")
    for index, (_header, width) in enumerate(EXPORT_HEADERS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    header_cells = []
    for header, _width in EXPORT_HEADERS:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for values in _export_rows(state, rows[:MAX_EXPORT_ROWS].iterator(chunk_size=2000)):
        cells = []
        for index, value in enumerate(safe_row(values)):
            cell = WriteOnlyCell(sheet, value=value)
            if index in (6, 9):
                cell.number_format = YUAN_FORMAT
            cells.append(cell)
        sheet.append(cells)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the FileResponse closes it
    book.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"832平台对账-{today().isoformat()}.xlsx",
        content_type=XLSX,
    )


urlpatterns = [
    path("reconciliation/", reconciliation_page, name="reconciliation"),
    path("reconciliation/match/", reconciliation_match, name="reconciliation_match"),
    path("reconciliation/template.xlsx", reconciliation_template, name="reconciliation_template"),
    path("reconciliation/export.xlsx", reconciliation_export, name="reconciliation_export"),
]
