"""The compliance list as an Excel workbook: api.md's figures of the main rule and the floor
for each unit, then a group of columns for each further rule of the year (``procurement.quota``).

Headers are in Chinese, as the offices' other exports; rule names are the city office's own.
"""

from __future__ import annotations

import tempfile
from itertools import islice

from django.db.models import QuerySet
from openpyxl import Workbook

from portal.excel import safe_row, styled_cell, titled_sheet
from portal.formatting import percent

from .exports import YUAN_FORMAT
from .models import BudgetUnit
from .quota import BELOW, MET, NO_BASE, NOT_APPLICABLE, RuleBook, RuleStatus, statuses_by_unit
from .selectors import compliance_row

SHARE_FORMAT = "0.0%"
# The units are read in chunks; each chunk's further rules cost two queries.
EXPORT_CHUNK = 2000

EXPORT_HEADERS = [
    ("预算单位", 36),
    ("所属区", 12),
    ("单位类别", 18),
    ("农副产品采购总额(元)", 20),
    ("帮扶产品采购额(元)", 20),
    ("帮扶采购占比", 14),
    ("要求比例", 12),
    ("差额(元)", 18),
    ("上年帮扶采购额(元)", 20),
    ("是否达标", 10),
    ("是否不低于上年", 14),
]
# The columns of each further rule, after the rule's name.
RULE_HEADERS = [
    ("申报基数(元)", 18),
    ("计入采购额(元)", 18),
    ("占比", 10),
    ("差额(元)", 16),
    ("达标情况", 12),
]
STATE_TEXT = {MET: "达标", BELOW: "未达标", NO_BASE: "未申报基数", NOT_APPLICABLE: "不适用"}


def _headers(book: RuleBook) -> list[tuple[str, int]]:
    headers = list(EXPORT_HEADERS)
    for rule in book.extra:
        prefix = f"{rule.name}（要求{percent(rule.ratio)}）"
        headers += [(f"{prefix}{title}", width) for title, width in RULE_HEADERS]
    return headers


def _chunks(units: QuerySet[BudgetUnit]):
    rows = units.iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(islice(rows, EXPORT_CHUNK)):
        yield chunk


def compliance_workbook(units: QuerySet[BudgetUnit], book: RuleBook, title: str):
    """The rows as an .xlsx in a temporary file, written row by row (write-only mode)."""
    workbook = Workbook(write_only=True)
    sheet = titled_sheet(workbook, "采购比例完成情况", title=title, headers=_headers(book))
    categories = dict(BudgetUnit.Category.choices)

    def number(value, number_format):
        return styled_cell(sheet, value, number_format=number_format)

    def rule_cells(status: RuleStatus) -> list:
        return [
            number(status.base_total, YUAN_FORMAT),
            number(status.counted_total, YUAN_FORMAT),
            number(status.share, SHARE_FORMAT),
            number(status.shortfall, YUAN_FORMAT),
            STATE_TEXT[status.state],
        ]

    further = {rule.code for rule in book.extra}
    for chunk in _chunks(units):
        statuses = statuses_by_unit(chunk, book=book)
        for unit in chunk:
            row = compliance_row(unit, book.ratio, rules=statuses[unit.pk])
            cells = [
                row.name,
                unit.region.name if unit.region else "",
                str(categories.get(row.category, row.category)),
                number(row.agri_total, YUAN_FORMAT),
                number(row.assistance_total, YUAN_FORMAT),
                number(row.share, SHARE_FORMAT),
                number(row.required_share, SHARE_FORMAT),
                number(row.shortfall, YUAN_FORMAT),
                number(row.last_year_total, YUAN_FORMAT),
                "是" if row.meets_share else "否",
                "是" if row.meets_growth else "否",
            ]
            for status in row.rules:
                if status.code in further:
                    cells += rule_cells(status)
            sheet.append(safe_row(cells))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return handle
