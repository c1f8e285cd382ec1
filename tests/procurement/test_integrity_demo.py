"""The demo's planted suspicious purchases (reporting.demo.integrity): each check finds its
case, the demo's promises still hold, and a second run adds nothing."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from procurement.models import IntegrityFlag, ProcurementRecord, Voucher
from reporting.demo.build import verify
from reporting.demo.context import SeedContext
from reporting.demo.integrity import INVOICE_PREFIX, seed_integrity

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 8, 15)


def test_the_demo_plants_one_case_of_each_check_idempotently(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command(
        "seed_demo",
        "--units",
        "12",
        "--records",
        "600",
        "--as-of",
        AS_OF.isoformat(),
        stdout=StringIO(),
    )
    from portal.models import Membership

    def unit_of(username):
        return Membership.objects.get(user__username=username).organisation.budgetunit

    unit_a, unit_b = unit_of("unit_clerk"), unit_of("unit_clerk_2")
    clerks = {
        unit_a.pk: Membership.objects.get(user__username="unit_clerk").user_id,
        unit_b.pk: Membership.objects.get(user__username="unit_clerk_2").user_id,
    }
    ctx = SeedContext(seed=1, as_of=AS_OF, password="x", units=12, records=600, log=lambda m: None)
    seed_integrity(ctx, unit_a=unit_a, unit_b=unit_b, clerks=clerks)
    verify(ctx, unit_a=unit_a.pk)
    planted = ProcurementRecord.objects.filter(invoice_no__startswith=INVOICE_PREFIX)
    assert planted.count() == 6
    flagged = {
        kind: set(
            IntegrityFlag.objects.filter(kind=kind, record__in=planted).values_list(
                "record__invoice_no", flat=True
            )
        )
        for kind in IntegrityFlag.Kind.values
    }
    assert flagged["shared_invoice"] == {f"{INVOICE_PREFIX}SHARED-0612"}
    assert len(IntegrityFlag.objects.filter(kind="shared_invoice", record__in=planted)) == 2
    assert flagged["split_purchase"] == {f"{INVOICE_PREFIX}SPLIT-{n}" for n in (1, 2, 3)}
    assert flagged["price_mismatch"] == {f"{INVOICE_PREFIX}PRICE-1"}
    assert len(IntegrityFlag.objects.filter(kind="reused_voucher", record__in=planted)) == 2
    # unit A's open quarter keeps its purchases open; unit B's is submitted
    assert set(planted.filter(budget_unit=unit_a).values_list("status", flat=True)) == {"recorded"}
    assert set(planted.filter(budget_unit=unit_b).values_list("status", flat=True)) == {"submitted"}
    counts = (planted.count(), Voucher.objects.count(), IntegrityFlag.objects.count())
    again = SeedContext(
        seed=1, as_of=AS_OF, password="x", units=12, records=600, log=lambda m: None
    )
    assert sum(seed_integrity(again, unit_a=unit_a, unit_b=unit_b, clerks=clerks).values()) == 0
    assert (planted.count(), Voucher.objects.count(), IntegrityFlag.objects.count()) == counts
    assert not again.created and not again.updated
