"""Scoping: a supplier sees only its own applications and certificates; every member reads
active suppliers and products; inactive ones only their owner and the offices."""

import pytest

from products.models import CertificationApplication, CertificationScheme, Product, Supplier
from products.selectors import (
    application_for_user,
    certificate_for_user,
    product_for_user,
    supplier_for_user,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


def _application(supplier_org):
    return CertificationApplication.objects.create(
        supplier=supplier_org,
        scheme=CertificationScheme.objects.get(code="szp"),
        product=f.ProductFactory(supplier=supplier_org),
    )


def test_supplier_sees_only_its_own_applications(supplier, supplier_org, supplier_org_2):
    mine = _application(supplier_org)
    _application(supplier_org_2)
    assert list(application_for_user(supplier)) == [mine]


def test_supplier_sees_only_its_own_certificates(supplier, supplier_org, supplier_org_2):
    mine = f.CertificateFactory(product=f.ProductFactory(supplier=supplier_org))
    f.CertificateFactory(product=f.ProductFactory(supplier=supplier_org_2))
    assert list(certificate_for_user(supplier)) == [mine]


def test_reviewer_and_city_office_see_every_application(
    reviewer, city_officer, supplier_org, supplier_org_2
):
    _application(supplier_org)
    _application(supplier_org_2)
    assert application_for_user(reviewer).count() == 2
    assert application_for_user(city_officer).count() == 2


def test_clerk_sees_no_applications(clerk, supplier_org):
    _application(supplier_org)
    assert not application_for_user(clerk).exists()


def test_inactive_products_are_visible_to_owner_and_offices_only(
    clerk, supplier, supplier_2, district_officer, supplier_org
):
    listed = f.ProductFactory(supplier=supplier_org)
    suspended = f.ProductFactory(supplier=supplier_org, status=Product.Status.SUSPENDED)
    assert list(product_for_user(clerk)) == [listed]
    assert list(product_for_user(supplier_2)) == [listed]
    assert set(product_for_user(supplier)) == {listed, suspended}
    assert set(product_for_user(district_officer)) == {listed, suspended}


def test_pending_supplier_is_hidden_from_clerks_but_not_from_itself(clerk, supplier, supplier_org):
    supplier_org.status = Supplier.Status.PENDING
    supplier_org.save()
    assert not supplier_for_user(clerk).filter(pk=supplier_org.pk).exists()
    assert supplier_for_user(supplier).filter(pk=supplier_org.pk).exists()


def test_public_sees_no_supplier_records(supplier_org):
    from django.contrib.auth.models import AnonymousUser

    assert not supplier_for_user(AnonymousUser()).exists()
    assert not product_for_user(AnonymousUser()).exists()
