"""The Excel export of the base evaluations list (菜篮子基地年度评价): exactly the rows the
list's filters select, all pages, in the list's order, with each base's rank in its category,
its scores and its stage (ui.md: every list has an export of what its filters show)."""

from __future__ import annotations

import datetime
import tempfile

from django.db.models import QuerySet
from openpyxl import Workbook

from portal.excel import safe_row, styled_cell, titled_sheet

SCORE_FORMAT = "0.00"
# A city evaluates a few hundred bases a year; rows are read in chunks of this many, in one
# query (the region's parents come with them, for the full region name).
EXPORT_CHUNK = 500
HEADERS = [
    ("年度", 8),
    ("类别", 12),
    ("类别内排名", 10),
    ("基地", 28),
    ("供应商", 30),
    ("所在地区", 24),
    ("自评得分", 10),
    ("材料审核得分", 12),
    ("专家平均分", 12),
    ("监测扣分", 10),
    ("最终得分", 10),
    ("阶段", 14),
    ("现场核查日期", 14),
]


def evaluations_title(*, year: int | None, as_of: datetime.date) -> str:
    """The sheet's title row, also the file's name."""
    scope = f"{year}年度" if year else ""
    return f"{scope}菜篮子基地评价结果（截至{as_of.isoformat()}）"


def evaluations_workbook(rows: QuerySet, *, title: str):
    """The evaluations as .xlsx in a temporary file, written row by row (write-only mode).
    ``rows`` come from ``evaluation_list`` (ranked and ordered); a deduction is shown only
    once there is a final score, as on the page."""
    book = Workbook(write_only=True)
    sheet = titled_sheet(book, "基地评价", title=title, headers=HEADERS)

    def score(value):
        return styled_cell(sheet, value, number_format=SCORE_FORMAT) if value is not None else ""

    chunked = rows.select_related("base__region__parent__parent").iterator(chunk_size=EXPORT_CHUNK)
    for evaluation in chunked:
        scored = evaluation.final_score is not None
        sheet.append(
            safe_row(
                [
                    evaluation.year,
                    str(evaluation.get_category_display()),
                    evaluation.rank if evaluation.rank is not None else "",
                    evaluation.base.name,
                    evaluation.base.supplier.name,
                    evaluation.base.region.full_name,
                    score(evaluation.self_score),
                    score(evaluation.material_score),
                    score(evaluation.expert_score),
                    score(evaluation.monitoring_deduction if scored else None),
                    score(evaluation.final_score),
                    str(evaluation.get_status_display()),
                    evaluation.site_verified_on.isoformat() if evaluation.site_verified_on else "",
                ]
            )
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the FileResponse closes it
    book.save(handle)
    handle.seek(0)
    return handle
