"""``suppliers/``, ``bases/`` and ``products/`` of api.md: the same services and scoping as the
pages."""

import datetime

import pytest
from rest_framework.test import APIClient

from products.models import Product, Supplier, SupplierBase
from tests import factories as f

pytestmark = pytest.mark.django_db

SUPPLIERS, BASES, PRODUCTS = "/api/v1/suppliers/", "/api/v1/bases/", "/api/v1/products/"


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def mango(supplier_org):
    return f.ProductFactory(supplier=supplier_org, name="田阳香芒")


def product_body(**changes) -> dict:
    body = {
        "name": "田阳香芒 5斤装",
        "category": "fruit",
        "region": "451003",
        "price": "68.50",
        "supply_volume": "1200",
        "season": "6–9月",
        "households_lifted": 120,
    }
    body.update(changes)
    return body


# --- suppliers ----------------------------------------------------------------------------


def test_suppliers_have_the_fields_of_api_md(clerk, supplier_org):
    row = api_for(clerk).get(SUPPLIERS).json()["results"][0]
    assert {"id", "name", "credit_code", "region", "status"} <= set(row)
    assert row["region"] == "451003" and row["status"] == "active"


def test_a_clerk_reads_active_suppliers_only(clerk, supplier_org):
    pending = f.SupplierFactory(status="pending")
    api = api_for(clerk)
    assert [r["id"] for r in api.get(SUPPLIERS).json()["results"]] == [supplier_org.pk]
    assert api.get(f"{SUPPLIERS}{pending.pk}/").status_code == 404


