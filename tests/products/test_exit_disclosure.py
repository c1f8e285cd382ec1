"""Exits go through public disclosure (公示, issue 10): the city office's decision to exit a
product or base, or to revoke a certificate, is published first, by page and by API, and takes
effect when the period passes unopposed; an upheld objection leaves everything as it was.
Suspending and relisting stay immediate (a protective measure)."""

import datetime

import pytest
from django.urls import reverse

from portal.models import Notification
from products.models import (
    Certificate,
    Disclosure,
    ExitAction,
    Product,
    SupplierBase,
)
from products.services.disclosure import disclosures_settle

from . import disclosures_builders as b
from . import test_oversight
from .disclosures_builders import (  # noqa: F401 - fixtures, found by their names
    frozen_clock,
    mango_product,
)
from .test_oversight import api_for, reload

# The oversight tests' certificates (fixtures): the same subjects, exited through disclosure here.
cert = test_oversight.cert
base_cert = test_oversight.base_cert

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "english")]

Status = Certificate.Status
AFTER = b.LAST_DAY + datetime.timedelta(days=1)


@pytest.fixture
def base(supplier_org):
    return b.base_of(supplier_org)


# --- pages ------------------------------------------------------------------------------------


def test_exiting_a_base_by_page_is_disclosed_then_takes_effect(
    client, city_officer, supplier, base, base_cert, frozen
):
    client.force_login(city_officer)
    url = reverse("products:base_status", args=[base.pk, "exited"])
    confirm = client.get(url).content.decode()
    assert "for public disclosure for 5 working days, until 2026-11-30" in confirm

    done = client.post(url, {"reason": "quality", "note": "连续两次抽检不合格"})

    assert done.status_code == 302
    assert done["Location"] == reverse("products:base_oversight", args=[base.pk])
    assert reload(base).status == SupplierBase.Status.ACTIVE
    assert reload(base_cert).status == Status.VALID
    assert not ExitAction.objects.exists()
    disclosure = Disclosure.objects.get(base=base)
    assert (disclosure.status, disclosure.starts_on, disclosure.ends_on) == (
        "open",
        b.AS_OF,
        b.LAST_DAY,
    )
    assert Notification.objects.filter(recipient=supplier).exists()
    public = client.get(reverse("products:disclosure_detail", args=[disclosure.pk]))
    assert "Exit of base “田阳芒果种植基地” for Quality failure" in public.content.decode()

    # The nightly run on the last day leaves it open; the next night it takes effect.
    assert disclosures_settle(as_of=b.LAST_DAY)["effective"] == 0
    frozen.move_to(b.moment(AFTER, 1))
    assert disclosures_settle(as_of=AFTER)["effective"] == 1
    assert reload(base).status == SupplierBase.Status.EXITED
    assert reload(base_cert).status == Status.REVOKED
    step = ExitAction.objects.get(base=base)
    assert (step.action, step.reason, step.note, step.actor) == (
        "exit",
        "quality",
        "连续两次抽检不合格",
        city_officer,
    )


def test_an_upheld_objection_leaves_the_product_listed(client, city_officer, mango, cert, frozen):
    client.force_login(city_officer)
    client.post(
        reverse("products:product_status", args=[mango.pk, "exited"]),
        {"reason": "price", "note": "售价高于市场价40%"},
    )
    disclosure = Disclosure.objects.get(product=mango)
    b.uphold(
        disclosure,
        city_officer,
        note="经核实已调价，不予退出。",
        text="价格已按要求调整，附调价通知。",
    )
    frozen.move_to(b.moment(AFTER, 1))
    assert disclosures_settle(as_of=AFTER)["effective"] == 0
    assert reload(mango).status == Product.Status.LISTED
    assert reload(cert).status == Status.VALID
    assert reload(disclosure).status == Disclosure.Status.WITHDRAWN
    # Withdrawn: the office may decide another exit.
    client.force_login(city_officer)  # the session of a week ago has expired
    page = client.get(reverse("products:product_oversight", args=[mango.pk])).content.decode()
    assert reverse("products:product_status", args=[mango.pk, "exited"]) in page
    assert 'data-testid="exit-disclosure"' not in page


def test_a_second_exit_while_one_is_disclosed_is_refused_on_the_form(client, city_officer, mango):
    client.force_login(city_officer)
    url = reverse("products:product_status", args=[mango.pk, "exited"])
    client.post(url, {"reason": "quality", "note": "抽检不合格"})
    again = client.post(url, {"reason": "price", "note": "价格虚高"})
    assert again.status_code == 200
    assert "already in public disclosure" in again.content.decode()
    assert Disclosure.objects.filter(product=mango).count() == 1


def test_suspending_stays_immediate(client, city_officer, mango, cert):
    client.force_login(city_officer)
    done = client.post(
        reverse("products:product_status", args=[mango.pk, "suspended"]),
        {"reason": "quality", "note": "抽检不合格，暂停整改"},
    )
    assert done.status_code == 302
    assert reload(mango).status == Product.Status.SUSPENDED
    assert not Disclosure.objects.exists()
    # And a suspended product may still be exited, through disclosure.
    client.post(
        reverse("products:product_status", args=[mango.pk, "exited"]),
        {"reason": "quality", "note": "整改期满仍不合格"},
    )
    assert reload(mango).status == Product.Status.SUSPENDED
    assert Disclosure.objects.get().product == mango


