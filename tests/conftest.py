"""Named personas (style.md): each test reads like a specification of who does what.

The city: 福田区 (district office, unit A with clerk and approver), 南山区 (unit B),
two suppliers, the city office and a reviewer.
"""

import pytest
from django.utils import translation

from portal.models import Role

from . import factories as f


@pytest.fixture
def english(settings, tmp_path):
    """Messages in English (the portal's default language is Chinese) and uploads kept in a
    folder of the test's own; a test module opts in with ``usefixtures("english")``."""
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def city():
    return f.OrganisationFactory(name="深圳市消费帮扶协作办")


@pytest.fixture
def unit_a():
    return f.BudgetUnitFactory(name="深圳市福田区教育局", region=f.region(f.FUTIAN))


@pytest.fixture
def unit_b():
    return f.BudgetUnitFactory(name="深圳市南山区人民医院", region=f.region(f.NANSHAN))


@pytest.fixture
def supplier_org():
    return f.SupplierFactory(name="百色市田阳区农业发展有限公司")


@pytest.fixture
def supplier_org_2():
    return f.SupplierFactory(name="喀什古城香馕食品有限公司", region=f.region("653101"))


@pytest.fixture
def city_officer(city):
    return f.member(Role.CITY_OFFICE, city, "city_office")


@pytest.fixture
def reviewer(city):
    return f.member(Role.REVIEWER, city, "reviewer")


@pytest.fixture
def district_officer():
    office = f.DistrictOfficeFactory(name="福田区协作办", region=f.region(f.FUTIAN))
    return f.member(Role.DISTRICT_OFFICE, office, "district_office")


@pytest.fixture
def clerk(unit_a):
    return f.member(Role.UNIT_CLERK, unit_a, "unit_clerk")


@pytest.fixture
def approver(unit_a):
    return f.member(Role.UNIT_APPROVER, unit_a, "unit_approver")


@pytest.fixture
def clerk_b(unit_b):
    return f.member(Role.UNIT_CLERK, unit_b, "unit_clerk_2")


@pytest.fixture
def supplier(supplier_org):
    return f.member(Role.SUPPLIER, supplier_org, "supplier")


@pytest.fixture
def supplier_2(supplier_org_2):
    return f.member(Role.SUPPLIER, supplier_org_2, "supplier_2")
