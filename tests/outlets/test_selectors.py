import pytest
from django.contrib.auth.models import AnonymousUser

from outlets.models import Outlet
from outlets.selectors import outlet_for_user, outlet_public, sales_report_for_user
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def outlets():
    return {
        "futian": f.OutletFactory(district=f.region(f.FUTIAN)),
        "nanshan": f.OutletFactory(district=f.region(f.NANSHAN)),
        "exited": f.OutletFactory(district=f.region(f.FUTIAN), status=Outlet.Status.EXITED),
    }


def test_district_office_manages_only_its_district(district_officer, outlets):
    assert set(outlet_for_user(district_officer)) == {outlets["futian"], outlets["exited"]}


def test_city_office_manages_every_outlet(city_officer, outlets):
    assert outlet_for_user(city_officer).count() == 3


def test_the_public_sees_active_outlets_only(outlets):
    assert set(outlet_public()) == {outlets["futian"], outlets["nanshan"]}
    assert set(outlet_for_user(AnonymousUser())) == {outlets["futian"], outlets["nanshan"]}


def test_operator_reads_sales_of_its_own_outlets_only(supplier, supplier_org, outlets):
    from outlets.models import OutletSalesReport

    mine = outlets["futian"]
    mine.operator = supplier_org
    mine.save()
    report = OutletSalesReport.objects.create(outlet=mine, year=2026, month=1, amount=100)
    OutletSalesReport.objects.create(outlet=outlets["nanshan"], year=2026, month=1, amount=5)
    assert list(sales_report_for_user(supplier)) == [report]
