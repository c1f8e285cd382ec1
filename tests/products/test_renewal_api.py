"""Renewal through the API: ``POST certifications/certificates/{id}/renew/`` opens the same
pre-filled draft as the certificate's page, for its holder only."""

import datetime

import pytest
from rest_framework.test import APIClient

from portal.periods import today
from products.models import CertificationApplication
from tests import factories as f

from .renewal_builders import approved_application, certificate_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(supplier, supplier_org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    mango = f.ProductFactory(supplier=supplier_org, name="田阳香芒")
    application = approved_application(supplier, mango, households=150)
    return certificate_on(application, until=today() + datetime.timedelta(days=40))


def renew(user, certificate):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/v1/certifications/certificates/{certificate.pk}/renew/")


def test_the_holder_opens_a_pre_filled_renewal(supplier, issued):
    response = renew(supplier, issued)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["renews"], body["status"], body["households"]) == (issued.pk, "draft", 150)
    renewal = CertificationApplication.objects.get(pk=body["id"])
    assert renewal.documents.get().carried_from == issued.application.documents.get()
    # A second call finds the renewal open: refused, nothing more created.
    again = renew(supplier, issued)
    assert again.status_code == 400
    assert CertificationApplication.objects.filter(renews=issued).count() == 1


def test_others_cannot_renew(supplier_2, reviewer, issued):
    assert renew(supplier_2, issued).status_code == 404
    assert renew(reviewer, issued).status_code == 403
    assert not CertificationApplication.objects.filter(renews=issued).exists()


def test_the_certificates_say_what_they_renew(supplier, issued):
    newer = certificate_on(None, product=issued.product, renews=issued)
    client = APIClient()
    client.force_authenticate(supplier)
    body = client.get(f"/api/v1/certifications/certificates/{newer.pk}/").json()
    assert body["renews"] == issued.pk
