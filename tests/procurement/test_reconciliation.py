"""Reconciliation with the 832 platform (issue 9, point 5): the order export is read all rows
or none, each order matches one logged ``platform_832`` purchase at most (by number, else by
amount and date when the fit is unique), and a purchase logged twice for one order is flagged."""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from procurement.models import IntegrityFlag, OrderImport, PlatformOrder, ProcurementRecord
from procurement.reconciliation import platform_orders_import
from procurement.reconciliation_file import HEADERS
from procurement.reconciliation_match import (
    DAYS_AFTER_ORDER,
    DAYS_BEFORE_ORDER,
    platform_orders_match,
)
from procurement.reconciliation_selectors import (
    MATCHED,
    ONLY_LOGGED,
    ONLY_PLATFORM,
    UNKNOWN_UNIT,
    Period,
    state_rows,
    state_totals,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
ORDER_DAY = datetime.date(2026, 3, 10)


def order(unit, **overrides) -> dict:
    values = {
        "订单编号": "DD2026031000001",
        "下单时间": "2026-03-10 10:30:00",
        "采购单位": unit.name,
        "供应商": "百色市田阳区农业发展有限公司",
        "订单金额(元)": "1,280.50",
        "发票号码": "",
        "采购单位统一社会信用代码": "",
    }
    values.update(overrides)
    return values


def csv_bytes(rows, *, encoding="utf-8-sig", headers=HEADERS) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows([[values.get(h, "") for h in headers] for values in rows])
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for values in rows:
        sheet.append([values.get(h, "") for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(actor, rows, *, name="832订单.csv", **kwargs):
    content = xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows, **kwargs)
    return platform_orders_import(actor=actor, name=name, content=content, now=NOW)


def logged(unit, **overrides) -> ProcurementRecord:
    values = {
        "budget_unit": unit,
        "purchased_on": ORDER_DAY,
        "amount": Decimal("1280.50"),
        "channel": "platform_832",
        "invoice_no": "",
    }
    values.update(overrides)
    return f.RecordFactory(**values)


def matched_record(order_no: str) -> ProcurementRecord | None:
    return PlatformOrder.objects.select_related("record").get(order_no=order_no).record


# --- reading the export -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_clerk_imports_its_own_csv_in_each_encoding(clerk, unit_a, encoding):
    result = upload(
        clerk,
        [order(unit_a), order(unit_a, 订单编号="DD2", 下单时间="2026/03/11 08:00")],
        encoding=encoding,
    )
    assert result.errors == []
    assert (result.orders, result.new_orders, result.already_known) == (2, 2, 0)
    stored = PlatformOrder.objects.get(order_no="DD2026031000001")
    assert stored.budget_unit == unit_a
    assert stored.amount == Decimal("1280.50")
    assert stored.ordered_at == datetime.datetime(2026, 3, 10, 10, 30, tzinfo=SHANGHAI)
    assert stored.supplier is None  # a supplier the portal does not know is kept by name
    record = OrderImport.objects.get()
    assert (record.budget_unit, record.orders, record.new_orders) == (unit_a, 2, 2)
    assert record.uploaded_by == clerk
    assert len(record.sha256) == 64


def test_an_xlsx_export_with_synonym_headers_and_date_cells(city_officer, unit_a, supplier_org):
    headers = ("订单号", "下单日期", "采购单位名称", "供应商名称", "订单金额", "发票号")
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    cell_time = datetime.datetime(2026, 3, 10, 9, 0)  # noqa: DTZ001 - an Excel date cell
    sheet.append(["DD9", cell_time, unit_a.name, supplier_org.name, 99.9])
    buffer = io.BytesIO()
    book.save(buffer)
    result = platform_orders_import(
        actor=city_officer, name="订单.xlsx", content=buffer.getvalue(), now=NOW
    )
    assert result.errors == []
    stored = PlatformOrder.objects.get()
    assert (stored.order_no, stored.amount, stored.supplier) == (
        "DD9",
        Decimal("99.90"),
        supplier_org,
    )
    assert timezone_day(stored.ordered_at) == ORDER_DAY
    assert OrderImport.objects.get().budget_unit is None  # the city's export


def timezone_day(moment):
    return moment.astimezone(SHANGHAI).date()


def test_every_bad_row_is_reported_and_nothing_is_stored(clerk, unit_a):
    rows = [
        order(unit_a),  # row 2: good
        order(unit_a, 订单编号="DD3", 下单时间="2026-02-30"),  # row 3: no such day
        order(unit_a, 订单编号="DD4", **{"订单金额(元)": "0"}),  # row 4: not more than zero
        order(unit_a, 订单编号="DD5", **{"订单金额(元)": "-5"}),  # row 5: negative
        order(unit_a, 订单编号="DD6", **{"订单金额(元)": "25000000"}),  # row 6: absurd
        order(unit_a, 订单编号="DD7", **{"订单金额(元)": "12.345"}),  # row 7: three decimals
        order(unit_a),  # row 8: the order number of row 2 again
        order(unit_a, 订单编号="DD9", 下单时间="2027-01-05"),  # row 9: in the future
        order(unit_a, 订单编号=""),  # row 10: no number
    ]
    result = upload(clerk, rows)
    where = [(problem.row, problem.column) for problem in result.errors]
    assert where == [
        (3, "下单时间"),
        (4, "订单金额(元)"),
        (5, "订单金额(元)"),
        (6, "订单金额(元)"),
        (7, "订单金额(元)"),
        (8, "订单编号"),
        (9, "下单时间"),
        (10, "订单编号"),
    ]
    assert "first in row 2" in result.errors[5].message
    assert "implausibly large" in result.errors[3].message
    assert not PlatformOrder.objects.exists()
    assert not OrderImport.objects.exists()


def test_a_missing_column_and_a_wrong_encoding_refuse_the_file(clerk, unit_a):
    headers = [h for h in HEADERS if h != "订单金额(元)"]
    result = upload(clerk, [order(unit_a)], headers=headers)
    assert result.errors[0].row == 1
    assert "订单金额(元)" in result.errors[0].message
    result = upload(clerk, [order(unit_a)], encoding="utf-16")
    assert "encoding" in result.errors[0].message
    result = platform_orders_import(actor=clerk, name="a.xlsx", content=b"PK\x03\x04junk", now=NOW)
    assert "Excel" in result.errors[0].message
    assert not PlatformOrder.objects.exists()


def test_only_a_clerk_or_the_city_office_imports(approver, district_officer, supplier, unit_a):
    from django.core.exceptions import PermissionDenied

    for user in (approver, district_officer, supplier):
        with pytest.raises(PermissionDenied):
            upload(user, [order(unit_a)])


def test_a_clerk_may_not_import_another_unit_s_orders(clerk, unit_a, unit_b):
    result = upload(
        clerk,
        [
            order(unit_a),
            order(unit_b, 订单编号="DD2"),
            order(unit_a, 订单编号="DD3", 采购单位="某个不认识的单位"),
        ],
    )
    assert [(p.row, p.column) for p in result.errors] == [(3, "采购单位"), (4, "采购单位")]
    assert unit_b.name in result.errors[0].message
    assert not PlatformOrder.objects.exists()


def test_the_credit_code_names_the_unit_before_the_name(city_officer, unit_a, unit_b):
    result = upload(
        city_officer,
        [
            # the platform's name of unit A differs from the portal's; its code does not
            order(unit_a, 采购单位="福田区教育局", 采购单位统一社会信用代码=unit_a.credit_code),
            # unit B's name with a code that is not its own: no unit is assumed
            order(unit_b, 订单编号="DD2", 采购单位统一社会信用代码=f.credit_code(f.NANSHAN)),
        ],
    )
    assert result.errors == []
    assert PlatformOrder.objects.get(order_no="DD2026031000001").budget_unit == unit_a
    assert PlatformOrder.objects.get(order_no="DD2").budget_unit is None


def test_the_city_export_keeps_orders_of_unknown_units(city_officer, district_officer, unit_a):
    result = upload(
        city_officer,
        [order(unit_a), order(unit_a, 订单编号="DD2", 采购单位="深圳市不存在局")],
        encoding="gb18030",
    )
    assert result.errors == []
    assert (result.orders, result.new_orders, result.unknown_units) == (2, 2, 1)
    assert OrderImport.objects.get().unknown_units == 1
    unknown = PlatformOrder.objects.get(order_no="DD2")
    assert unknown.budget_unit is None
    assert unknown.buyer_name == "深圳市不存在局"
    period = Period(2026)
    city_rows = state_rows(user=city_officer, state=UNKNOWN_UNIT, period=period)
    assert [o.order_no for o in city_rows] == ["DD2"]
    assert not state_rows(user=district_officer, state=UNKNOWN_UNIT, period=period).exists()


def test_an_order_already_stored_is_not_stored_twice(clerk, city_officer, unit_a, unit_b):
    first = upload(clerk, [order(unit_a)])
    assert first.new_orders == 1
    again = upload(clerk, [order(unit_a), order(unit_a, 订单编号="DD2")])
    assert (again.new_orders, again.already_known) == (1, 1)
    # The city's export brings the same order with its invoice number: the link is filled in,
    # nothing else changes, and the order is not stored again.
    city = upload(
        city_officer,
        [
            order(unit_a, 发票号码="FP001", **{"订单金额(元)": "9.99"}),
            order(unit_b, 订单编号="DD3"),
        ],
    )
    assert (city.new_orders, city.already_known) == (1, 1)
    stored = PlatformOrder.objects.get(order_no="DD2026031000001")
    assert (stored.invoice_no, stored.amount) == ("FP001", Decimal("1280.50"))
    assert stored.order_import == OrderImport.objects.order_by("pk").first()
    assert PlatformOrder.objects.count() == 3


def test_an_order_stored_for_one_unit_is_not_claimed_by_another(
    city_officer, clerk_b, unit_a, unit_b
):
    upload(city_officer, [order(unit_a)])
    result = upload(clerk_b, [order(unit_b)])
    assert [(p.row, p.column) for p in result.errors] == [(2, "订单编号")]
    assert PlatformOrder.objects.get().budget_unit == unit_a


# --- matching -----------------------------------------------------------------------------


def test_an_order_matches_the_purchase_logged_with_its_number(clerk, unit_a):
    record = logged(unit_a, invoice_no="DD2026031000001")
    logged(unit_a, invoice_no="OTHER")  # same amount and day, another number: not preferred
    result = upload(clerk, [order(unit_a)])
    assert result.match.matched == 1
    stored = PlatformOrder.objects.get()
    assert stored.record == record
    assert stored.matched_at == NOW


def test_an_order_matches_by_its_invoice_number(clerk, unit_a):
    record = logged(unit_a, invoice_no="FP12345")
    upload(clerk, [order(unit_a, 发票号码="FP12345")])
    assert matched_record("DD2026031000001") == record


def test_the_order_number_is_preferred_to_the_invoice_number(clerk, unit_a):
    by_invoice = logged(unit_a, invoice_no="FP12345")
    by_order = logged(unit_a, invoice_no="DD2026031000001", supplier=by_invoice.supplier)
    upload(clerk, [order(unit_a, 发票号码="FP12345")])
    assert matched_record("DD2026031000001") == by_order
    flag = IntegrityFlag.objects.get()
    assert (flag.record, flag.related_record) == (by_invoice, by_order)


def test_without_a_number_a_single_fit_of_amount_and_date_matches(clerk, unit_a):
    record = logged(unit_a, purchased_on=ORDER_DAY + datetime.timedelta(days=5))
    upload(clerk, [order(unit_a)])
    assert matched_record("DD2026031000001") == record


def test_two_fits_of_amount_and_date_match_neither(clerk, unit_a):
    logged(unit_a, invoice_no="A")
    logged(unit_a, invoice_no="B")
    upload(clerk, [order(unit_a)])
    assert matched_record("DD2026031000001") is None


def test_one_purchase_that_fits_two_orders_matches_neither(clerk, unit_a):
    logged(unit_a)
    upload(clerk, [order(unit_a), order(unit_a, 订单编号="DD2", 下单时间="2026-03-11 09:00")])
    assert not PlatformOrder.objects.filter(record__isnull=False).exists()


def test_a_purchase_carrying_another_order_s_number_waits_for_it(clerk, unit_a):
    upload(clerk, [order(unit_a, 订单编号="DD-LATER", **{"订单金额(元)": "1"})])
    reserved = logged(unit_a, invoice_no="DD-LATER")  # amount differs from DD-LATER: a typo
    upload(clerk, [order(unit_a)])
    assert matched_record("DD2026031000001") is None
    assert not PlatformOrder.objects.filter(record=reserved).exists()


@pytest.mark.parametrize(
    ("days", "matches"),
    [
        (-DAYS_BEFORE_ORDER, True),
        (-DAYS_BEFORE_ORDER - 1, False),
        (DAYS_AFTER_ORDER, True),
        (DAYS_AFTER_ORDER + 1, False),
    ],
)
def test_the_date_window_of_an_order(clerk, unit_a, days, matches):
    record = logged(
        unit_a,
        invoice_no="DD2026031000001",
        purchased_on=ORDER_DAY + datetime.timedelta(days=days),
    )
    upload(clerk, [order(unit_a)])
    assert (matched_record("DD2026031000001") == record) is matches


def test_near_misses_do_not_match(clerk, unit_a, unit_b):
    logged(unit_a, invoice_no="DD2026031000001", amount=Decimal("1280.51"))  # a cent off
    logged(unit_b, invoice_no="DD2026031000001")  # another unit's
    logged(unit_a, invoice_no="DD2026031000001", channel="outlet", supplier=f.SupplierFactory())
    logged(unit_a, invoice_no="DD2026031000001", status="rejected", supplier=f.SupplierFactory())
    upload(clerk, [order(unit_a)])
    assert matched_record("DD2026031000001") is None
    assert not IntegrityFlag.objects.exists()


def test_a_purchase_logged_twice_for_one_order_is_flagged(clerk, unit_a):
    first = logged(unit_a, invoice_no="DD2026031000001")
    second = logged(unit_a, invoice_no="DD2026031000001", supplier=f.SupplierFactory())
    result = upload(clerk, [order(unit_a)])
    assert (result.match.matched, result.match.flagged) == (1, 1)
    assert matched_record("DD2026031000001") == first
    flag = IntegrityFlag.objects.get()
    assert flag.kind == IntegrityFlag.Kind.COUNTED_TWICE
    assert (flag.record, flag.related_record, flag.budget_unit) == (second, first, unit_a)
    assert flag.status == IntegrityFlag.Status.OPEN
    assert flag.facts["order_no"] == "DD2026031000001"
    assert flag.facts["amount"] == "1280.50"
    assert flag.history.get().history_user == clerk


def test_a_duplicate_logged_after_the_match_is_flagged_by_the_rematch(clerk, unit_a):
    first = logged(unit_a, invoice_no="DD2026031000001")
    upload(clerk, [order(unit_a)])
    later = logged(unit_a, invoice_no="DD2026031000001", supplier=f.SupplierFactory())
    result = platform_orders_match(actor=clerk, now=NOW)
    assert (result.matched, result.flagged) == (0, 1)
    assert IntegrityFlag.objects.get().record == later
    assert matched_record("DD2026031000001") == first


def test_matching_again_changes_nothing(city_officer, clerk, unit_a, unit_b):
    logged(unit_a, invoice_no="DD2026031000001")
    logged(unit_a, invoice_no="DD2026031000001", supplier=f.SupplierFactory())
    logged(unit_b, invoice_no="X", purchased_on=datetime.date(2026, 4, 2))
    upload(
        city_officer,
        [order(unit_a), order(unit_b, 订单编号="DD2", 下单时间="2026-04-01 12:00")],
    )
    links = dict(PlatformOrder.objects.values_list("order_no", "record_id"))
    flags = list(IntegrityFlag.objects.values_list("pk", "record_id"))
    for actor in (city_officer, clerk, None):
        result = platform_orders_match(actor=actor, now=NOW + datetime.timedelta(days=1))
        assert (result.matched, result.released, result.flagged) == (0, 0, 0)
    assert dict(PlatformOrder.objects.values_list("order_no", "record_id")) == links
    assert list(IntegrityFlag.objects.values_list("pk", "record_id")) == flags
    assert all(links.values())


def test_a_purchase_rejected_since_is_released_and_the_next_fit_taken(clerk, unit_a):
    first = logged(unit_a, invoice_no="DD2026031000001")
    upload(clerk, [order(unit_a)])
    ProcurementRecord.objects.filter(pk=first.pk).update(status="rejected")
    result = platform_orders_match(actor=clerk, now=NOW)
    assert (result.released, result.matched) == (1, 0)
    assert matched_record("DD2026031000001") is None
    replacement = logged(unit_a, invoice_no="FIXED", purchased_on=ORDER_DAY)
    assert platform_orders_match(actor=clerk, now=NOW).matched == 1
    assert matched_record("DD2026031000001") == replacement


def test_a_unit_matches_only_its_own_orders(clerk, clerk_b, unit_a, unit_b):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        platform_orders_match(actor=clerk_b, budget_unit_ids=[unit_a.pk], now=NOW)
    upload(clerk, [order(unit_a)])
    logged(unit_a)
    assert platform_orders_match(actor=clerk_b, now=NOW).matched == 0
    assert platform_orders_match(actor=clerk, now=NOW).matched == 1


# --- the result -------------------------------------------------------------------------------


def test_the_result_puts_each_order_and_purchase_in_one_state(city_officer, unit_a, unit_b):
    logged(unit_a, invoice_no="DD1")  # matched
    logged(unit_a, invoice_no="NONE", amount=Decimal("77.00"))  # only logged
    logged(unit_a, invoice_no="R", amount=Decimal("5.00"), status="rejected")  # not counted
    logged(unit_a, invoice_no="O", amount=Decimal("6.00"), channel="outlet")  # not 832
    upload(
        city_officer,
        [
            order(unit_a, 订单编号="DD1"),
            order(unit_a, 订单编号="DD2", **{"订单金额(元)": "300"}),  # only on the platform
            order(unit_b, 订单编号="DD3", 采购单位="外市某局", **{"订单金额(元)": "40"}),
        ],
    )
    totals = state_totals(user=city_officer, period=Period(2026, 3))
    assert totals == {
        MATCHED: {"count": 1, "amount": Decimal("1280.50")},
        ONLY_PLATFORM: {"count": 1, "amount": Decimal("300.00")},
        UNKNOWN_UNIT: {"count": 1, "amount": Decimal("40.00")},
        ONLY_LOGGED: {"count": 1, "amount": Decimal("77.00")},
    }
    assert state_totals(user=city_officer, period=Period(2026, 4))[MATCHED]["count"] == 0
    narrowed = state_totals(user=city_officer, period=Period(2026), budget_unit=unit_b.pk)
    assert all(item["count"] == 0 for item in narrowed.values())


def test_unit_b_s_clerk_sees_nothing_of_unit_a(city_officer, clerk, clerk_b, unit_a):
    logged(unit_a, invoice_no="DD1")
    logged(unit_a, invoice_no="ONLY", amount=Decimal("3.00"))
    upload(city_officer, [order(unit_a, 订单编号="DD1"), order(unit_a, 订单编号="DD2")])
    period = Period(2026)
    for state in (MATCHED, ONLY_PLATFORM, ONLY_LOGGED, UNKNOWN_UNIT):
        assert not state_rows(user=clerk_b, state=state, period=period).exists()
        assert state_rows(user=clerk, state=state, period=period).count() == (
            0 if state == UNKNOWN_UNIT else 1
        )
    assert all(item["count"] == 0 for item in state_totals(user=clerk_b, period=period).values())


def test_the_nightly_task_matches_a_purchase_logged_after_the_import(clerk, unit_a):
    from procurement.tasks import match_platform_orders

    upload(clerk, [order(unit_a)])
    assert matched_record("DD2026031000001") is None  # nothing logged yet: only on the platform
    record = logged(unit_a, invoice_no="DD2026031000001")

    assert match_platform_orders.delay().get() == {"matched": 1, "released": 0, "flagged": 0}
    assert matched_record("DD2026031000001") == record
    assert match_platform_orders.delay().get()["matched"] == 0  # a second night: nothing new


def test_the_beat_schedules_the_matching_before_the_integrity_checks(settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    matching = schedule["procurement.match_platform_orders"]
    checks = schedule["procurement.run_integrity_checks"]
    assert (min(matching.hour), min(matching.minute)) < (min(checks.hour), min(checks.minute))
