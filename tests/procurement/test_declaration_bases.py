"""The three declared bases of the quota rules (issue 9): farm products, canteen food and
union welfare, by service, page and API."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from portal.periods import Quarter, today
from procurement.models import Declaration
from procurement.services import declaration_set

from .test_views import AS_OF, english_and_today  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def declare(actor, unit, **bases):
    return declaration_set(
        actor=actor, budget_unit=unit, year=2026, quarter=4, as_of=AS_OF, **bases
    )


def test_the_bases_are_declared_and_a_base_left_out_keeps_its_value(clerk, unit_a):
    declare(
        clerk,
        unit_a,
        agri_total=Decimal("100000"),
        canteen_total=Decimal("60000"),
        union_welfare_total=Decimal("8000"),
    )
    declare(clerk, unit_a, agri_total=Decimal("120000"), canteen_total=Decimal("0"))
    declaration = Declaration.objects.get()
    assert declaration.agri_total == Decimal("120000")
    assert declaration.canteen_total == Decimal("0")
    assert declaration.union_welfare_total == Decimal("8000")


def test_a_first_declaration_without_the_other_bases_declares_none(clerk, unit_a):
    declare(clerk, unit_a, agri_total=Decimal("100000"))
    declaration = Declaration.objects.get()
    assert (declaration.canteen_total, declaration.union_welfare_total) == (0, 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("canteen_total", Decimal("-0.01")), ("union_welfare_total", Decimal("10000000000.01"))],
)
def test_a_bad_base_is_refused_and_nothing_is_stored(clerk, unit_a, field, value):
    with pytest.raises(ValidationError) as refusal:
        declare(clerk, unit_a, agri_total=Decimal("100"), **{field: value})
    assert field in refusal.value.message_dict
    assert not Declaration.objects.exists()


def test_the_quarters_page_declares_all_three_bases(client, clerk, unit_a):
    client.force_login(clerk)
    page = client.get(reverse("procurement:quarters") + "?year=2026").content.decode()
    assert 'name="canteen_total"' in page and 'name="union_welfare_total"' in page

    response = client.post(
        reverse("procurement:quarters") + "?year=2026",
        {
            "year": 2026,
            "quarter": 4,
            "agri_total": "80,000",
            "canteen_total": "30,000.50",
            "union_welfare_total": "",
        },
        follow=True,
    )

    assert response.status_code == 200
    declaration = Declaration.objects.get(budget_unit=unit_a, year=2026, quarter=4)
    assert declaration.canteen_total == Decimal("30000.50")
    assert declaration.union_welfare_total == 0
    assert "¥30,000.50" in response.content.decode() or 'value="30000.50"' in (
        response.content.decode()
    )


def test_a_negative_base_on_the_page_shows_the_error_next_to_it(client, clerk, unit_a):
    client.force_login(clerk)
    response = client.post(
        reverse("procurement:quarters") + "?year=2026",
        {"year": 2026, "quarter": 4, "agri_total": "100", "union_welfare_total": "-5"},
    )
    assert response.status_code == 200
    assert 'id="id_q4_union_welfare_total_error"' in response.content.decode()
    assert not Declaration.objects.exists()


def test_the_api_declares_and_lists_the_bases(clerk, unit_a):
    api = APIClient()
    api.force_authenticate(clerk)
    quarter = Quarter.of(today())
    response = api.post(
        "/api/v1/declarations/",
        {
            "budget_unit": unit_a.pk,
            "year": quarter.year,
            "quarter": quarter.quarter,
            "agri_total": "5000.00",
            "union_welfare_total": "1200.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["canteen_total"] == "0.00"
    assert response.json()["union_welfare_total"] == "1200.00"
    listed = api.get("/api/v1/declarations/").json()["results"][0]
    assert (listed["agri_total"], listed["union_welfare_total"]) == ("5000.00", "1200.00")

    refused = api.post(
        "/api/v1/declarations/",
        {
            "budget_unit": unit_a.pk,
            "year": quarter.year,
            "quarter": quarter.quarter,
            "agri_total": "5000.00",
            "canteen_total": "-1",
        },
        format="json",
    )
    assert refused.status_code == 400 and "canteen_total" in refused.json()


def test_an_id_no_row_can_have_is_a_clear_400(clerk):
    api = APIClient()
    api.force_authenticate(clerk)
    response = api.post(
        "/api/v1/declarations/",
        {"budget_unit": 10**24, "year": 2026, "quarter": 1, "agri_total": "1.00"},
        format="json",
    )
    assert response.status_code == 400
    assert "budget_unit" in response.json()
