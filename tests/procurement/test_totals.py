"""The running totals (procurement.totals): what the services add and take away equals a
recomputation from the purchases."""

import datetime
from decimal import Decimal

import pytest

from procurement.models import MonthlyTotal, OriginMonthlyTotal, ProcurementRecord
from procurement.totals import counted, totals_apply, totals_rebuild
from tests import factories as f

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(
            MonthlyTotal.objects.filter(records__gt=0).values_list(
                "budget_unit_id", "month", "channel", "amount", "records"
            )
        ),
        sorted(
            OriginMonthlyTotal.objects.filter(records__gt=0).values_list(
                "district", "month", "origin", "amount", "records"
            )
        ),
    )


def test_applied_differences_equal_a_rebuild(unit_a, unit_b, supplier_org, supplier_org_2):
    records = [
        f.RecordFactory(
            budget_unit=unit,
            supplier=seller,
            purchased_on=datetime.date(2026, month, 9),
            amount=Decimal(amount),
            channel=channel,
        )
        for unit, seller, month, amount, channel in [
            (unit_a, supplier_org, 1, "100.10", "platform_832"),
            (unit_a, supplier_org, 1, "0.20", "platform_832"),
            (unit_a, supplier_org_2, 2, "3280.00", "outlet"),
            (unit_b, supplier_org_2, 2, "55.55", "outlet"),
        ]
    ]
    totals_apply(added=counted(records))
    # a correction: the second moves to March and changes amount; the last is rejected
    before = counted(records[1:2] + records[3:])
    records[1].purchased_on, records[1].amount = datetime.date(2026, 3, 1), Decimal("7.00")
    records[3].status = ProcurementRecord.Status.REJECTED
    for record in records:
        record.save()
    totals_apply(removed=before, added=counted(records[1:2] + records[3:]))
    applied = snapshot()
    assert applied[0] == [
        (unit_a.pk, datetime.date(2026, 1, 1), "platform_832", Decimal("100.10"), 1),
        (unit_a.pk, datetime.date(2026, 2, 1), "outlet", Decimal("3280.00"), 1),
        (unit_a.pk, datetime.date(2026, 3, 1), "platform_832", Decimal("7.00"), 1),
    ]
    totals_rebuild()
    assert snapshot() == applied
