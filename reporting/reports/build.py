"""Build a quarterly report's files from the database: ``build_report`` is what the Celery task
calls. The checksum is taken over the report's figures in a canonical form, so the same
parameters on the same data always give the same checksum (the files themselves carry
timestamps)."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import translation

from .data import collect_figures
from .figures import ReportFigures
from .pdf import pdf_bytes
from .workbook import workbook_bytes

# The steps ``progress`` hears about: the figures take most of a big city's time, WeasyPrint
# one to two seconds.
PROGRESS_FIGURES = 40
PROGRESS_WORKBOOK = 70
PROGRESS_PDF = 100


@dataclass(frozen=True)
class ReportFiles:
    xlsx: bytes
    pdf: bytes
    checksum: str


def _plain(value):
    """The figures as JSON-ready values: Decimals as strings (``"1234.50"``), dates ISO."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def canonical_json(figures: ReportFigures) -> bytes:
    return json.dumps(
        _plain(figures), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()


def figures_checksum(figures: ReportFigures) -> str:
    """SHA-256 of the canonical JSON of the figures."""
    return hashlib.sha256(canonical_json(figures)).hexdigest()


def build_report(
    *,
    year: int,
    quarter: int,
    district_code: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReportFiles:
    """The report of ``year``/``quarter`` for the city (or one district). Written in the
    portal's language (an official document in Chinese), whichever language the worker runs
    in. ``progress(percent)`` is called after the figures, the workbook and the PDF."""

    def step(percent: int) -> None:
        if progress is not None:
            progress(percent)

    with translation.override(settings.LANGUAGE_CODE):
        figures = collect_figures(year=year, quarter=quarter, district_code=district_code)
        step(PROGRESS_FIGURES)
        xlsx = workbook_bytes(figures)
        step(PROGRESS_WORKBOOK)
        pdf = pdf_bytes(figures)
        step(PROGRESS_PDF)
    return ReportFiles(xlsx=xlsx, pdf=pdf, checksum=figures_checksum(figures))
