"""``base-evaluations/`` (issue 10): scoped reads with stage, scores and rank; filters; the
drawn experts hidden from the supplier; a bounded number of queries."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from .evaluation_builders import YEAR, Status, base_of, drawn, evaluation, experts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
URL = "/api/v1/base-evaluations/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def published(supplier_org):
    first = evaluation(
        base_of(supplier_org, name="田阳蔬菜基地"),
        status=Status.PUBLISHED,
        self_score="90",
        material_score=Decimal("80"),
        expert_score=Decimal("85"),
        final_score="86",
    )
    evaluation(
        base_of(supplier_org, name="田东蔬菜基地"), status=Status.PUBLISHED, final_score="86"
    )
    evaluation(
        base_of(supplier_org, name="平果蔬菜基地"), status=Status.PUBLISHED, final_score="70"
    )
    return first


def test_the_office_reads_every_evaluation_with_its_stage_scores_and_rank(city_officer, published):
    response = api(city_officer).get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3 and {"next", "previous", "results"} <= set(data)
    first = next(row for row in data["results"] if row["id"] == published.pk)
    assert first["base_name"] == "田阳蔬菜基地"
    assert (first["year"], first["category"], first["status"]) == (YEAR, "vegetables", "published")
    assert first["stage"]
    assert (first["self_score"], first["material_score"], first["expert_score"]) == (
        "90.00",
        "80.00",
        "85.00",
    )
    assert (first["monitoring_deduction"], first["final_score"]) == ("0.00", "86.00")
    assert sorted(row["rank"] for row in data["results"]) == [1, 1, 3]
    assert first["experts"] == []
    assert first["actions"] == []


def test_filters_year_category_and_status(reviewer, supplier_org, published):
    evaluation(base_of(supplier_org, name="果园", category="fruit"), status=Status.APPLIED)
    evaluation(base_of(supplier_org, name="去年"), status=Status.PUBLISHED, year=YEAR - 1)
    client = api(reviewer)

    def names(**query):
        return sorted(row["base_name"] for row in client.get(URL, query).json()["results"])

    assert names(category="fruit") == ["果园"]
    assert names(status="applied") == ["果园"]
    assert names(year=YEAR - 1) == ["去年"]
    assert len(names(year=YEAR, status="published")) == 3
    assert client.get(URL, {"status": "nonsense"}).status_code == 400


def test_a_supplier_reads_its_own_without_the_experts(supplier, supplier_2, base_for_site):
    own = api(supplier).get(URL).json()
    assert [row["id"] for row in own["results"]] == [base_for_site.pk]
    assert own["results"][0]["experts"] is None
    assert own["results"][0]["actions"] == []
    assert api(supplier_2).get(URL).json()["count"] == 0
    assert api(supplier_2).get(f"{URL}{base_for_site.pk}/").status_code == 404


@pytest.fixture
def base_for_site(supplier_org):
    site = evaluation(base_of(supplier_org))
    drawn(site, experts(5))
    return site


def test_the_office_reads_the_drawn_experts_and_its_actions(city_officer, base_for_site):
    row = api(city_officer).get(f"{URL}{base_for_site.pk}/").json()
    assert [e["position"] for e in row["experts"]] == [1, 2, 3, 4, 5]
    assert row["experts"][0]["expert"] == "王建国"
    assert row["experts"][0]["score"] is None
    assert row["draw_seed"] == 1
    assert row["status"] == "site_verification" and row["rank"] is None


@pytest.mark.parametrize("persona", ["clerk", "approver"])
def test_units_read_nothing(request, persona, published):
    user = request.getfixturevalue(persona)
    assert api(user).get(URL).json()["count"] == 0
    assert api(user).get(f"{URL}{published.pk}/").status_code == 404


def test_the_public_reads_nothing(published):
    assert api().get(URL).status_code in (401, 403)


def test_read_only(city_officer, published):
    assert api(city_officer).post(URL, {}).status_code == 405
    assert api(city_officer).patch(f"{URL}{published.pk}/", {}).status_code == 405


def test_the_list_reads_in_a_bounded_number_of_queries(
    city_officer, supplier_org, django_assert_max_num_queries
):
    pool = experts(5)
    for i in range(20):
        drawn(evaluation(base_of(supplier_org, name=f"基地{i}")), pool)
    client = api(city_officer)
    # membership, count, the page's rows with their ranks, their drawn experts
    with django_assert_max_num_queries(4):
        response = client.get(URL)
    assert response.json()["count"] == 20
