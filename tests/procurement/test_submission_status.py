"""The offices' table of quarterly submissions: each unit quarter's state (not yet due, due,
late, submitted on time or late, returned, reopened), its scoping, filters and cost."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from portal.periods import Quarter
from procurement.models import QuarterReturn, QuarterSubmission
from procurement.submission_status import (
    SUBMISSION_DEADLINE_DAYS,
    State,
    submission_deadline,
    submission_status,
)
from tests import factories as f

from .conftest import AS_OF

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
Status = QuarterSubmission.Status


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SHANGHAI)


def submitted(unit, quarter, when, status=Status.SUBMITTED, year=2026):
    return QuarterSubmission.objects.create(
        budget_unit=unit, year=year, quarter=quarter, status=status, submitted_at=when
    )


def states(table) -> dict[tuple[int, int], str]:
    return {(row.budget_unit, row.quarter): row.state for row in table.rows}


def test_the_deadline_is_fifteen_days_after_the_quarters_end():
    assert SUBMISSION_DEADLINE_DAYS == 15
    assert submission_deadline(Quarter(2026, 3)) == datetime.date(2026, 10, 15)
    assert submission_deadline(Quarter(2026, 4)) == datetime.date(2027, 1, 15)


def test_every_state_of_a_year(city_officer, district_officer, unit_a):
    unit_c = f.BudgetUnitFactory(name="深圳市福田区卫生健康局")
    submitted(unit_a, 1, at("2026-04-10"))
    submitted(unit_a, 2, at("2026-07-20"))  # deadline 07-15
    returned = submitted(unit_a, 3, at("2026-10-09"), status=Status.RETURNED)
    QuarterReturn.objects.create(
        submission=returned,
        number=1,
        comment="请补充凭证",
        returned_by=district_officer,
        returned_at=at("2026-10-12"),
    )
    submitted(unit_c, 1, at("2026-04-02"), status=Status.REOPENED)

    table = submission_status(user=district_officer, year=2026, as_of=AS_OF)

    assert states(table) == {
        (unit_a.pk, 1): State.SUBMITTED_ON_TIME,
        (unit_a.pk, 2): State.SUBMITTED_LATE,
        (unit_a.pk, 3): State.RETURNED,
        (unit_a.pk, 4): State.NOT_DUE,
        (unit_c.pk, 1): State.REOPENED,
        (unit_c.pk, 2): State.LATE,
        (unit_c.pk, 3): State.LATE,
        (unit_c.pk, 4): State.NOT_DUE,
    }
    assert table.counts == {
        State.NOT_DUE: 2,
        State.DUE: 0,
        State.LATE: 2,
        State.SUBMITTED_ON_TIME: 1,
        State.SUBMITTED_LATE: 1,
        State.RETURNED: 1,
        State.REOPENED: 1,
    }
    row = next(r for r in table.rows if (r.budget_unit, r.quarter) == (unit_a.pk, 3))
    assert (row.rounds, row.open_round, row.deadline) == (1, True, datetime.date(2026, 10, 15))
    assert row.district_name == "福田区"


def test_a_quarter_ended_within_its_deadline_is_due(district_officer, unit_a):
    table = submission_status(user=district_officer, year=2026, as_of=datetime.date(2026, 10, 15))
    assert states(table)[unit_a.pk, 3] == State.DUE
    assert states(table)[unit_a.pk, 4] == State.NOT_DUE
    late = submission_status(user=district_officer, year=2026, as_of=datetime.date(2026, 10, 16))
    assert states(late)[unit_a.pk, 3] == State.LATE


def test_quarters_that_have_not_begun_are_not_listed(district_officer, unit_a):
    table = submission_status(user=district_officer, year=2026, as_of=datetime.date(2026, 5, 1))
    assert table.quarters == [1, 2]
    assert not submission_status(user=district_officer, year=2027, as_of=AS_OF).rows


def test_the_deadline_is_a_day_in_the_portals_time_zone(city_officer, unit_a, unit_b):
    submitted(unit_a, 3, at("2026-10-15", 23, 30))  # 15:30 UTC: still the 15th in Shenzhen
    submitted(unit_b, 3, at("2026-10-16", 0, 30))  # 16:30 UTC on the 15th, the 16th here
    table = submission_status(user=city_officer, year=2026, as_of=AS_OF)
    assert states(table)[unit_a.pk, 3] == State.SUBMITTED_ON_TIME
    assert states(table)[unit_b.pk, 3] == State.SUBMITTED_LATE


def test_on_time_is_judged_by_the_first_submission(district_officer, unit_a):
    """Submitted on time, returned, resubmitted after the deadline: still on time."""
    submission = submitted(unit_a, 3, at("2026-10-10"))
    submission.status = Status.RETURNED
    submission.save()
    submission.status = Status.SUBMITTED
    submission.submitted_at = at("2026-11-02")
    submission.save()
    table = submission_status(user=district_officer, year=2026, as_of=AS_OF, quarter=3)
    (row,) = table.rows
    assert row.state == State.SUBMITTED_ON_TIME
    assert row.submitted_at == at("2026-11-02")
    assert row.first_submitted_at == at("2026-10-10")


def test_a_submission_without_history_is_judged_by_its_own_time(district_officer, unit_a):
    QuarterSubmission.objects.bulk_create(
        [QuarterSubmission(budget_unit=unit_a, year=2026, quarter=3, submitted_at=at("2026-10-20"))]
    )
    table = submission_status(user=district_officer, year=2026, as_of=AS_OF, quarter=3)
    assert [row.state for row in table.rows] == [State.SUBMITTED_LATE]


def test_each_office_sees_the_units_in_its_scope(
    city_officer, district_officer, clerk, unit_a, unit_b
):
    by_district = submission_status(user=district_officer, year=2026, as_of=AS_OF)
    assert {row.budget_unit for row in by_district.rows} == {unit_a.pk}
    city = submission_status(user=city_officer, year=2026, as_of=AS_OF)
    assert {row.budget_unit for row in city.rows} == {unit_a.pk, unit_b.pk}
    # Scoped like every read: a clerk's table holds its own unit only.
    assert {
        row.budget_unit for row in submission_status(user=clerk, year=2026, as_of=AS_OF).rows
    } == {unit_a.pk}


def test_filters_narrow_the_rows_and_the_state_filter_keeps_the_counts(
    city_officer, unit_a, unit_b
):
    submitted(unit_a, 1, at("2026-04-10"))
    nanshan = submission_status(user=city_officer, year=2026, as_of=AS_OF, district=f.NANSHAN)
    assert {row.budget_unit for row in nanshan.rows} == {unit_b.pk}
    q2 = submission_status(user=city_officer, year=2026, as_of=AS_OF, quarter=2)
    assert {row.quarter for row in q2.rows} == {2} and len(q2.rows) == 2
    by_name = submission_status(user=city_officer, year=2026, as_of=AS_OF, q="人民医院")
    assert {row.budget_unit for row in by_name.rows} == {unit_b.pk}
    on_time = submission_status(
        user=city_officer, year=2026, as_of=AS_OF, state=State.SUBMITTED_ON_TIME
    )
    assert [(row.budget_unit, row.quarter) for row in on_time.rows] == [(unit_a.pk, 1)]
    assert on_time.counts[State.LATE] == 5 and on_time.total == 8


def test_the_table_costs_the_same_queries_for_few_units_and_many(
    django_assert_max_num_queries, city_officer, unit_a
):
    submitted(unit_a, 1, at("2026-04-10"))
    with django_assert_max_num_queries(5) as few:
        submission_status(user=city_officer, year=2026, as_of=AS_OF)
    for n in range(30):
        unit = f.BudgetUnitFactory()
        submitted(unit, 1, at("2026-04-1" + str(n % 10)))
        submitted(unit, 2, at("2026-07-20"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        table = submission_status(user=city_officer, year=2026, as_of=AS_OF)
    assert len(table.rows) == 31 * 4
