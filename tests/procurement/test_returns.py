"""Returns for correction (退回): who may return a quarter, what a return does, the rounds it
leaves, and what each round says the unit changed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.models import Notification
from procurement.models import ProcurementRecord, QuarterReturn, QuarterSubmission
from procurement.returns import quarter_return, quarter_rounds, returns_by_quarter
from procurement.rules import locked_quarters
from procurement.services import (
    declaration_set,
    procurement_record_create,
    procurement_record_delete,
    procurement_record_update,
    quarter_reopen,
    quarter_submit,
)
from tests import factories as f

from .conftest import AS_OF, purchase

pytestmark = pytest.mark.django_db

Q3 = datetime.date(2026, 8, 10)
SUBMITTED = QuarterSubmission.Status.SUBMITTED
RETURNED = QuarterSubmission.Status.RETURNED


def log(clerk, unit, supplier, **overrides):
    data = purchase(supplier, **{"purchased_on": Q3, **overrides})
    return procurement_record_create(actor=clerk, budget_unit=unit, data=data, as_of=AS_OF)


def submit(approver, unit, quarter=3):
    return quarter_submit(actor=approver, budget_unit=unit, year=2026, quarter=quarter, as_of=AS_OF)


@pytest.fixture
def q3(clerk, approver, unit_a, recognised):
    """Unit A's 2026 Q3: two purchases and a declaration, submitted by the approver."""
    first = log(clerk, unit_a, recognised, invoice_no="44030001", amount=Decimal("12000.00"))
    second = log(clerk, unit_a, recognised, invoice_no="44030002", amount=Decimal("8000.00"))
    declaration_set(
        actor=clerk,
        budget_unit=unit_a,
        year=2026,
        quarter=3,
        agri_total=Decimal("100000"),
        as_of=AS_OF,
    )
    submit(approver, unit_a)
    return first, second


def give_back(actor, unit, comment="请核对发票号码", record_comments=None, quarter=3):
    return quarter_return(
        actor=actor,
        budget_unit=unit,
        year=2026,
        quarter=quarter,
        comment=comment,
        record_comments=record_comments or {},
    )


def statuses(unit) -> set[str]:
    return set(ProcurementRecord.objects.filter(budget_unit=unit).values_list("status", flat=True))


# --- who may return, and what -------------------------------------------------------------


def test_the_district_office_returns_a_submitted_quarter_with_comments(
    district_officer, clerk, approver, unit_a, q3
):
    first, _second = q3
    round_ = give_back(district_officer, unit_a, record_comments={first.pk: "发票号码与凭证不符"})

    submission = QuarterSubmission.objects.get(budget_unit=unit_a, year=2026, quarter=3)
    assert submission.status == RETURNED
    assert (round_.number, round_.returned_by, round_.is_open) == (1, district_officer, True)
    assert round_.comment == "请核对发票号码"
    (note,) = round_.comments.all()
    assert note.record == first and note.comment == "发票号码与凭证不符"
    assert note.record_label == "2026-08-10 · 百色市田阳区农业发展有限公司 · ¥12,000.00 · 44030001"
    # The records open again as on a reopening, each with its history row.
    assert statuses(unit_a) == {ProcurementRecord.Status.RECORDED}
    assert first.history.first().history_user == district_officer
    assert "Returned for correction (round 1)" in submission.history.first().history_change_reason
    # The quarter is no longer locked: the clerk may correct it.
    assert not locked_quarters(unit_a.pk)
    # The unit's staff are told.
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {"unit_clerk", "unit_approver"}


def test_the_city_office_may_return_any_units_quarter(city_officer, unit_a, q3):
    assert give_back(city_officer, unit_a).number == 1


@pytest.mark.parametrize("persona", ["clerk", "approver", "clerk_b", "supplier", "reviewer"])
def test_only_an_office_in_scope_may_return(request, persona, unit_a, q3):
    with pytest.raises(PermissionDenied):
        give_back(request.getfixturevalue(persona), unit_a)
    assert QuarterSubmission.objects.get(budget_unit=unit_a).status == SUBMITTED


def test_another_districts_office_may_not_return(unit_b, clerk_b, district_officer):
    """The district office is 福田区's; unit B is in 南山区."""
    with pytest.raises(PermissionDenied):
        give_back(district_officer, unit_b)