def test_the_exit_form_still_asks_for_a_reason(client, city_officer, mango):
    client.force_login(city_officer)
    url = reverse("products:product_status", args=[mango.pk, "exited"])
    page = client.post(url, {"reason": "other", "note": ""})
    assert page.status_code == 200
    assert "when you choose “Other”" in page.content.decode()
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer", "district_officer", "supplier"])
def test_only_the_city_office_decides_an_exit(request, client, persona, mango):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("products:product_status", args=[mango.pk, "exited"])
    assert client.post(url, {"reason": "quality", "note": "x"}).status_code == 403
    assert not Disclosure.objects.exists()


# --- API --------------------------------------------------------------------------------------


def test_api_revoking_a_certificate_answers_202_with_its_disclosure(city_officer, cert, frozen):
    api = api_for(city_officer)
    url = f"/api/v1/oversight/certificates/{cert.pk}/status/"
    response = api.post(
        url, {"status": "revoked", "reason": "integrity", "note": "冒用认证标志"}, format="json"
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    disclosure = Disclosure.objects.get(certificate=cert)
    assert body["status"] == "valid"
    assert body["disclosure"] == {
        "id": disclosure.pk,
        "status": "open",
        "removal": "revoke",
        "reason": "integrity",
        "starts_on": "2026-11-23",
        "ends_on": "2026-11-30",
        "url": f"http://testserver/products/disclosures/{disclosure.pk}/",
    }
    assert reload(cert).status == Status.VALID
    # GET says the same until it takes effect.
    assert api.get(f"/api/v1/oversight/certificates/{cert.pk}/").json()["disclosure"]["id"] == (
        disclosure.pk
    )
    again = api.post(url, {"status": "revoked", "reason": "quality"}, format="json")
    assert again.status_code == 400
    assert "already in public disclosure" in again.json()["non_field_errors"][0]

    frozen.move_to(b.moment(AFTER, 1))
    disclosures_settle(as_of=AFTER)
    assert reload(cert).status == Status.REVOKED
    after = api.get(f"/api/v1/oversight/certificates/{cert.pk}/").json()
    assert (after["status"], after["disclosure"]) == ("revoked", None)


def test_api_exiting_a_base_answers_202(city_officer, base, base_cert):
    response = api_for(city_officer).post(
        f"/api/v1/oversight/bases/{base.pk}/status/",
        {"status": "exited", "reason": "no_effect", "note": "连续两年带贫成效不明显"},
        format="json",
    )
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "active"
    assert response.json()["disclosure"]["removal"] == "exit"
    assert reload(base_cert).status == Status.VALID


def test_api_suspending_stays_immediate_with_no_disclosure(city_officer, cert, mango):
    api = api_for(city_officer)
    response = api.post(
        f"/api/v1/oversight/certificates/{cert.pk}/status/",
        {"status": "suspended", "reason": "quality", "note": "抽检不合格"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["disclosure"]) == ("suspended", None)
    product = api.post(
        f"/api/v1/oversight/products/{mango.pk}/status/",
        {"status": "suspended", "reason": "price"},
        format="json",
    )
    assert product.status_code == 200
    assert product.json()["status"] == "suspended"
    assert not Disclosure.objects.exists()


def test_api_a_revoked_certificate_cannot_be_revoked_again(city_officer, cert):
    Certificate.objects.filter(pk=cert.pk).update(status=Status.REVOKED)
    response = api_for(city_officer).post(
        f"/api/v1/oversight/certificates/{cert.pk}/status/",
        {"status": "revoked", "reason": "quality"},
        format="json",
    )
    assert response.status_code == 400
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer", "district_officer", "supplier", "clerk"])
def test_api_only_the_city_office_changes_a_status(request, persona, cert, mango, base):
    """Suspending (immediate) and exiting or revoking (through disclosure) alike: 403 to every
    other role, and nothing written."""
    api = api_for(request.getfixturevalue(persona))
    for url, targets in (
        (f"/api/v1/oversight/certificates/{cert.pk}/status/", ("suspended", "revoked")),
        (f"/api/v1/oversight/products/{mango.pk}/status/", ("suspended", "exited")),
        (f"/api/v1/oversight/bases/{base.pk}/status/", ("suspended", "exited")),
    ):
        for target in targets:
            response = api.post(url, {"status": target, "reason": "quality"}, format="json")
            assert response.status_code == 403, (url, target)
    assert not ExitAction.objects.exists()
    assert not Disclosure.objects.exists()


def test_the_schema_documents_the_202(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/oversight/certificates/{id}/status/",
        "/api/v1/oversight/products/{id}/status/",
        "/api/v1/oversight/bases/{id}/status/",
    ):
        responses = schema["paths"][path]["post"]["responses"]
        assert {"200", "202"} <= set(responses), path
