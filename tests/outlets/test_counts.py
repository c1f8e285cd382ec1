"""Outlets by kind and district for a period, against a hand-built case (issue 5: "including
outlets opened and exited inside the period"): an outlet counts if it was open at some time in
the period; exited outlets stay counted in the periods they were active."""

import datetime

import pytest

from outlets.models import Outlet
from outlets.selectors import (
    outlet_for_user,
    outlet_period_counts,
    outlet_status_counts,
)
from portal.periods import Quarter, year_bounds
from tests import factories as f

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def case():
    """Fifteen outlets of 2026 in 福田 and 南山, each named after its story."""
    futian, nanshan = f.region(f.FUTIAN), f.region(f.NANSHAN)

    def outlet(name, kind, district, opened, *, status="active", exited=None):
        return f.OutletFactory(
            name=name,
            kind=kind,
            district=district,
            opened_on=opened,
            status=status,
            exited_on=exited,
        )

    return [
        # 福田
        outlet("open for years", "counter", futian, D(2021, 4, 1)),
        outlet("opened in March", "counter", futian, D(2026, 3, 10)),
        outlet("opened in November", "counter", futian, D(2026, 11, 2)),
        outlet("opening unknown", "hall", futian, None),
        outlet(
            "exited in May", "zone", futian, D(2022, 1, 1), status="exited", exited=D(2026, 5, 31)
        ),
        outlet(
            "opened and exited in 2026",
            "zone",
            futian,
            D(2026, 2, 1),
            status="exited",
            exited=D(2026, 8, 15),
        ),
        outlet("suspended", "station", futian, D(2024, 6, 1), status="suspended"),
        outlet(
            "exited last year",
            "counter",
            futian,
            D(2020, 1, 1),
            status="exited",
            exited=D(2025, 12, 31),
        ),
        outlet(
            "exited on new year's day",
            "train",
            futian,
            D(2020, 1, 1),
            status="exited",
            exited=D(2026, 1, 1),
        ),
        outlet("opens next year", "counter", futian, D(2027, 1, 1)),
        # 南山
        outlet("centre", "centre", nanshan, D(2020, 7, 1)),
        outlet("hall", "hall", nanshan, D(2025, 9, 1)),
        outlet("opened on the last day", "zone", nanshan, D(2026, 12, 31)),
        outlet(
            "exited in Q1",
            "counter",
            nanshan,
            D(2023, 1, 1),
            status="exited",
            exited=D(2026, 2, 28),
        ),
        outlet(
            "exited long ago",
            "station",
            nanshan,
            D(2019, 1, 1),
            status="exited",
            exited=D(2021, 3, 1),
        ),
    ]


def counts_for(user, first, last):
    return outlet_period_counts(outlet_for_user(user), first=first, last=last)


def test_the_year_counts_every_outlet_open_at_some_time_in_it(city_officer, case):
    counts = counts_for(city_officer, *year_bounds(2026))
    # 福田: all but "exited last year" and "opens next year"; 南山: all but "exited long ago".
    assert counts.by_district == {f.FUTIAN: 8, f.NANSHAN: 4}
    assert counts.by_kind == {
        "counter": 4,  # open for years, March, November, exited in Q1 (南山)
        "hall": 2,
        "zone": 3,
        "station": 1,
        "train": 1,  # exited on the year's first day: it was open that day
        "centre": 1,
    }
    assert counts.total == 12
    futian = next(row for row in counts.rows if row.code == f.FUTIAN)
    assert futian.name == "福田区"
    assert futian.kind_cells == [3, 1, 2, 1, 1, 0]  # in Outlet.Kind order
    assert counts.kind_totals() == [4, 2, 3, 1, 1, 1]


def test_a_quarter_counts_only_what_was_open_in_it(city_officer, case):
    q3 = Quarter(2026, 3)
    counts = counts_for(city_officer, q3.first_day, q3.last_day)
    # 福田: open for years, March, unknown, opened-and-exited (till 08-15), suspended;
    # 南山: centre, hall.
    assert counts.by_district == {f.FUTIAN: 5, f.NANSHAN: 2}
    assert counts.by_kind == {"counter": 2, "hall": 2, "zone": 1, "station": 1, "centre": 1}


def test_a_month_before_an_exit_still_counts_the_exited_outlet(city_officer, case):
    may = counts_for(city_officer, D(2026, 5, 1), D(2026, 5, 31))
    june = counts_for(city_officer, D(2026, 6, 1), D(2026, 6, 30))
    assert may.by_kind["zone"] == 2  # exited on 31 May, opened-and-exited
    assert june.by_kind["zone"] == 1  # only the one still open till August


def test_counts_are_scoped_to_the_district_office(district_officer, case):
    counts = counts_for(district_officer, *year_bounds(2026))
    assert counts.by_district == {f.FUTIAN: 8}


def test_current_counts_by_status(city_officer, case):
    assert outlet_status_counts(outlet_for_user(city_officer)) == {
        "total": 15,
        "active": 8,
        "suspended": 1,
        "exited": 6,
    }


def test_counts_take_one_query(city_officer, case, django_assert_num_queries):
    scope = Outlet.objects.all()
    with django_assert_num_queries(1):
        outlet_period_counts(scope, first=D(2026, 1, 1), last=D(2026, 12, 31))
    with django_assert_num_queries(1):
        outlet_status_counts(scope)
