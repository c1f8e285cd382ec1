"""Excel exports of the public catalogue (名库): exactly the list the filters show."""

from __future__ import annotations

import datetime
import tempfile

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.excel import safe_row

from .models import ProductCategory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YUAN_FORMAT = "#,##0.00"
# A city's catalogue holds a few thousand products; the cap keeps one anonymous request from
# building an unbounded file. Past it the sheet says so in its last row.
MAX_CATALOGUE_EXPORT_ROWS = 10_000
# Each chunk costs two queries (the products, then their certificates): 500 rows keep the
# certificate lookup's IN list short and the query count at 2 per 500 products.
EXPORT_CHUNK = 500
HEADERS = [
    "序号",
    "产品名称",
    "类别",
    "规格/品种",
    "供应商",
    "产地",
    "生产基地",
    "价格(元)",
    "计价单位",
    "供应量",
    "供应量单位",
    "上市周期",
    "带贫户数",
    "认证及证书编号",
]


def _bold(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _certificates(product) -> str:
    return "；".join(
        f"{held.scheme.name} {held.number}（有效期至{held.valid_until:%Y-%m-%d}）"
        for held in product.catalogue_certificates
    )


def catalogue_workbook(products: QuerySet, *, as_of: datetime.date):
    """The products as .xlsx in a temporary file, written row by row (write-only mode): a
    title row with the date, the headers, one row per product, and a closing note when the
    list was longer than ``MAX_CATALOGUE_EXPORT_ROWS``."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Product catalogue"))
    sheet.freeze_panes = "A3"
    sheet.append([_bold(sheet, f"消费帮扶产品名库（截至{as_of:%Y年%m月%d日}）")])
    sheet.append([_bold(sheet, title) for title in HEADERS])
    categories = dict(ProductCategory.choices)
    rows = products[: MAX_CATALOGUE_EXPORT_ROWS + 1].iterator(chunk_size=EXPORT_CHUNK)
    for number, product in enumerate(rows, start=1):
        if number > MAX_CATALOGUE_EXPORT_ROWS:
            sheet.append([f"仅导出前{MAX_CATALOGUE_EXPORT_ROWS}个产品，请缩小筛选范围后分批导出。"])
            break
        price = WriteOnlyCell(sheet, value=product.price)
        price.number_format = YUAN_FORMAT
        sheet.append(
            safe_row(
                [
                    number,
                    product.name,
                    str(categories.get(product.category, product.category)),
                    product.specification,
                    product.supplier.name,
                    product.region.full_name,
                    product.base.name if product.base else "",
                    price,
                    product.price_unit,
                    product.supply_volume,
                    product.supply_unit,
                    product.season,
                    product.households_lifted,
                    _certificates(product),
                ]
            )
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the FileResponse closes it
    book.save(handle)
    handle.seek(0)
    return handle
