"""The registry's Excel export: exactly the outlets the list's filters show, in its order,
written row by row."""

from __future__ import annotations

import datetime
import tempfile

from django.db.models import QuerySet
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.excel import safe_row

from .models import Outlet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A city has a few hundred outlets; the cap keeps one request from building an unbounded file.
# Past it the sheet says so in its last row.
MAX_REGISTRY_EXPORT_ROWS = 10_000
# Each chunk is one query (district and operator joined in): 500 rows a round trip.
EXPORT_CHUNK = 500
HEADERS = [
    "序号",
    "名称",
    "类型",
    "所在区",
    "地址",
    "所在场所",
    "运营单位",
    "开业日期",
    "面积(平方米)",
    "纬度",
    "经度",
    "在售帮扶产品数",
    "状态",
    "退出日期",
]


def _bold(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _labels(choices) -> dict[str, str]:
    # The sheet is the office's record in Chinese whatever the page's language.
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices}


def registry_workbook(outlets: QuerySet[Outlet], *, as_of: datetime.date):
    """The outlets as .xlsx in a temporary file (write-only mode): a title row with the date,
    the headers, one row per outlet, and a closing note past ``MAX_REGISTRY_EXPORT_ROWS``.
    ``outlets`` is ``outlet_registry_list`` (it carries ``product_count``)."""
    kinds = _labels(Outlet.Kind.choices)
    venues = _labels(Outlet.Venue.choices)
    statuses = _labels(Outlet.Status.choices)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("专柜名录")
    sheet.freeze_panes = "A3"
    sheet.append(
        [
            _bold(
                sheet,
                f"消费帮扶专柜（专馆、专区、专列、专站）及消费帮扶中心名录（截至{as_of:%Y年%m月%d日}）",
            )
        ]
    )
    sheet.append([_bold(sheet, title) for title in HEADERS])
    rows = outlets.select_related("district", "operator")[: MAX_REGISTRY_EXPORT_ROWS + 1]
    for number, outlet in enumerate(rows.iterator(chunk_size=EXPORT_CHUNK), start=1):
        if number > MAX_REGISTRY_EXPORT_ROWS:
            sheet.append([f"仅导出前{MAX_REGISTRY_EXPORT_ROWS}个，请缩小筛选范围后分批导出。"])
            break
        sheet.append(
            safe_row(
                [
                    number,
                    outlet.name,
                    kinds.get(outlet.kind, outlet.kind),
                    outlet.district.name,
                    outlet.address,
                    venues.get(outlet.venue, outlet.venue),
                    outlet.operator.name if outlet.operator_id else "",
                    outlet.opened_on,
                    outlet.floor_area,
                    outlet.latitude,
                    outlet.longitude,
                    outlet.product_count,
                    statuses.get(outlet.status, outlet.status),
                    outlet.exited_on,
                ]
            )
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the FileResponse closes it
    book.save(handle)
    handle.seek(0)
    return handle