def test_only_a_submitted_quarter_can_be_returned(district_officer, unit_a, q3):
    with pytest.raises(ValidationError) as never:
        give_back(district_officer, unit_a, quarter=2)
    assert "2026, quarter 2 is not submitted" in never.value.message_dict["quarter"][0]
    give_back(district_officer, unit_a)
    with pytest.raises(ValidationError):  # already returned, not resubmitted yet
        give_back(district_officer, unit_a)
    assert QuarterReturn.objects.count() == 1


def test_a_reopened_quarter_cannot_be_returned(district_officer, unit_a, q3):
    quarter_reopen(actor=district_officer, budget_unit=unit_a, year=2026, quarter=3, reason="x")
    with pytest.raises(ValidationError):
        give_back(district_officer, unit_a)


def test_an_overall_comment_is_required(district_officer, unit_a, q3):
    with pytest.raises(ValidationError) as refused:
        give_back(district_officer, unit_a, comment="   ")
    assert "comment" in refused.value.message_dict
    assert QuarterSubmission.objects.get(budget_unit=unit_a).status == SUBMITTED


def test_comments_on_purchases_outside_the_unit_and_quarter_are_refused(
    district_officer, clerk, unit_a, unit_b, recognised, q3
):
    other_unit = f.RecordFactory(budget_unit=unit_b, supplier=recognised, purchased_on=Q3)
    other_quarter = log(clerk, unit_a, recognised, purchased_on=datetime.date(2026, 10, 9))
    for foreign in (other_unit, other_quarter):
        with pytest.raises(ValidationError) as refused:
            give_back(district_officer, unit_a, record_comments={foreign.pk: "?"})
        assert str(foreign.pk) in refused.value.message_dict["record_comments"][0]
    # Nothing happened: still submitted, no round, records still locked.
    assert QuarterSubmission.objects.get(budget_unit=unit_a).status == SUBMITTED
    assert not QuarterReturn.objects.exists()
    assert ProcurementRecord.objects.get(pk=q3[0].pk).status == SUBMITTED


def test_empty_comments_on_purchases_are_left_out(district_officer, unit_a, q3):
    round_ = give_back(district_officer, unit_a, record_comments={q3[0].pk: "  ", 999999: ""})
    assert not round_.comments.exists()


# --- the rounds ---------------------------------------------------------------------------


def test_the_resubmission_closes_the_round_and_locks_the_quarter(
    district_officer, approver, unit_a, q3
):
    round_ = give_back(district_officer, unit_a)
    submit(approver, unit_a)
    round_.refresh_from_db()
    assert round_.resubmitted_by == approver and round_.resubmitted_at is not None
    assert not round_.is_open
    assert QuarterSubmission.objects.get(budget_unit=unit_a).status == SUBMITTED
    assert statuses(unit_a) == {ProcurementRecord.Status.SUBMITTED}


def test_a_second_return_is_round_two_and_the_first_is_kept(
    district_officer, city_officer, approver, unit_a, q3
):
    give_back(district_officer, unit_a, comment="第一轮")
    submit(approver, unit_a)
    second = give_back(city_officer, unit_a, comment="第二轮")
    assert second.number == 2
    rounds = returns_by_quarter(user=approver, budget_unit=unit_a, year=2026)[3]
    assert [(r.number, r.comment, r.is_open) for r in rounds] == [
        (1, "第一轮", False),
        (2, "第二轮", True),
    ]


def test_a_return_after_a_reopening_and_resubmission(district_officer, approver, unit_a, q3):
    """A reopening is no round of correction: the first return after it is round 1."""
    quarter_reopen(
        actor=district_officer, budget_unit=unit_a, year=2026, quarter=3, reason="补充凭证"
    )
    submit(approver, unit_a)
    round_ = give_back(district_officer, unit_a)
    assert round_.number == 1
    submit(approver, unit_a)
    round_.refresh_from_db()
    assert not round_.is_open
    assert give_back(district_officer, unit_a).number == 2


def test_returns_by_quarter_is_scoped(district_officer, clerk_b, unit_a, q3):
    give_back(district_officer, unit_a)
    assert returns_by_quarter(user=clerk_b, budget_unit=unit_a, year=2026) == {}
    assert returns_by_quarter(user=district_officer, budget_unit=unit_a, year=2026)[3]


