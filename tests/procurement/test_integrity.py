"""The integrity checks and the review queue (issue 9, point 4): each check on hand-built
purchases, a near miss beside each, idempotent runs, the offices' decisions and their scope."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from portal.errors import ApplicationError
from procurement.imports import procurement_import
from procurement.integrity import (
    SPLIT_THRESHOLD,
    Scope,
    find_lapsed_recognitions,
    find_price_mismatches,
    find_reused_vouchers,
    find_shared_invoices,
    find_split_purchases,
    integrity_checks_run,
)
from procurement.integrity_selectors import describe
from procurement.integrity_services import flag_confirm, flag_dismiss
from procurement.models import (
    IntegrityFlag,
    ProcurementRecord,
    QuarterSubmission,
    Voucher,
)
from procurement.selectors import compliance_rows
from procurement.totals import totals_rebuild
from products.models import Certificate
from tests import factories as f

from .test_imports import csv_bytes, row
from .test_totals import snapshot

pytestmark = pytest.mark.django_db

Kind = IntegrityFlag.Kind
REJECTED = ProcurementRecord.Status.REJECTED
ALL = Scope()
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def found(findings) -> dict[int, int | None]:
    """record id → related record id of each finding."""
    return {finding.record_id: finding.related_record_id for finding in findings}


def buy(unit, supplier, day=(2026, 3, 15), amount="1000.00", **extra) -> ProcurementRecord:
    return f.RecordFactory(
        budget_unit=unit,
        supplier=supplier,
        purchased_on=datetime.date(*day),
        amount=Decimal(amount),
        **extra,
    )


def voucher(record, content=PDF, name="发票.pdf") -> Voucher:
    import hashlib

    return Voucher.objects.create(
        record=record,
        file=ContentFile(content, name="invoice.pdf"),
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


# --- 1. shared invoice ---------------------------------------------------------------------------


def test_an_invoice_claimed_by_two_units_flags_both(unit_a, unit_b, seller, supplier_org_2):
    mine = buy(unit_a, seller, invoice_no="INV-7")
    theirs = buy(unit_b, seller, day=(2026, 6, 2), invoice_no="INV-7")
    # near misses: the same number from another supplier; an empty number; a rejected claim
    buy(unit_b, supplier_org_2, invoice_no="INV-8")
    buy(unit_a, seller, invoice_no="INV-8")
    buy(unit_a, seller, invoice_no="")
    buy(unit_b, seller, invoice_no="")
    buy(unit_a, seller, invoice_no="INV-9")
    buy(unit_b, seller, invoice_no="INV-9", status=REJECTED)
    findings = find_shared_invoices(ALL)
    assert found(findings) == {mine.pk: theirs.pk, theirs.pk: mine.pk}
    facts = next(x for x in findings if x.record_id == mine.pk).facts
    assert facts["other_unit"] == unit_b.name
    assert facts["other_date"] == "2026-06-02"
    # one unit's scope still flags the other side, wherever its date
    narrow = Scope(
        unit_id=unit_a.pk, first=datetime.date(2026, 3, 1), last=datetime.date(2026, 3, 31)
    )
    assert found(find_shared_invoices(narrow)) == {mine.pk: theirs.pk, theirs.pk: mine.pk}


# --- 2. price far from catalogue price × quantity -------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "flagged"),
    [
        ("2000.00", True),  # 294% of 68 × 10
        ("1020.00", False),  # exactly +50%: within the tolerance
        ("1020.01", True),
        ("340.00", False),  # exactly −50%
        ("339.99", True),
        ("700.00", False),
    ],
)
def test_an_amount_far_from_price_times_quantity(unit_a, seller, amount, flagged):
    product = seller.products.get()  # 田阳香芒 at ¥68.00
    record = buy(unit_a, seller, amount=amount, product=product, quantity=Decimal("10"))
    buy(unit_a, seller, amount="9999.00", quantity=Decimal("1"))  # no product: no reference
    buy(unit_a, seller, amount="9999.00", product=product)  # no quantity: no reference
    findings = find_price_mismatches(ALL)
    assert found(findings) == ({record.pk: None} if flagged else {})
    if flagged:
        assert findings[0].facts["expected"] == "680.00"


# --- 3. split purchase ---------------------------------------------------------------------------


def test_purchases_each_just_under_the_limit_within_a_week_are_a_split(
    unit_a, unit_b, seller, supplier_org_2
):
    first = buy(unit_a, seller, day=(2026, 3, 1), amount="45000.00")
    second = buy(unit_a, seller, day=(2026, 3, 7), amount="48000.00")  # 6 days later
    # near misses: a week apart; one piece under the band; another supplier; another unit
    buy(unit_b, seller, day=(2026, 3, 1), amount="45000.00")
    buy(unit_b, seller, day=(2026, 3, 8), amount="45000.00")
    buy(unit_b, supplier_org_2, day=(2026, 5, 1), amount="39999.00")
    buy(unit_b, supplier_org_2, day=(2026, 5, 2), amount="49000.00")
    buy(unit_b, seller, day=(2026, 7, 1), amount="49000.00")
    buy(unit_b, supplier_org_2, day=(2026, 7, 1), amount="49000.00")
    buy(unit_a, seller, day=(2026, 9, 1), amount="45000.00")
    buy(unit_b, seller, day=(2026, 9, 1), amount="45000.00")
    findings = find_split_purchases(ALL)
    assert found(findings) == {first.pk: second.pk, second.pk: first.pk}
    facts = findings[0].facts
    assert facts["count"] == 2
    assert facts["total"] == "93000.00"
    assert facts["threshold"] == f"{SPLIT_THRESHOLD:.2f}"
    assert (facts["first"], facts["last"]) == ("2026-03-01", "2026-03-07")


def test_a_split_across_the_scope_edge_is_found(unit_a, seller):
    inside = buy(unit_a, seller, day=(2026, 4, 1), amount="45000.00")
    outside = buy(unit_a, seller, day=(2026, 3, 30), amount="45000.00")
    scope = Scope(
        unit_id=unit_a.pk, first=datetime.date(2026, 4, 1), last=datetime.date(2026, 4, 30)
    )
    assert found(find_split_purchases(scope)) == {inside.pk: outside.pk}


# --- 4. lapsed recognition -----------------------------------------------------------------------


def test_a_purchase_dated_when_the_recognition_had_lapsed(unit_a, supplier_org, supplier_org_2):
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org),
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2025, 6, 30),
    )
    lapsed = buy(unit_a, supplier_org, day=(2025, 8, 1))
    buy(unit_a, supplier_org, day=(2025, 6, 30))  # the last day of validity: covered
    never = buy(unit_a, supplier_org_2, day=(2025, 3, 1))
    revoked = f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org_2),
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
        status=Certificate.Status.REVOKED,
    )
    under_revoked = buy(unit_a, revoked.supplier, day=(2026, 2, 1))
    findings = {x.record_id: x.facts for x in find_lapsed_recognitions(ALL)}
    assert set(findings) == {lapsed.pk, never.pk, under_revoked.pk}
    assert findings[lapsed.pk]["last_valid_until"] == "2025-06-30"
    assert findings[never.pk]["last_valid_until"] is None


# --- 5. reused voucher ---------------------------------------------------------------------------


def test_a_voucher_file_behind_two_purchases(unit_a, unit_b, seller):
    mine, theirs, own_again = buy(unit_a, seller), buy(unit_b, seller), buy(unit_a, seller)
    voucher(mine)
    voucher(theirs)
    # near misses: a different file; the same file twice on one purchase
    other = buy(unit_a, seller)
    voucher(other, PDF + b"%other")
    voucher(other, PDF + b"%other")
    assert found(find_reused_vouchers(ALL)) == {mine.pk: theirs.pk, theirs.pk: mine.pk}
    voucher(own_again)
    findings = {x.record_id: x for x in find_reused_vouchers(ALL)}
    assert set(findings) == {mine.pk, theirs.pk, own_again.pk}
    assert findings[own_again.pk].facts["others"] == 2
    assert findings[own_again.pk].facts["same_unit"] is True


# --- runs: idempotent, dismissed stays dismissed --------------------------------------------------


@pytest.fixture
def shared(unit_a, unit_b, seller):
    mine = buy(unit_a, seller, invoice_no="INV-7", amount="2000.00")
    theirs = buy(unit_b, seller, invoice_no="INV-7", amount="1500.00")
    return mine, theirs


def test_a_second_run_finds_nothing_new_and_a_dismissed_flag_stays(shared, city_officer):
    first = integrity_checks_run()
    assert first[Kind.SHARED_INVOICE] == 2
    assert integrity_checks_run() == dict.fromkeys(first, 0)
    flag = IntegrityFlag.objects.get(record=shared[0])
    flag_dismiss(actor=city_officer, flag=flag, reason="两张发票复印件一致，确为分开购买")
    integrity_checks_run()
    flag.refresh_from_db()
    assert flag.status == IntegrityFlag.Status.DISMISSED
    assert IntegrityFlag.objects.filter(record=shared[0]).count() == 1


def test_confirm_rejects_the_purchase_and_moves_the_totals(
    shared, district_officer, approver, city_officer
):
    mine, _theirs = shared
    QuarterSubmission.objects.create(
        budget_unit=mine.budget_unit,
        year=2026,
        quarter=1,
        submitted_at=datetime.datetime(2026, 4, 2, tzinfo=datetime.UTC),
    )
    ProcurementRecord.objects.filter(pk=mine.pk).update(status="submitted")
    integrity_checks_run()
    flag = IntegrityFlag.objects.get(record=mine, kind=Kind.SHARED_INVOICE)
    before = compliance_rows(user=city_officer, year=2026)
    flag_confirm(actor=district_officer, flag=flag, reason="发票属南山区人民医院")
    mine.refresh_from_db()
    flag.refresh_from_db()
    assert (mine.status, mine.rejection_reason) == (REJECTED, "发票属南山区人民医院")
    assert (flag.status, flag.decided_by, flag.reason) == (
        "confirmed",
        district_officer,
        "发票属南山区人民医院",
    )
    assert flag.decided_at is not None
    kept = snapshot()
    totals_rebuild()
    assert snapshot() == kept
    after = {row.budget_unit: row for row in compliance_rows(user=city_officer, year=2026)}
    was = {row.budget_unit: row for row in before}
    assert after[mine.budget_unit_id].assistance_total == (
        was[mine.budget_unit_id].assistance_total - Decimal("2000.00")
    )
    # the history names the decision; the unit's staff are told
    assert "发票属南山区人民医院" in mine.history.first().history_change_reason
    assert approver.notifications.filter(title__contains="2026-03-15").exists()
    with pytest.raises(ApplicationError):
        flag_confirm(actor=city_officer, flag=flag, reason="again")


def test_a_decision_needs_a_reason_and_the_right_office(shared, clerk, clerk_b, district_officer):
    integrity_checks_run()
    mine = IntegrityFlag.objects.get(record=shared[0])
    theirs = IntegrityFlag.objects.get(record=shared[1])  # 南山区: not 福田区's office
    with pytest.raises(ValidationError):
        flag_dismiss(actor=district_officer, flag=mine, reason="  ")
    for actor, flag in ((district_officer, theirs), (clerk, mine), (clerk_b, theirs)):
        with pytest.raises(PermissionDenied):
            flag_confirm(actor=actor, flag=flag, reason="x")
    assert not IntegrityFlag.objects.exclude(status="open").exists()


# --- after an import ------------------------------------------------------------------------------


def test_an_import_runs_the_checks_of_its_unit_once_committed(
    clerk, unit_a, seller, django_capture_on_commit_callbacks
):
    content = csv_bytes(
        [
            row(seller, 采购日期="2026-10-05", **{"金额(元)": "46000", "发票号码": "A1"}),
            row(seller, 采购日期="2026-10-08", **{"金额(元)": "47000", "发票号码": "A2"}),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = procurement_import(
            actor=clerk,
            budget_unit=unit_a,
            name="purchases.csv",
            content=content,
            as_of=datetime.date(2026, 11, 23),
        )
    assert result.created == 2
    assert IntegrityFlag.objects.filter(kind=Kind.SPLIT_PURCHASE).count() == 2


# --- the queue's pages ----------------------------------------------------------------------------


def _many_flags(n, unit, seller):
    for index in range(n):
        record = buy(unit, seller, invoice_no=f"M{index}")
        IntegrityFlag.objects.create(
            record=record,
            budget_unit=unit,
            kind=Kind.PRICE_MISMATCH if index % 2 else Kind.SPLIT_PURCHASE,
            facts={
                "count": 2,
                "supplier": "x",
                "first": "2026-03-01",
                "last": "2026-03-02",
                "threshold": "50000.00",
                "total": "90000.00",
            },
        )


QUEUE = "/procurement/integrity/"


def test_the_queue_is_scoped_and_costs_a_bounded_number_of_queries(
    client, district_officer, shared, seller, unit_a, django_assert_max_num_queries
):
    integrity_checks_run()
    client.force_login(district_officer)
    with django_assert_max_num_queries(12) as few:
        response = client.get(QUEUE)
    assert response.status_code == 200
    flags = list(response.context["page"].object_list)
    assert [flag.record_id for flag in flags] == [shared[0].pk]  # not 南山区's side
    assert "INV-7" in response.content.decode()
    _many_flags(30, unit_a, seller)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE, {"kind": "price_mismatch"})
    assert len(response.context["page"].object_list) == 15
    counts = {kind: n for kind, _label, n in response.context["counts"]}
    assert counts["split_purchase"] == 15
    assert counts["shared_invoice"] == 1


def test_a_district_office_cannot_see_or_decide_another_districts_flag(
    client, district_officer, clerk, shared
):
    integrity_checks_run()
    theirs = IntegrityFlag.objects.get(record=shared[1])
    client.force_login(district_officer)
    for url in (f"{QUEUE}{theirs.pk}/", f"{QUEUE}{theirs.pk}/confirm/"):
        assert client.get(url).status_code == 404
    assert client.post(f"{QUEUE}{theirs.pk}/dismiss/", {"reason": "x"}).status_code == 404
    assert client.post(f"{QUEUE}{theirs.pk}/confirm/", {"reason": "x"}).status_code == 404
    client.force_login(clerk)
    assert client.get(QUEUE).status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_confirm_through_the_pages_asks_first_then_rejects(client, district_officer, clerk, shared):
    integrity_checks_run()
    flag = IntegrityFlag.objects.get(record=shared[0])
    client.force_login(district_officer)
    page = client.get(f"{QUEUE}{flag.pk}/")
    assert shared[1].budget_unit.name in page.content.decode()  # the related purchase
    ask = client.get(f"{QUEUE}{flag.pk}/confirm/")
    assert ask.status_code == 200
    shared[0].refresh_from_db()
    assert shared[0].status != REJECTED  # a GET decides nothing
    refused = client.post(f"{QUEUE}{flag.pk}/confirm/", {"reason": ""})
    assert refused.status_code == 200 and refused.context["form"].errors
    done = client.post(f"{QUEUE}{flag.pk}/confirm/", {"reason": "重复报销"})
    assert done.status_code == 302
    shared[0].refresh_from_db()
    assert (shared[0].status, shared[0].rejection_reason) == (REJECTED, "重复报销")
    # the unit reads the reason and the confirmed flag on its purchase
    client.force_login(clerk)
    detail = client.get(f"/procurement/records/{shared[0].pk}/")
    text = detail.content.decode()
    assert "重复报销" in text
    assert [f.pk for f in detail.context["flags"]] == [flag.pk]
    assert shared[1].budget_unit.name not in text  # the other unit stays the office's business


def test_a_unit_does_not_see_open_flags_but_the_office_does(
    client, clerk, district_officer, shared
):
    integrity_checks_run()
    client.force_login(clerk)
    assert client.get(f"/procurement/records/{shared[0].pk}/").context["flags"] == []
    client.force_login(district_officer)
    assert len(client.get(f"/procurement/records/{shared[0].pk}/").context["flags"]) == 1


def test_dismiss_through_the_page(client, district_officer, shared):
    integrity_checks_run()
    flag = IntegrityFlag.objects.get(record=shared[0])
    client.force_login(district_officer)
    assert client.post(f"{QUEUE}{flag.pk}/dismiss/", {"reason": ""}).status_code == 400
    assert client.post(f"{QUEUE}{flag.pk}/dismiss/", {"reason": "已核实"}).status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.reason) == ("dismissed", "已核实")
    shared[0].refresh_from_db()
    assert shared[0].status != REJECTED


def test_the_city_office_runs_the_checks_now(client, city_officer, district_officer, shared):
    client.force_login(district_officer)
    assert client.post(f"{QUEUE}run/").status_code == 403
    client.force_login(city_officer)
    assert client.post(f"{QUEUE}run/").status_code == 302  # Celery eager: run in the request
    assert IntegrityFlag.objects.filter(kind=Kind.SHARED_INVOICE).count() == 2


# --- the API --------------------------------------------------------------------------------------


API = "/api/v1/procurement/integrity-flags/"


def test_the_api_lists_filters_and_decides(
    district_officer, clerk, shared, unit_a, seller, django_assert_max_num_queries
):
    integrity_checks_run()
    api = APIClient()
    api.force_authenticate(district_officer)
    with django_assert_max_num_queries(8) as few:
        data = api.get(API).json()
    assert data["count"] == 1
    (item,) = data["results"]
    assert item["record"]["id"] == shared[0].pk
    assert item["related_record"]["id"] == shared[1].pk
    assert "INV-7" in item["message"]
    _many_flags(20, unit_a, seller)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get(API, {"kind": "split_purchase"}).json()["count"] == 10
    assert api.get(API, {"status": "dismissed"}).json()["count"] == 0
    theirs = IntegrityFlag.objects.get(record=shared[1])
    assert api.get(f"{API}{theirs.pk}/").status_code == 404
    assert api.post(f"{API}{theirs.pk}/confirm/", {"reason": "x"}).status_code == 404
    flag = item["id"]
    assert api.post(f"{API}{flag}/confirm/", {}).status_code == 400
    answer = api.post(f"{API}{flag}/confirm/", {"reason": "重复报销"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "confirmed"
    assert answer.json()["record"]["status"] == REJECTED
    assert api.post(f"{API}{flag}/dismiss/", {"reason": "x"}).status_code == 400  # decided
    api.force_authenticate(clerk)
    assert api.get(API).status_code == 403


def test_every_kind_reads_in_words(unit_a, seller):
    record = buy(unit_a, seller)
    for kind, facts in [
        (
            Kind.LAPSED_RECOGNITION,
            {"supplier": "甲", "date": "2025-08-01", "last_valid_until": None},
        ),
        (
            Kind.REUSED_VOUCHER,
            {
                "file": "a.pdf",
                "others": 1,
                "other_unit": "乙",
                "other_date": "2026-01-01",
                "same_unit": False,
            },
        ),
        (Kind.COUNTED_TWICE, {"order_no": "832-1"}),
    ]:
        flag = IntegrityFlag(record=record, budget_unit=unit_a, kind=kind, facts=facts)
        assert describe(flag)
    broken = IntegrityFlag(
        record=record, budget_unit=unit_a, kind=Kind.PRICE_MISMATCH, facts={"x": 1}
    )
    assert describe(broken) == "x: 1"


def test_the_nightly_task_checks_this_year_and_last(monkeypatch, unit_a, unit_b, seller):
    from procurement import tasks

    monkeypatch.setattr(tasks, "today", lambda: datetime.date(2026, 11, 23))
    old = buy(unit_a, seller, day=(2024, 12, 31), invoice_no="OLD-1")
    buy(unit_b, seller, day=(2024, 12, 30), invoice_no="OLD-1")
    recent = buy(unit_a, seller, day=(2025, 1, 1), invoice_no="NEW-1")
    buy(unit_b, seller, day=(2025, 1, 2), invoice_no="NEW-1")
    result = tasks.run_integrity_checks.delay().get()
    assert result["first"] == "2025-01-01"
    assert result["new_flags"]["shared_invoice"] == 2
    assert IntegrityFlag.objects.filter(record=recent).exists()
    assert not IntegrityFlag.objects.filter(record=old).exists()


def test_confirming_a_second_flag_of_a_rejected_purchase_moves_nothing(
    unit_a, seller, city_officer
):
    record = buy(unit_a, seller, amount="46000.00", day=(2026, 3, 1))
    buy(unit_a, seller, amount="47000.00", day=(2026, 3, 3))
    first = IntegrityFlag.objects.create(
        record=record, budget_unit=unit_a, kind=Kind.PRICE_MISMATCH
    )
    integrity_checks_run()
    second = IntegrityFlag.objects.get(record=record, kind=Kind.SPLIT_PURCHASE)
    flag_confirm(actor=city_officer, flag=first, reason="单价异常")
    kept = snapshot()
    flag_confirm(actor=city_officer, flag=second, reason="拆分采购")
    assert snapshot() == kept
    record.refresh_from_db()
    assert (record.status, record.rejection_reason) == (REJECTED, "拆分采购")
    totals_rebuild()
    assert snapshot() == kept


def test_the_queue_finds_a_unit_by_words_of_its_name(client, city_officer, shared, unit_a, unit_b):
    integrity_checks_run()
    client.force_login(city_officer)
    page = client.get(QUEUE, {"q": "南山"})
    assert [flag.budget_unit_id for flag in page.context["page"].object_list] == [unit_b.pk]
    assert 'name="q"' in page.content.decode()
    assert not client.get(QUEUE, {"q": "无此单位"}).context["page"].object_list
    both = client.get(QUEUE).context["page"].object_list
    assert {flag.budget_unit_id for flag in both} == {unit_a.pk, unit_b.pk}
