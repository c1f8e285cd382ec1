"""Monthly sales reports (issue 5, point 2): who reports, which months, which amounts, and the
outlets missing a month's report."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from outlets.models import Outlet, OutletSalesReport, OutletStatusChange
from outlets.selectors import Month, last_ended_month, sales_missing, was_active_in
from outlets.services.sales import MAX_MONTHLY_SALES, sales_report_set
from portal.models import ExitReason
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 4, 15)


@pytest.fixture(autouse=True)
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def futian(supplier_org):
    return f.OutletFactory(
        name="福田口岸消费帮扶专柜",
        district=f.region(f.FUTIAN),
        operator=supplier_org,
        opened_on=datetime.date(2025, 6, 10),
    )


@pytest.fixture
def nanshan():
    return f.OutletFactory(
        name="南山消费帮扶专馆", district=f.region(f.NANSHAN), opened_on=datetime.date(2025, 1, 1)
    )


def report(actor, outlet, amount="12345.60", year=2026, month=3):
    return sales_report_set(
        actor=actor, outlet=outlet, year=year, month=month, amount=Decimal(amount), as_of=AS_OF
    )


def change(outlet, day, from_status, to_status):
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    return OutletStatusChange.objects.create(
        outlet=outlet,
        from_status=from_status,
        to_status=to_status,
        reason=ExitReason.OTHER,
        changed_at=moment,
    )


# --- who reports ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supplier", "district_officer", "city_officer"])
def test_the_operator_the_district_office_and_the_city_office_report(request, futian, persona):
    user = request.getfixturevalue(persona)
    result = report(user, futian)
    assert result.created
    saved = OutletSalesReport.objects.get(outlet=futian, year=2026, month=3)
    assert saved.amount == Decimal("12345.60")
    assert saved.reported_by == user


@pytest.mark.parametrize("persona", ["supplier_2", "clerk", "reviewer", "approver"])
def test_others_may_not_report(request, futian, persona):
    with pytest.raises(PermissionDenied):
        report(request.getfixturevalue(persona), futian)
    assert not OutletSalesReport.objects.exists()


def test_a_district_office_may_not_report_another_district(district_officer, nanshan):
    with pytest.raises(PermissionDenied):
        report(district_officer, nanshan)


def test_a_supplier_may_not_report_an_outlet_without_operator(supplier, nanshan):
    with pytest.raises(PermissionDenied):
        report(supplier, nanshan)


# --- months --------------------------------------------------------------------------------


def test_the_current_month_may_be_reported_a_later_one_not(district_officer, futian):
    assert report(district_officer, futian, month=4).created
    with pytest.raises(ValidationError) as refused:
        report(district_officer, futian, month=5)
    assert "2026-05 has not begun yet" in refused.value.message_dict["month"][0]


def test_months_before_the_opening_are_refused(district_officer, futian):
    with pytest.raises(ValidationError) as refused:
        report(district_officer, futian, year=2025, month=5)
    assert "opened on 2025-06-10" in refused.value.message_dict["month"][0]
    # The month it opened in, from the 10th on, is reported.
    assert report(district_officer, futian, year=2025, month=6).created


def test_an_exited_outlet_reports_the_months_it_was_open_only(district_officer, futian):
    change(futian, datetime.date(2026, 2, 20), "active", "exited")
    futian.status, futian.exited_on = Outlet.Status.EXITED, datetime.date(2026, 2, 20)
    futian.save()
    assert report(district_officer, futian, month=1).created
    assert report(district_officer, futian, month=2).created  # its exit month
    with pytest.raises(ValidationError) as refused:
        report(district_officer, futian, month=3)
    assert "exited on 2026-02-20" in refused.value.message_dict["month"][0]


def test_a_month_wholly_suspended_is_refused_a_partly_suspended_one_allowed(
    district_officer, futian
):
    change(futian, datetime.date(2026, 1, 20), "active", "suspended")
    change(futian, datetime.date(2026, 3, 5), "suspended", "active")
    assert report(district_officer, futian, month=1).created  # active until the 20th
    with pytest.raises(ValidationError) as refused:
        report(district_officer, futian, month=2)
    assert "not active at any time in 2026-02" in refused.value.message_dict["month"][0]
    assert report(district_officer, futian, month=3).created  # reinstated on the 5th


def test_an_outlet_suspended_without_recorded_changes_reports_nothing(district_officer, futian):
    futian.status = Outlet.Status.SUSPENDED
    futian.save()
    with pytest.raises(ValidationError):
        report(district_officer, futian)


# --- amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "cannot be negative"),
        ("10000000.01", "check the decimal point"),
        ("12.345", "at most 2 decimal places"),
        ("NaN", "Give the month's sales"),
    ],
)
def test_bad_amounts_are_refused(district_officer, futian, amount, message):
    with pytest.raises(ValidationError) as refused:
        report(district_officer, futian, amount=amount)
    assert message in refused.value.message_dict["amount"][0]
    assert not OutletSalesReport.objects.exists()


def test_zero_and_the_ceiling_are_accepted(district_officer, futian):
    assert report(district_officer, futian, amount="0", month=2).report.amount == 0
    assert report(district_officer, futian, amount=str(MAX_MONTHLY_SALES)).created


def test_a_second_report_corrects_the_first_and_returns_what_it_replaced(
    supplier, district_officer, futian, caplog
):
    report(supplier, futian, amount="100.00")
    with caplog.at_level("INFO", logger="outlets.sales"):
        result = report(district_officer, futian, amount="150.50")
    assert not result.created
    assert result.previous == Decimal("100.00")
    saved = OutletSalesReport.objects.get()
    assert saved.amount == Decimal("150.50")
    assert saved.reported_by == district_officer
    assert "100.00 -> 150.50" in caplog.text


# --- the activity rule and missing reports ------------------------------------------------


def test_month_arithmetic():
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert Month(2025, 12).next() == Month(2026, 1)
    assert Month(2024, 2).last_day == datetime.date(2024, 2, 29)
    assert last_ended_month(as_of=datetime.date(2026, 1, 3)) == Month(2025, 12)
    assert str(Month(2026, 3)) == "2026-03"


def test_missing_reports_on_a_hand_built_case(district_officer, city_officer, supplier_org):
    """March 2026, 福田区: which outlets owe a report."""
    futian = f.region(f.FUTIAN)
    march = Month(2026, 3)

    def outlet(name, **values):
        values.setdefault("opened_on", datetime.date(2025, 1, 1))
        return f.OutletFactory(name=name, district=futian, **values)

    reported = outlet("已报送")
    OutletSalesReport.objects.create(outlet=reported, year=2026, month=3, amount=10)
    silent = outlet("未报送")
    opened_mid_month = outlet("月中开业", opened_on=datetime.date(2026, 3, 18))
    opens_next_month = outlet("下月开业", opened_on=datetime.date(2026, 4, 1))
    exited_in_march = outlet(
        "三月退出", status=Outlet.Status.EXITED, exited_on=datetime.date(2026, 3, 9)
    )
    exited_before = outlet(
        "二月退出", status=Outlet.Status.EXITED, exited_on=datetime.date(2026, 2, 27)
    )
    suspended_all_month = outlet("全月暂停")
    change(suspended_all_month, datetime.date(2026, 2, 1), "active", "suspended")
    suspended_all_month.status = Outlet.Status.SUSPENDED
    suspended_all_month.save()
    suspended_mid_month = outlet("月中暂停")
    change(suspended_mid_month, datetime.date(2026, 3, 15), "active", "suspended")
    suspended_mid_month.status = Outlet.Status.SUSPENDED
    suspended_mid_month.save()
    elsewhere = f.OutletFactory(
        name="南山专柜", district=f.region(f.NANSHAN), opened_on=datetime.date(2025, 1, 1)
    )

    missing = sales_missing(user=district_officer, month=march)
    assert {o.name for o in missing} == {
        silent.name,
        opened_mid_month.name,
        exited_in_march.name,
        suspended_mid_month.name,
    }
    assert not was_active_in(opens_next_month, march)
    assert not was_active_in(exited_before, march)
    assert not was_active_in(suspended_all_month, march)
    # The city office sees every district's; a supplier operating none sees none.
    city_missing = sales_missing(user=city_officer, month=march)
    assert {o.name for o in city_missing} == {o.name for o in missing} | {elsewhere.name}
    assert [o.district_id for o in city_missing] == sorted(o.district_id for o in city_missing)
    elsewhere.operator = supplier_org
    elsewhere.save()
    from portal.models import Role

    operator = f.member(Role.SUPPLIER, supplier_org)
    assert [o.name for o in sales_missing(user=operator, month=march)] == [elsewhere.name]


def test_missing_reports_are_read_in_a_fixed_number_of_queries(
    district_officer, django_assert_max_num_queries
):
    for n in range(25):
        outlet = f.OutletFactory(opened_on=datetime.date(2025, 1, 1))
        change(outlet, datetime.date(2025, 6, 1), "active", "suspended")
        change(outlet, datetime.date(2025, 7, 1), "suspended", "active")
        if n % 2:
            OutletSalesReport.objects.create(outlet=outlet, year=2026, month=3, amount=n)
    sales_missing(user=district_officer, month=Month(2026, 3))  # the actor is cached
    with django_assert_max_num_queries(2):
        assert len(sales_missing(user=district_officer, month=Month(2026, 3))) == 13