# --- what changed ---------------------------------------------------------------------------


def test_a_round_lists_what_the_unit_changed(
    settings, tmp_path, district_officer, clerk, approver, unit_a, recognised, q3
):
    settings.MEDIA_ROOT = tmp_path
    first, second = q3
    give_back(district_officer, unit_a, record_comments={first.pk: "金额有误"})

    procurement_record_update(
        actor=clerk,
        record=first,
        data=purchase(recognised, purchased_on=Q3, invoice_no="44030009", amount=Decimal("1200")),
        as_of=AS_OF,
    )
    procurement_record_delete(actor=clerk, record=second)
    added = log(clerk, unit_a, recognised, invoice_no="44030003", amount=Decimal("500"))
    log(clerk, unit_a, recognised, purchased_on=datetime.date(2026, 11, 2), invoice_no="4403Q4")
    declaration_set(
        actor=clerk,
        budget_unit=unit_a,
        year=2026,
        quarter=3,
        agri_total=Decimal("90000"),
        as_of=AS_OF,
    )
    submit(approver, unit_a)

    (round_,) = quarter_rounds(
        user=district_officer, budget_unit=unit_a, year=2026, quarter=3
    ).rounds
    changes = {change.kind: change for change in round_.changes.records}
    assert set(changes) == {"added", "corrected", "deleted"}  # the Q4 purchase is not listed
    corrected = changes["corrected"]
    assert corrected.record_id == first.pk and corrected.by == clerk
    assert corrected.fields == [
        ("amount (yuan)", "¥12,000.00", "¥1,200.00"),
        ("invoice number", "44030001", "44030009"),
    ]
    assert changes["deleted"].record_id == second.pk and not changes["deleted"].exists
    assert "44030002" in changes["deleted"].label
    assert changes["added"].record_id == added.pk and "¥500.00" in changes["added"].label
    assert round_.changes.declaration == [
        ("farm-products procurement total (yuan)", "¥100,000.00", "¥90,000.00")
    ]
    assert [note.comment for note in round_.record_comments] == ["金额有误"]


def test_changes_before_the_return_and_after_the_resubmission_are_not_the_rounds(
    district_officer, clerk, approver, unit_a, recognised, q3
):
    first, _second = q3
    round_ = give_back(district_officer, unit_a)
    submit(approver, unit_a)
    quarter_reopen(actor=district_officer, budget_unit=unit_a, year=2026, quarter=3, reason="x")
    procurement_record_update(
        actor=clerk, record=first, data=purchase(recognised, purchased_on=Q3), as_of=AS_OF
    )
    (read,) = quarter_rounds(user=approver, budget_unit=unit_a, year=2026, quarter=3).rounds
    assert read.pk == round_.pk and not read.changes


def test_an_open_round_shows_the_changes_so_far(district_officer, clerk, unit_a, recognised, q3):
    give_back(district_officer, unit_a)
    procurement_record_update(
        actor=clerk,
        record=q3[0],
        data=purchase(recognised, purchased_on=datetime.date(2026, 9, 1), invoice_no="44030001"),
        as_of=AS_OF,
    )
    (round_,) = quarter_rounds(user=clerk, budget_unit=unit_a, year=2026, quarter=3).rounds
    (change,) = round_.changes.records
    assert ("purchase date", "2026-08-10", "2026-09-01") in change.fields


def test_reading_the_rounds_costs_a_fixed_number_of_queries(
    django_assert_max_num_queries, district_officer, clerk, approver, unit_a, recognised, q3
):
    def one_round(n):
        give_back(district_officer, unit_a, record_comments={q3[0].pk: f"第{n}轮"})
        for i in range(3):
            log(clerk, unit_a, recognised, invoice_no=f"R{n}-{i}")
        submit(approver, unit_a)

    one_round(1)
    with django_assert_max_num_queries(12) as few:
        quarter_rounds(user=district_officer, budget_unit=unit_a, year=2026, quarter=3)
    for n in range(2, 5):
        one_round(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        data = quarter_rounds(user=district_officer, budget_unit=unit_a, year=2026, quarter=3)
    assert [len(r.changes.records) for r in data.rounds] == [3, 3, 3, 3]
