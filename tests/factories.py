"""Factories for every app: each test builds only what it needs."""

import datetime
import itertools
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from stdnum.cn import uscc

from outlets.models import Outlet
from portal.models import Membership, Organisation, Region, Role
from procurement.models import BudgetUnit, Declaration, ProcurementRecord
from procurement.totals import counted, totals_apply
from products.models import Certificate, CertificationScheme, Product, Supplier

_serial = itertools.count(1)

FUTIAN = "440304"  # 福田区
NANSHAN = "440305"  # 南山区
TIANYANG = "451003"  # 百色市田阳区


def credit_code(division: str = "440304", *, kind: str = "91") -> str:
    """A fresh, valid unified social credit code (GB 32100) registered in ``division``."""
    body = f"{kind}{division}{next(_serial):08d}X"
    return body + uscc.calc_check_digit(body)


def region(code: str) -> Region:
    """Regions ship as reference data (portal/data/regions.csv)."""
    return Region.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("portal-demo")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.CITY_OFFICE
    name = factory.Sequence(lambda n: f"深圳市消费帮扶协作办{n}")
    region = factory.LazyFunction(lambda: region("440300"))


class DistrictOfficeFactory(OrganisationFactory):
    kind = Organisation.Kind.DISTRICT_OFFICE
    name = factory.Sequence(lambda n: f"区协作办{n}")
    region = factory.LazyFunction(lambda: region(FUTIAN))


class BudgetUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetUnit

    kind = Organisation.Kind.BUDGET_UNIT
    name = factory.Sequence(lambda n: f"深圳市第{n}中学")
    category = BudgetUnit.Category.SCHOOL
    region = factory.LazyFunction(lambda: region(FUTIAN))
    credit_code = factory.LazyAttribute(lambda o: credit_code(o.region.code, kind="12"))


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    kind = Organisation.Kind.SUPPLIER
    name = factory.Sequence(lambda n: f"百色芒果专业合作社{n}")
    status = Supplier.Status.ACTIVE
    region = factory.LazyFunction(lambda: region(TIANYANG))
    credit_code = factory.LazyAttribute(lambda o: credit_code(o.region.code))


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Sequence(lambda n: f"百色芒果{n}号")
    category = "fruit"
    region = factory.LazyFunction(lambda: region(TIANYANG))
    price = Decimal("68.00")


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    number = factory.Sequence(lambda n: f"RZ-2025-{n:06d}")
    scheme = factory.LazyFunction(lambda: CertificationScheme.objects.get(code="recognition"))
    product = factory.SubFactory(ProductFactory)
    supplier = factory.SelfAttribute("product.supplier")
    valid_from = datetime.date(2025, 1, 1)
    valid_until = datetime.date(2026, 12, 31)


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    budget_unit = factory.SubFactory(BudgetUnitFactory)
    year = 2026
    quarter = 1
    agri_total = Decimal("100000.00")


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcurementRecord

    budget_unit = factory.SubFactory(BudgetUnitFactory)
    supplier = factory.SubFactory(SupplierFactory)
    purchased_on = datetime.date(2026, 3, 15)
    amount = Decimal("1234.50")
    channel = "platform_832"
    purpose = "canteen"
    invoice_no = factory.Sequence(lambda n: f"{44030000 + n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """A purchase put straight in the database counts in the running totals, as one the
        services save does (procurement.totals)."""
        record = super()._create(model_class, *args, **kwargs)
        totals_apply(added=counted([record]))
        return record


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    kind = Outlet.Kind.COUNTER
    name = factory.Sequence(lambda n: f"消费帮扶专柜{n}")
    district = factory.LazyFunction(lambda: region(FUTIAN))
    address = "深圳市福田区福华路1号"


def member(role: Role, organisation: Organisation, username: str | None = None):
    """A user working for ``organisation`` in ``role``."""
    user = UserFactory(username=username) if username else UserFactory()
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def purchase_form(supplier, **overrides) -> dict:
    """The purchase form's fields (procurement:record_create) as the browser posts them, for a
    purchase of ``supplier``'s on 9 October 2026."""
    data = {
        "supplier": supplier.pk,
        "product": "",
        "purchased_on": "2026-10-09",
        "amount": "3,280.00",
        "quantity": "40",
        "unit": "箱",
        "channel": "platform_832",
        "purpose": "canteen",
        "invoice_no": "44031001",
    }
    data.update(overrides)
    return data
