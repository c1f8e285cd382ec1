"""The ``outlets/`` API of api.md: public read of active outlets, offices' writes within their
district, and ``outlets/{id}/status/``."""

import datetime

import pytest
from rest_framework.test import APIClient

from outlets.models import Outlet, OutletStatusChange
from products.models import Product
from tests import factories as f

pytestmark = pytest.mark.django_db

OUTLETS = "/api/v1/outlets/"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def api_for(user=None) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        api.force_authenticate(user)
    return api


def status_url(outlet) -> str:
    return f"{OUTLETS}{outlet.pk}/status/"


@pytest.fixture
def outlets():
    return {
        "futian": f.OutletFactory(name="福田专柜", kind="counter"),
        "nanshan": f.OutletFactory(name="南山专区", kind="zone", district=f.region(f.NANSHAN)),
        "suspended_futian": f.OutletFactory(name="福田暂停", status="suspended"),
        "exited_nanshan": f.OutletFactory(
            name="南山退出",
            district=f.region(f.NANSHAN),
            status="exited",
            exited_on=datetime.date(2025, 6, 30),
        ),
    }


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_the_public_reads_active_outlets_only(outlets):
    response = api_for().get(OUTLETS)
    assert names(response) == {"福田专柜", "南山专区"}
    row = next(r for r in response.json()["results"] if r["name"] == "福田专柜")
    assert row["district"] == f.FUTIAN and row["kind"] == "counter" and row["status"] == "active"
    assert {"id", "address", "venue", "operator", "opened_on", "exited_on", "products"} <= set(row)
    assert names(api_for().get(OUTLETS, {"status": "exited"})) == set()
    assert api_for().get(f"{OUTLETS}{outlets['exited_nanshan'].pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["clerk", "supplier", "reviewer"])
def test_non_office_members_read_active_outlets_only(request, persona, outlets):
    assert names(api_for(request.getfixturevalue(persona)).get(OUTLETS)) == {"福田专柜", "南山专区"}


def test_offices_read_what_they_manage_plus_all_active(district_officer, city_officer, outlets):
    assert names(api_for(district_officer).get(OUTLETS)) == {"福田专柜", "南山专区", "福田暂停"}
    assert len(names(api_for(city_officer).get(OUTLETS))) == 4
    assert names(api_for(city_officer).get(OUTLETS, {"status": "exited"})) == {"南山退出"}


def test_filters(outlets):
    assert names(api_for().get(OUTLETS, {"kind": "zone"})) == {"南山专区"}
    assert names(api_for().get(OUTLETS, {"district": f.FUTIAN})) == {"福田专柜"}
    assert names(api_for().get(OUTLETS, {"q": "南山"})) == {"南山专区"}


def test_the_public_sees_only_catalogue_products(outlets, city_officer):
    listed, suspended = f.ProductFactory(), f.ProductFactory(status=Product.Status.SUSPENDED)
    outlets["futian"].products.add(listed, suspended)
    url = f"{OUTLETS}{outlets['futian'].pk}/"
    assert api_for().get(url).json()["products"] == [listed.pk]
    assert api_for(city_officer).get(url).json()["products"] == sorted([listed.pk, suspended.pk])


def payload(**changes) -> dict:
    values = {
        "kind": "zone",
        "name": "华润万家（福田店）消费帮扶专区",
        "district": f.FUTIAN,
        "address": "深圳市福田区福华路1号",
        "venue": "supermarket",
        "opened_on": "2026-01-05",
        "floor_area": "40.0",
        "latitude": "22.543096",
        "longitude": "114.057865",
    }
    values.update(changes)
    return values


def test_a_district_office_registers_in_its_district_only(district_officer):
    product = f.ProductFactory()
    response = api_for(district_officer).post(
        OUTLETS, payload(products=[product.pk]), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active" and body["products"] == [product.pk]
    assert body["district"] == f.FUTIAN
    refused = api_for(district_officer).post(
        OUTLETS, payload(name="南山的", district=f.NANSHAN), format="json"
    )
    assert refused.status_code == 403
    assert Outlet.objects.count() == 1


@pytest.mark.parametrize("persona", ["clerk", "supplier", "reviewer"])
def test_others_may_not_write(request, persona, outlets):
    api = api_for(request.getfixturevalue(persona))
    assert api.post(OUTLETS, payload(), format="json").status_code == 403
    url = f"{OUTLETS}{outlets['futian'].pk}/"
    assert api.patch(url, {"name": "改名"}, format="json").status_code == 403
    assert (
        api.post(
            status_url(outlets["futian"]), {"status": "suspended", "reason": "price"}
        ).status_code
        == 403
    )
    assert api_for().post(OUTLETS, payload(), format="json").status_code in (401, 403)


def test_validation_errors_are_400_by_field(city_officer):
    response = api_for(city_officer).post(
        OUTLETS, payload(kind="kiosk", opened_on="2999-01-01"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"kind", "opened_on"}


def test_patch_changes_only_what_is_given(district_officer, outlets):
    outlet = outlets["futian"]
    url = f"{OUTLETS}{outlet.pk}/"
    response = api_for(district_officer).patch(url, {"address": "新地址"}, format="json")
    assert response.status_code == 200, response.content
    outlet.refresh_from_db()
    assert (outlet.address, outlet.name, outlet.kind) == ("新地址", "福田专柜", "counter")


def test_patch_outside_the_district_is_refused(district_officer, outlets):
    # Active in 南山: readable by the district office, not its to change.
    url = f"{OUTLETS}{outlets['nanshan'].pk}/"
    assert api_for(district_officer).patch(url, {"address": "x"}, format="json").status_code == 403
    # Moving its own outlet to 南山 is refused too.
    mine = f"{OUTLETS}{outlets['futian'].pk}/"
    moved = api_for(district_officer).patch(mine, {"district": f.NANSHAN}, format="json")
    assert moved.status_code == 403
    # An exited outlet of another district does not exist for it.
    gone = f"{OUTLETS}{outlets['exited_nanshan'].pk}/"
    assert api_for(district_officer).patch(gone, {"address": "x"}, format="json").status_code == 404


def test_status_moves_through_the_api(district_officer, outlets):
    outlet = outlets["futian"]
    api = api_for(district_officer)
    response = api.post(
        status_url(outlet), {"status": "suspended", "reason": "quality", "note": "抽检"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "suspended"
    assert (
        body["change"]["from_status"] == "active"
        and body["change"]["changed_by"] == "district_office"
    )
    again = api.post(status_url(outlet), {"status": "suspended", "reason": "quality"})
    assert again.status_code == 400
    assert "already" in again.json()["non_field_errors"][0]
    other = api.post(status_url(outlet), {"status": "active", "reason": "other"})
    assert other.status_code == 400 and "note" in other.json()
    exited = api.post(status_url(outlet), {"status": "exited", "reason": "no_effect"})
    assert exited.json()["exited_on"] is not None
    assert OutletStatusChange.objects.filter(outlet=outlet).count() == 2


def test_status_outside_the_district_is_refused(district_officer, outlets):
    api = api_for(district_officer)
    response = api.post(status_url(outlets["nanshan"]), {"status": "suspended", "reason": "price"})
    assert response.status_code == 403
    gone = api.post(status_url(outlets["exited_nanshan"]), {"status": "active", "reason": "price"})
    assert gone.status_code == 404
    outlets["nanshan"].refresh_from_db()
    assert outlets["nanshan"].status == "active"


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_runs_a_bounded_number_of_queries(
    city_officer, size, django_assert_max_num_queries
):
    product = f.ProductFactory()
    for n in range(size):
        f.OutletFactory(name=f"专柜{n}").products.add(product)
    for api in (api_for(), api_for(city_officer)):
        with django_assert_max_num_queries(4):
            response = api.get(OUTLETS)
        assert response.json()["count"] == size
