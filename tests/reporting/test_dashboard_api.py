"""api.md ``dashboard/summary/?year=``: the dashboard's aggregates for other systems, with
the same figures, scoping and bounded cost as the page."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from procurement.selectors import compliance_rows
from tests import factories as f

from .test_dashboard import AS_OF, KASHGAR_CITY, YEAR, build_case, grow

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/dashboard/summary/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def case(unit_a, unit_b, monkeypatch):
    monkeypatch.setattr("reporting.api.dashboard.today", lambda: AS_OF)
    return build_case(unit_a, unit_b)


def test_the_summary_of_the_city_in_apimd_fields(case, city_officer):
    response = api_for(city_officer).get(SUMMARY, {"year": YEAR})
    assert response.status_code == 200, response.json()
    data = response.json()
    for name in (
        "total_assistance",
        "target",
        "units_total",
        "units_compliant",
        "by_district",
        "by_region",
        "by_channel",
        "outlets_by_kind",
        "certified_products",
    ):
        assert name in data
    assert data["total_assistance"] == "9250.00"  # money: a decimal string in yuan
    assert data["target"] == "20000.00"
    assert (data["units_total"], data["units_compliant"]) == (4, 1)
    districts = {row["district"]: row for row in data["by_district"]}
    assert districts[f.FUTIAN] == {
        "district": f.FUTIAN,
        "name": "福田区",
        "amount": "3750.00",
        "year_to_date": "3750.00",
        "target": "5000.00",
    }
    assert districts["440303"]["amount"] == "0.00" and districts["440303"]["target"] is None
    regions = {
        row["region"]: (row["amount"], row["target"], row["paired"]) for row in data["by_region"]
    }
    assert regions == {
        f.TIANYANG: ("5000.00", None, True),
        KASHGAR_CITY: ("2500.00", "3000.00", True),
        "451000": ("1750.00", None, False),
    }
    channels = {row["channel"]: row["amount"] for row in data["by_channel"]}
    assert channels == {
        "platform_832": "5000.00",
        "outlet": "2000.00",
        "online_mall": "1500.00",
        "direct": "500.00",
        "buy_for_donation": "250.00",
        "other": "0.00",
    }
    outlets = {row["kind"]: (row["active"], row["opened"]) for row in data["outlets_by_kind"]}
    assert outlets["counter"] == (1, 1) and outlets["zone"] == (1, 1) and outlets["hall"] == (0, 0)
    assert data["certified_products"] == {
        "total": 2,
        "by_scheme": [{"scheme": "recognition", "count": 2}, {"scheme": "szp", "count": 1}],
    }


def test_total_assistance_is_the_sum_of_the_compliance_rows(case, city_officer, district_officer):
    for user in (city_officer, district_officer):
        data = api_for(user).get(SUMMARY, {"year": YEAR}).json()
        rows = compliance_rows(user=user, year=YEAR)
        assert Decimal(data["total_assistance"]) == sum(r.assistance_total for r in rows)
        assert data["units_compliant"] == sum(r.meets_share for r in rows)
        listed = api_for(user).get("/api/v1/procurement/compliance/", {"year": YEAR}).json()
        assert Decimal(data["total_assistance"]) == sum(
            Decimal(row["assistance_total"]) for row in listed["results"]
        )


def test_a_district_office_reads_its_district_whatever_it_asks(case, district_officer):
    data = api_for(district_officer).get(SUMMARY, {"year": YEAR, "district": f.NANSHAN}).json()
    assert data["district"] == f.FUTIAN
    assert data["total_assistance"] == "3750.00"
    assert data["target"] == "5000.00"
    assert [row["district"] for row in data["by_district"]] == [f.FUTIAN]
    assert data["units_total"] == 3


def test_the_city_office_filters_a_district_and_a_quarter(case, city_officer):
    client = api_for(city_officer)
    nanshan = client.get(SUMMARY, {"year": YEAR, "district": f.NANSHAN}).json()
    assert (nanshan["district"], nanshan["total_assistance"]) == (f.NANSHAN, "5500.00")
    quarter = client.get(SUMMARY, {"year": YEAR, "quarter": 3}).json()
    assert (quarter["quarter"], quarter["total_assistance"]) == (3, "2000.00")
    assert client.get(SUMMARY).json()["year"] == AS_OF.year  # the year defaults to this year


@pytest.mark.parametrize(
    "query",
    [{"year": "abc"}, {"year": 1999}, {"quarter": 5}, {"year": YEAR, "district": "999999"}],
)
def test_bad_filters_are_400(case, city_officer, query):
    response = api_for(city_officer).get(SUMMARY, query)
    assert response.status_code == 400
    assert set(response.json()) <= {"year", "quarter", "district"}


@pytest.mark.parametrize("persona", ["clerk", "approver", "supplier", "reviewer"])
def test_others_may_not_read_the_summary(case, persona, request):
    response = api_for(request.getfixturevalue(persona)).get(SUMMARY, {"year": YEAR})
    assert response.status_code == 403


def test_the_public_is_refused(case):
    assert APIClient().get(SUMMARY, {"year": YEAR}).status_code in (401, 403)


def test_token_authentication(case, city_officer):
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "city_office", "password": "portal-demo"}
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert client.get(SUMMARY, {"year": YEAR}).json()["total_assistance"] == "9250.00"


@pytest.mark.parametrize("persona", ["city_officer", "district_officer"])
def test_the_summary_costs_the_same_queries_at_any_size(
    case, persona, request, django_assert_max_num_queries
):
    client = api_for(request.getfixturevalue(persona))
    grow(3)
    with django_assert_max_num_queries(12) as small:
        assert client.get(SUMMARY, {"year": YEAR}).status_code == 200
    grow(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        data = client.get(SUMMARY, {"year": YEAR}).json()
    assert data["units_total"] > 30 // 2
