"""Empty lists say why they are empty and offer the next step for the role (ui.md: "an empty
state that says what to do next"); a filter that selects nothing offers to clear the filters."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def empty_state(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(
        r'<section class="empty-state" data-testid="([\w-]+)">(.*?)</section>', html, re.S
    )
    assert match, "no empty state on the page"
    return match.group(2)


def links(fragment: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', fragment)


def test_clerk_with_an_empty_ledger_is_offered_to_log_or_import(client, clerk):
    client.force_login(clerk)
    state = empty_state(client.get(reverse("procurement:ledger")))
    assert reverse("procurement:record_create") in links(state)
    assert reverse("procurement:import") in links(state)
    assert "clear-filters" not in state


def test_ledger_filtered_to_nothing_offers_to_clear_the_filters(client, clerk):
    client.force_login(clerk)
    state = empty_state(client.get(reverse("procurement:ledger"), {"channel": "outlet"}))
    assert 'data-testid="clear-filters"' in state
    assert reverse("procurement:record_create") not in links(state)


def test_approver_is_told_the_clerk_logs_purchases(client, approver):
    client.force_login(approver)
    state = empty_state(client.get(reverse("procurement:ledger")))
    assert "clerk logs them" in state
    assert reverse("procurement:record_create") not in links(state)


def test_office_with_an_empty_ledger_is_sent_to_the_units_not_logged(client, district_officer):
    client.force_login(district_officer)
    state = empty_state(client.get(reverse("procurement:ledger")))
    assert reverse("procurement:submission_status") in links(state)


def test_supplier_without_applications_is_offered_a_new_one(client, supplier):
    client.force_login(supplier)
    state = empty_state(client.get(reverse("products:applications")))
    assert reverse("products:application_create") in links(state)


def test_reviewer_with_nothing_to_review_learns_where_applications_come_from(client, reviewer):
    client.force_login(reviewer)
    state = empty_state(client.get(reverse("products:applications"), {"status": "queue"}))
    assert "Suppliers draft their applications" in state
    assert "?status=" in links(state)


def test_supplier_without_certificates_is_offered_a_new_application(client, supplier):
    client.force_login(supplier)
    state = empty_state(client.get(reverse("products:certificates")))
    assert reverse("products:application_create") in links(state)


def test_office_dashboard_without_purchases_points_to_units_not_logged(
    client, city_officer, django_assert_max_num_queries
):
    client.force_login(city_officer)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("reporting:dashboard"), {"year": 2026})
    html = response.content.decode()
    match = re.search(r'data-testid="dashboard-empty">(.*?)</section>', html, re.S)
    assert match, "no empty state on the dashboard"
    assert f"{reverse('procurement:submission_status')}?year=2026" in links(match.group(1))
    assert "clear-filters" not in match.group(1)


def test_filtered_dashboard_without_purchases_offers_to_clear(client, city_officer):
    client.force_login(city_officer)
    response = client.get(reverse("reporting:dashboard"), {"year": 2026, "quarter": 1})
    match = re.search(
        r'data-testid="dashboard-empty">(.*?)</section>', response.content.decode(), re.S
    )
    assert match
    assert f"{reverse('reporting:dashboard')}?year=2026" in links(match.group(1))


def test_dashboard_with_purchases_shows_no_empty_state(client, city_officer, unit_a):
    f.RecordFactory(budget_unit=unit_a)
    client.force_login(city_officer)
    html = client.get(reverse("reporting:dashboard"), {"year": 2026}).content.decode()
    assert 'data-testid="dashboard-empty"' not in html


def test_public_catalogue_without_a_match_offers_to_clear(client):
    state = empty_state(client.get(reverse("products:catalogue"), {"q": "没有这种产品"}))
    assert 'data-testid="clear-filters"' in state
    assert reverse("products:catalogue") in links(state)


def test_no_notifications_is_normal(client, clerk):
    client.force_login(clerk)
    state = empty_state(client.get(reverse("notifications")))
    assert "that is normal" in state
