"""Whose figures and for when: the dashboard's scope (a district or the city, a year or one of
its quarters) and the running totals of the purchases an office may read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from portal.models import Region
from portal.periods import Quarter, year_bounds
from portal.roles import actor_of
from portal.selectors import city_districts
from procurement.models import MonthlyTotal, OriginMonthlyTotal
from procurement.selectors import monthly_total_for_user, origin_total_for_user


class NotAnOffice(Exception):
    """Only the coordination offices read the dashboards."""


@dataclass(frozen=True)
class DashboardScope:
    """Whose figures and for when: ``district`` is the district code the figures are narrowed
    to (None: the whole city); ``first``–``last`` the period, ``year_first`` the year's first
    day (progress counts from it)."""

    year: int
    quarter: int | None
    district: str | None
    district_name: str
    first: datetime.date
    last: datetime.date
    as_of: datetime.date

    @property
    def year_first(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def city_wide(self) -> bool:
        return self.district is None

    @property
    def quarters(self) -> tuple[int, ...]:
        return (self.quarter,) if self.quarter else (1, 2, 3, 4)


def dashboard_scope(
    *, user, year: int, quarter: int | None = None, district: str | None = None, as_of
) -> DashboardScope:
    """The scope a user's filters ask for, as far as the user may see: a district office is
    held to its own district; the city office's ``district`` must be one of the city's."""
    actor = actor_of(user)
    if actor.is_district_office:
        district = actor.district_code
    elif not actor.is_city_office:
        raise NotAnOffice
    name = ""
    if district:
        found = city_districts().filter(code=district).values_list("name", flat=True).first()
        if found is None and actor.is_district_office:
            found = Region.objects.filter(code=district).values_list("name", flat=True).first()
        if found is None:
            district = None
        else:
            name = found
    if quarter:
        first, last = Quarter(year, quarter).first_day, Quarter(year, quarter).last_day
    else:
        first, last = year_bounds(year)
    return DashboardScope(
        year=year,
        quarter=quarter or None,
        district=district or None,
        district_name=name,
        first=first,
        last=last,
        as_of=as_of,
    )


# The purchases are read from their running totals (``procurement.totals``): a month of a
# unit through a channel, and a month of a district from a region of origin. The periods are
# whole months (a year or a quarter), so a sum over the totals' months is exactly the sum over
# the purchases' days; the totals count what is not rejected, as the figures do.


def unit_totals(user, scope: DashboardScope) -> QuerySet[MonthlyTotal]:
    """The visible units' totals of the scope's district (or city), 1 January to the period's
    end."""
    qs = monthly_total_for_user(user).filter(month__range=(scope.year_first, scope.last))
    if scope.district:
        qs = qs.filter(budget_unit__region_id=scope.district)
    return qs


def origin_totals(user, scope: DashboardScope) -> QuerySet[OriginMonthlyTotal]:
    """The same for the totals by district and region of origin."""
    qs = origin_total_for_user(user).filter(month__range=(scope.year_first, scope.last))
    if scope.district:
        qs = qs.filter(district=scope.district)
    return qs
