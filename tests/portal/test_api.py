import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_token_then_regions(clerk):
    api = APIClient()
    response = api.post(
        "/api/v1/auth/token/", {"username": "unit_clerk", "password": "portal-demo"}, format="json"
    )
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    response = api.get("/api/v1/regions/", {"parent": "440300"})
    assert response.status_code == 200
    data = response.json()
    assert {"count", "next", "previous", "results"} <= set(data)
    assert data["count"] == 9
    futian = next(r for r in data["results"] if r["code"] == "440304")
    assert futian == {"code": "440304", "name": "福田区", "level": "county", "parent": "440300"}


def test_bad_credentials_give_400():
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_regions_need_authentication():
    assert APIClient().get("/api/v1/regions/").status_code in (401, 403)


def test_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/regions/" in response.content
