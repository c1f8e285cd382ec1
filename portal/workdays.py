"""Working days (工作日) as the State Council's holiday arrangement sets them each year: public
holidays are not working days, and the weekend days swapped for them (调休) are. The published
arrangement comes from ``chinese_calendar``; a year it does not yet cover falls back to Monday
to Friday, so a period reaching into next year is still counted, if a day or two short of the
holidays not yet announced.
"""

from __future__ import annotations

import datetime

import chinese_calendar


def is_working_day(day: datetime.date) -> bool:
    """Whether ``day`` is a working day in mainland China."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The ``count``-th working day after ``day`` (``day`` itself not counted): a notice
    published on ``day`` for 5 working days runs until ``add_working_days(day, 5)``."""
    if count < 1:
        raise ValueError("count must be at least 1")
    current = day
    while count:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            count -= 1
    return current
