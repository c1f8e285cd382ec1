"""The Excel workbooks of the disclosure lists, each holding exactly the rows the list's filters
select (ui.md: "an Excel export button that exports exactly what the filters show"). The
public workbook says what the public page says; the objections' is the city office's alone,
since it names the objectors."""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.excel import safe_row, styled_cell, titled_sheet

from .disclosure_selectors import Notice, notice_of, objection_reference
from .models import Disclosure, Objection

# A city publishes a few thousand disclosures a year; the cap keeps one anonymous request from
# building an unbounded file, as the catalogue's export does. Past it the sheet says so.
MAX_EXPORT_ROWS = 10_000
# Each chunk costs one query for its rows and one per kind of subject among them (five at
# most): 500 rows keep the prefetches' IN lists short and a full export at 6 queries per 500.
EXPORT_CHUNK = 500
DATE_FORMAT = "yyyy-mm-dd"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"

DISCLOSURE_HEADERS = [
    ("序号", 6),
    ("公示事项", 48),
    ("类别", 14),
    ("产品或基地", 24),
    ("供应商", 30),
    ("产地", 30),
    ("证书编号", 18),
    ("公示开始日期", 13),
    ("公示截止日期", 13),
    ("公示期(工作日)", 14),
    ("状态", 16),
    ("生效日期", 13),
    ("撤回日期", 13),
    ("公示页面", 48),
]
# The office's workbook adds who published each disclosure and the objections it drew.
OFFICE_HEADERS = [*DISCLOSURE_HEADERS, ("发布人", 14), ("异议数", 8), ("待处理异议数", 12)]
OBJECTION_HEADERS = [
    ("受理编号", 16),
    ("收到时间", 17),
    ("异议人", 12),
    ("联系方式", 22),
    ("异议内容", 60),
    ("处理状态", 12),
    ("处理意见", 40),
    ("处理人", 14),
    ("处理时间", 17),
    ("公示事项", 48),
    ("产品或基地", 24),
    ("公示截止日期", 13),
    ("公示状态", 16),
    ("公示页面", 48),
]


def _capped(rows: QuerySet) -> Iterable[tuple[int, Any]]:
    """(number, row) for the first ``MAX_EXPORT_ROWS`` rows, read ``EXPORT_CHUNK`` at a time
    (each chunk with its own prefetches), and (0, None) after them if there were more."""
    for number, row in enumerate(
        rows[: MAX_EXPORT_ROWS + 1].iterator(chunk_size=EXPORT_CHUNK), start=1
    ):
        if number > MAX_EXPORT_ROWS:
            yield 0, None
            return
        yield number, row


def _saved(book: Workbook):
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the FileResponse closes it
    book.save(handle)
    handle.seek(0)
    return handle


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _status_label(notice: Notice) -> str:
    """The status the list shows: an open disclosure past its period awaits a decision."""
    if notice.period_over:
        return _("Period ended")
    return notice.disclosure.get_status_display()


def disclosure_workbook(
    disclosures: QuerySet[Disclosure],
    *,
    as_of: datetime.date,
    title: str,
    link: Callable[[Disclosure], str],
    office: bool = False,
):
    """The disclosures as an .xlsx in a temporary file, written row by row (write-only mode):
    what the public page says of each, and for the office (``office``, over
    ``disclosure_office_list``) who published it and the objections it drew."""
    book = Workbook(write_only=True)
    headers = OFFICE_HEADERS if office else DISCLOSURE_HEADERS
    sheet = titled_sheet(book, "公示信息", title=title, headers=headers)

    def day(value: datetime.date | None):
        return styled_cell(sheet, value, number_format=DATE_FORMAT) if value else ""

    for number, disclosure in _capped(disclosures):
        if disclosure is None:
            sheet.append([f"仅导出前{MAX_EXPORT_ROWS}条公示，请缩小筛选范围后分批导出。"])
            break
        notice = notice_of(disclosure, as_of=as_of)
        withdrawn = disclosure.status == Disclosure.Status.WITHDRAWN
        values = [
            number,
            notice.headline,
            disclosure.get_kind_display(),
            notice.subject.name if notice.subject is not None else "",
            notice.supplier.name if notice.supplier is not None else "",
            notice.region.full_name if notice.region is not None else "",
            notice.certificate.number if notice.certificate is not None else "",
            day(disclosure.starts_on),
            day(disclosure.ends_on),
            disclosure.working_days,
            _status_label(notice),
            day(notice.takes_effect_on),
            day(notice.closed_on if withdrawn else None),
            link(disclosure),
        ]
        if office:
            values += [
                _name(disclosure.opened_by),
                disclosure.objection_count,
                disclosure.pending_count,
            ]
        sheet.append(safe_row(values))
    return _saved(book)


def objection_workbook(
    objections: QuerySet[Objection],
    *,
    as_of: datetime.date,
    title: str,
    link: Callable[[Disclosure], str],
):
    """The city office's objections (over ``objection_queue``, in its order) as an .xlsx in a
    temporary file: each with its author, text and decision, and the disclosure it concerns."""
    book = Workbook(write_only=True)
    sheet = titled_sheet(book, "异议处理", title=title, headers=OBJECTION_HEADERS)

    def moment(value: datetime.datetime | None):
        if value is None:
            return ""
        # Excel has no time zones: the office reads Shanghai time.
        local = timezone.localtime(value).replace(tzinfo=None)
        return styled_cell(sheet, local, number_format=MOMENT_FORMAT)

    for _number, objection in _capped(objections):
        if objection is None:
            sheet.append([f"仅导出前{MAX_EXPORT_ROWS}条异议，请缩小筛选范围后分批导出。"])
            break
        notice = notice_of(objection.disclosure, as_of=as_of)
        sheet.append(
            safe_row(
                [
                    objection_reference(objection),
                    moment(objection.submitted_at),
                    objection.name,
                    objection.contact,
                    objection.text,
                    objection.get_status_display(),
                    objection.decision_note,
                    _name(objection.decided_by),
                    moment(objection.decided_at),
                    notice.headline,
                    notice.subject.name if notice.subject is not None else "",
                    styled_cell(sheet, objection.disclosure.ends_on, number_format=DATE_FORMAT),
                    _status_label(notice),
                    link(objection.disclosure),
                ]
            )
        )
    return _saved(book)
