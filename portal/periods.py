"""Fiscal periods: the calendar year and its quarters, in one place.

Time is passed in (``as_of``) rather than read deep inside, so callers and tests
decide what "today" is.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.utils import timezone

QUARTERS = (1, 2, 3, 4)


def today() -> datetime.date:
    """Today in the portal's time zone (Asia/Shanghai)."""
    return timezone.localdate()


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int

    def __post_init__(self) -> None:
        if self.quarter not in QUARTERS:
            raise ValueError(f"quarter must be 1-4, not {self.quarter}")

    @classmethod
    def of(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.quarter - 2, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next().first_day - datetime.timedelta(days=1)

    def next(self) -> Quarter:
        if self.quarter == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.quarter + 1)

    def previous(self) -> Quarter:
        if self.quarter == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.quarter - 1)

    def contains(self, day: datetime.date) -> bool:
        return self.first_day <= day <= self.last_day

    def has_ended(self, *, as_of: datetime.date) -> bool:
        return self.last_day < as_of

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def last_ended_quarter(*, as_of: datetime.date) -> Quarter:
    """The quarter just ended: the one before the quarter containing ``as_of``."""
    return Quarter.of(as_of).previous()


def ended_quarters(*, since: Quarter, as_of: datetime.date) -> list[Quarter]:
    """Every quarter from ``since`` that has ended by ``as_of``, oldest first."""
    result = []
    current = since
    while current.has_ended(as_of=as_of):
        result.append(current)
        current = current.next()
    return result


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )
