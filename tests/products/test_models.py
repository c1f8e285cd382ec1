import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.models import Membership, Role
from products.models import Certificate, CertificationScheme
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_certificate_numbers_are_unique():
    f.CertificateFactory(number="SZP-2025-000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.CertificateFactory(number="SZP-2025-000001")


def test_a_certificate_ends_after_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        f.CertificateFactory(
            valid_from=datetime.date(2026, 1, 1), valid_until=datetime.date(2025, 12, 31)
        )


def test_a_certificate_has_exactly_one_subject(supplier_org):
    product = f.ProductFactory(supplier=supplier_org)
    base = supplier_org.bases.create(name="田阳芒果基地", region=f.region(f.TIANYANG))
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            number="X-1",
            scheme=CertificationScheme.objects.get(code="recognition"),
            supplier=supplier_org,
            product=product,
            base=base,
            valid_from=datetime.date(2025, 1, 1),
            valid_until=datetime.date(2026, 1, 1),
        )


def test_the_three_schemes_ship_with_the_portal():
    assert set(CertificationScheme.objects.values_list("code", flat=True)) == {
        "recognition",
        "szp",
        "base",
    }


def test_a_role_must_fit_its_organisation(supplier_org):
    membership = Membership(user=f.UserFactory(), organisation=supplier_org, role=Role.UNIT_CLERK)
    with pytest.raises(ValidationError) as excinfo:
        membership.full_clean()
    assert "role" in excinfo.value.message_dict
    Membership(user=f.UserFactory(), organisation=supplier_org, role=Role.SUPPLIER).full_clean()
