"""Excel exports of what a list shows, in the offices' number formats."""

from __future__ import annotations

import tempfile

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.excel import safe_row

YUAN_FORMAT = "#,##0.00"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own limit is 1,048,576 rows; a city's year of purchases stays below it.
MAX_EXPORT_ROWS = 1_000_000


def _header(sheet, titles: list[str]) -> None:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)


def ledger_workbook(records: QuerySet):
    """The records as an .xlsx in a temporary file, written row by row (write-only mode) so
    a year of a city's records never sits in memory at once."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Procurement records"))
    sheet.freeze_panes = "A2"
    _header(
        sheet,
        [
            "采购日期",
            "预算单位",
            "供应商",
            "供应商统一社会信用代码",
            "产品名称",
            "金额(元)",
            "数量",
            "单位",
            "采购渠道",
            "用途",
            "发票号码",
            "状态",
        ],
    )
    from .models import Channel, ProcurementRecord, Purpose

    channels, purposes = dict(Channel.choices), dict(Purpose.choices)
    statuses = dict(ProcurementRecord.Status.choices)
    rows = records.order_by("-purchased_on", "-pk").values_list(
        "purchased_on",
        "budget_unit__name",
        "supplier__name",
        "supplier__credit_code",
        "product__name",
        "amount",
        "quantity",
        "unit",
        "channel",
        "purpose",
        "invoice_no",
        "status",
    )[:MAX_EXPORT_ROWS]
    for (
        day,
        unit,
        supplier,
        code,
        product,
        amount,
        quantity,
        measure,
        channel,
        purpose,
        invoice,
        status,
    ) in rows.iterator(chunk_size=2000):
        money = WriteOnlyCell(sheet, value=amount)
        money.number_format = YUAN_FORMAT
        sheet.append(
            safe_row(
                [
                    day,
                    unit,
                    supplier,
                    code,
                    product or "",
                    money,
                    quantity,
                    measure,
                    str(channels.get(channel, channel)),
                    str(purposes.get(purpose, purpose)),
                    invoice,
                    str(statuses.get(status, status)),
                ]
            )
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the FileResponse closes it
    book.save(handle)
    handle.seek(0)
    return handle
