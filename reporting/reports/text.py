"""How the report words its title, dates and headline amounts (ui.md: ``2026年11月23日`` in
documents, 亿元 in headline figures, 万元 with two decimals in summaries)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from portal.formatting import YI, wanyuan, yiyuan


def long_date(day: datetime.date) -> str:
    """A date as documents print it: 2026年11月23日."""
    return f"{day.year}年{day.month}月{day.day}日"


def headline_money(value: Decimal | None) -> str:
    """A headline amount: 亿元 from one 亿 up, 万元 below it (0.04 亿元 tells a reader nothing)."""
    if value is not None and abs(value) >= YI:
        return yiyuan(value)
    return wanyuan(value)


def report_title(figures) -> str:
    return _("%(scope)s consumption assistance report, Q%(quarter)s %(year)s") % {
        "scope": figures.scope_name,
        "quarter": figures.quarter,
        "year": figures.year,
    }
