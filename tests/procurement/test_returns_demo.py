"""The demo's return for correction (reporting/demo/returns.py): unit B's quarter before last,
returned, corrected and resubmitted, with a round history that reads like the real thing."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from portal.models import Membership
from portal.periods import Quarter
from procurement.models import ProcurementRecord, QuarterReturn, QuarterSubmission
from procurement.returns import quarter_rounds
from procurement.submission_status import State, submission_status
from reporting.demo import build
from reporting.demo.context import SeedContext
from reporting.demo.returns import seed_returns

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 8, 15)  # 2026Q2 has just ended: the round is in 2026Q1
SMALL = ("--units", "12", "--records", "600", "--as-of", AS_OF.isoformat())


def accounts():
    users = {u.username: u for u in get_user_model().objects.all()}
    unit_b = Membership.objects.get(user__username="unit_clerk_2").organisation_id
    return unit_b, users["city_office"], users["unit_clerk_2"]


def seed():
    call_command("seed_demo", *SMALL, stdout=StringIO())


@pytest.fixture
def wired(monkeypatch):
    """The build with the step wired where the report asks: before the first versions."""
    original = build.seed_history

    def history_after_returns(ctx):
        unit_b, office, clerk = accounts()
        seed_returns(ctx, unit_b=unit_b, office=office, resubmitter=clerk)
        original(ctx)

    monkeypatch.setattr(build, "seed_history", history_after_returns)
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)


def check_round(unit_b, office, clerk):
    round_ = QuarterReturn.objects.get()
    submission = round_.submission
    assert (submission.budget_unit_id, submission.year, submission.quarter) == (unit_b, 2026, 1)
    assert submission.status == QuarterSubmission.Status.SUBMITTED
    assert (round_.returned_by, round_.resubmitted_by, round_.is_open) == (office, clerk, False)
    (note,) = round_.comments.all()
    assert note.record is not None and "发票号码" in note.comment
    data = quarter_rounds(user=office, budget_unit=submission.budget_unit, year=2026, quarter=1)
    (read,) = data.rounds
    (change,) = read.changes.records
    assert change.kind == "corrected" and change.record_id == note.record_id and change.by == clerk
    ((field, old, new),) = change.fields
    assert field == "invoice number" and old != new
    assert ProcurementRecord.objects.get(pk=note.record_id).invoice_no == new
    # Still on time: judged by the first submission.
    table = submission_status(user=office, year=2026, as_of=AS_OF, quarter=1, q="")
    row = next(r for r in table.rows if r.budget_unit == unit_b)
    assert row.state == State.SUBMITTED_ON_TIME and row.rounds == 1
    assert round_.returned_at < round_.resubmitted_at
    assert Quarter(2026, 1).last_day < round_.returned_at.date()


def test_the_demo_unit_b_has_a_returned_and_resubmitted_quarter(wired):
    seed()
    unit_b, office, clerk = accounts()
    with translation.override("en"):
        check_round(unit_b, office, clerk)
    # The corrected purchase's trail: logged, returned, corrected, resubmitted.
    note = QuarterReturn.objects.get().comments.get()
    reasons = list(
        ProcurementRecord.history.filter(id=note.record_id)
        .order_by("history_date")
        .values_list("history_change_reason", flat=True)
    )
    assert reasons == ["演示数据（初始登记）", "季度退回修改", "更正", "季度报送"]


def test_a_second_run_changes_nothing(wired):
    seed()
    before = (
        QuarterReturn.objects.count(),
        ProcurementRecord.history.count(),
        QuarterSubmission.history.count(),
    )
    seed()
    after = (
        QuarterReturn.objects.count(),
        ProcurementRecord.history.count(),
        QuarterSubmission.history.count(),
    )
    assert after == before


def test_a_database_seeded_before_the_step_gets_a_coherent_round():
    """Run after seed_history (the first versions dated at seeding time): the round follows."""
    seed()
    unit_b, office, clerk = accounts()
    ctx = SeedContext(seed=1, as_of=AS_OF, password="x", units=12, records=600, log=lambda _: None)
    seed_returns(ctx, unit_b=unit_b, office=office, resubmitter=clerk)
    with translation.override("en"):
        check_round(unit_b, office, clerk)