def test_the_city_office_registers_a_supplier_directly(city_officer, supplier_org):
    api = api_for(city_officer)
    code = f.credit_code("451022")
    response = api.post(
        SUPPLIERS, {"name": "田东县芒果合作社", "credit_code": code, "region": "451022"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "active"
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    refused = api.post(SUPPLIERS, {"name": "x", "credit_code": wrong, "region": "451022"})
    assert refused.status_code == 400 and "credit_code" in refused.json()
    taken = api.post(
        SUPPLIERS, {"name": "x", "credit_code": supplier_org.credit_code, "region": "451022"}
    )
    assert taken.status_code == 400 and "already registered" in taken.json()["credit_code"][0]


@pytest.mark.parametrize("persona", ["reviewer", "district_officer", "supplier", "clerk"])
def test_only_the_city_office_registers_or_activates(request, persona):
    pending = f.SupplierFactory(status="pending")
    api = api_for(request.getfixturevalue(persona))
    body = {"name": "x", "credit_code": f.credit_code(), "region": "451022"}
    assert api.post(SUPPLIERS, body).status_code == 403
    response = api.patch(f"{SUPPLIERS}{pending.pk}/", {"status": "active"}, format="json")
    assert response.status_code in (403, 404)
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_the_city_office_activates_and_refuses_by_status(city_officer):
    first, second = f.SupplierFactory(status="pending"), f.SupplierFactory(status="pending")
    api = api_for(city_officer)
    response = api.patch(f"{SUPPLIERS}{first.pk}/", {"status": "active"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "active"
    no_reason = api.patch(f"{SUPPLIERS}{second.pk}/", {"status": "exited"}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    refused = api.patch(
        f"{SUPPLIERS}{second.pk}/", {"status": "exited", "reason": "执照不符"}, format="json"
    )
    assert refused.json()["status"] == "exited"
    again = api.patch(f"{SUPPLIERS}{second.pk}/", {"status": "active"}, format="json")
    assert again.status_code == 400


def test_a_supplier_patches_its_own_profile_only(supplier, supplier_org, supplier_org_2):
    api = api_for(supplier)
    mine = api.patch(f"{SUPPLIERS}{supplier_org.pk}/", {"contact_name": "王五"}, format="json")
    assert mine.status_code == 200 and mine.json()["contact_name"] == "王五"
    theirs = api.patch(f"{SUPPLIERS}{supplier_org_2.pk}/", {"contact_name": "x"}, format="json")
    assert theirs.status_code == 403
    own_status = api.patch(f"{SUPPLIERS}{supplier_org.pk}/", {"status": "exited"}, format="json")
    assert own_status.status_code == 403
    renamed = api.patch(f"{SUPPLIERS}{supplier_org.pk}/", {"name": "新名"}, format="json")
    assert renamed.status_code == 400
    supplier_org_2.refresh_from_db()
    assert supplier_org_2.contact_name != "x"


@pytest.mark.parametrize("persona", ["reviewer", "city_officer", "district_officer"])
def test_offices_and_reviewers_cannot_edit_supplier_data(request, persona, supplier_org, mango):
    api = api_for(request.getfixturevalue(persona))
    profile = api.patch(f"{SUPPLIERS}{supplier_org.pk}/", {"contact_name": "x"}, format="json")
    assert profile.status_code == 403
    assert api.patch(f"{PRODUCTS}{mango.pk}/", {"price": "1.00"}, format="json").status_code == 403
    assert api.post(PRODUCTS, product_body(), format="json").status_code == 403
    mango.refresh_from_db()
    assert str(mango.price) == "68.00"


# --- bases --------------------------------------------------------------------------------


def test_a_supplier_records_and_corrects_its_bases(supplier, supplier_org, supplier_2):
    api = api_for(supplier)
    response = api.post(
        BASES, {"name": "那坡芒果基地", "region": "451003", "category": "fruit"}, format="json"
    )
    assert response.status_code == 201, response.json()
    base = response.json()
    assert base["supplier"] == supplier_org.pk and base["status"] == "active"
    url = f"{BASES}{base['id']}/"
    patched = api.patch(url, {"area_mu": "850.5", "status": "exited"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["area_mu"] == "850.5" and patched.json()["status"] == "active"
    assert api_for(supplier_2).patch(url, {"name": "x"}, format="json").status_code == 403
    duplicate = api.post(BASES, {"name": "那坡芒果基地", "region": "451003"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()


def test_a_supplier_may_not_create_for_another(supplier, supplier_org_2):
    body = {"supplier": supplier_org_2.pk, "name": "x", "region": "451003"}
    assert api_for(supplier).post(BASES, body, format="json").status_code == 403
    body = product_body(supplier=supplier_org_2.pk)
    assert api_for(supplier).post(PRODUCTS, body, format="json").status_code == 403
    assert not SupplierBase.objects.exists()


def test_a_hidden_base_is_404(supplier, supplier_org_2):
    hidden = SupplierBase.objects.create(
        supplier=supplier_org_2, name="暂停基地", region=f.region("653101"), status="suspended"
    )
    api = api_for(supplier)
    assert api.get(f"{BASES}{hidden.pk}/").status_code == 404
    assert api.patch(f"{BASES}{hidden.pk}/", {"name": "x"}, format="json").status_code == 404


# --- products -----------------------------------------------------------------------------


def test_a_supplier_adds_and_updates_its_products(supplier, supplier_org):
    api = api_for(supplier)
    response = api.post(PRODUCTS, product_body(), format="json")
    assert response.status_code == 201, response.json()
    product = response.json()
    assert product["supplier"] == supplier_org.pk
    assert product["price"] == "68.50" and product["region"] == "451003"
    assert product["status"] == "listed" and product["certifications"] == []
    url = f"{PRODUCTS}{product['id']}/"
    patched = api.patch(url, {"price": "72.00", "households_lifted": 150}, format="json")
    assert patched.status_code == 200
    assert patched.json()["price"] == "72.00" and patched.json()["households_lifted"] == 150
    assert patched.json()["name"] == "田阳香芒 5斤装"


def test_product_refusals_are_400_with_field_messages(supplier, mango):
    api = api_for(supplier)
    negative = api.post(
        PRODUCTS,
        product_body(price="-1.00", supply_volume="-2", households_lifted=-3),
        format="json",
    )
    assert negative.status_code == 400
    assert negative.json()["price"] == ["The price may not be negative."]
    assert "supply_volume" in negative.json() and "households_lifted" in negative.json()
    duplicate = api.post(PRODUCTS, product_body(name="田阳香芒"), format="json")
    assert duplicate.status_code == 400 and "already have a product" in duplicate.json()["name"][0]


def test_cross_supplier_isolation(supplier, supplier_2, mango):
    api = api_for(supplier_2)
    # A listed product of an active supplier is readable by every member, not writable.
    assert api.get(f"{PRODUCTS}{mango.pk}/").status_code == 200
    assert api.patch(f"{PRODUCTS}{mango.pk}/", {"price": "1.00"}, format="json").status_code == 403
    Product.objects.filter(pk=mango.pk).update(status="suspended")
    assert api.get(f"{PRODUCTS}{mango.pk}/").status_code == 404
    assert api.patch(f"{PRODUCTS}{mango.pk}/", {"price": "1.00"}, format="json").status_code == 404
    assert api_for(supplier).get(f"{PRODUCTS}{mango.pk}/").status_code == 200


def test_certifications_are_the_schemes_held_now(clerk, mango):
    f.CertificateFactory(product=mango, valid_until=datetime.date(2099, 12, 31))
    f.CertificateFactory(product=mango, scheme_id="szp", number="SZP-1", status="revoked")
    row = api_for(clerk).get(f"{PRODUCTS}{mango.pk}/").json()
    assert row["certifications"] == ["recognition"]


def test_product_filters(clerk, supplier_org, supplier_org_2):
    f.ProductFactory(supplier=supplier_org, category="fruit")
    f.ProductFactory(supplier=supplier_org_2, category="grain_oil", region=f.region("653101"))
    api = api_for(clerk)
    assert api.get(PRODUCTS, {"supplier": supplier_org.pk}).json()["count"] == 1
    assert api.get(PRODUCTS, {"category": "grain_oil"}).json()["count"] == 1
    assert api.get(PRODUCTS, {"region": "653101"}).json()["count"] == 1
    assert api.get(PRODUCTS, {"status": "listed"}).json()["count"] == 2
    assert api.get(SUPPLIERS, {"q": supplier_org_2.credit_code}).json()["count"] == 1


def test_anonymous_callers_are_refused(client):
    assert client.get(PRODUCTS).status_code in (401, 403)


@pytest.mark.parametrize("size", [3, 30])
def test_lists_run_a_bounded_number_of_queries(city_officer, size, django_assert_max_num_queries):
    for n in range(size):
        supplier = f.SupplierFactory()
        base = SupplierBase.objects.create(
            supplier=supplier, name=f"基地{n}", region=f.region("451003")
        )
        product = f.ProductFactory(supplier=supplier, base=base)
        f.CertificateFactory(product=product, valid_until=datetime.date(2099, 12, 31))
    api = api_for(city_officer)
    for url in (SUPPLIERS, BASES, PRODUCTS):
        with django_assert_max_num_queries(5):
            response = api.get(url)
        assert response.status_code == 200
        assert response.json()["count"] == size
    assert Supplier.objects.count() == size
