"""The city office sets the year's further quota rules (reporting.quota_rules): the services'
validation in clear words, their history, and the list, add, edit and delete pages (city office
only; delete behind a confirmation page)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from procurement.models import QuotaPolicy, QuotaRule
from reporting.quota_rules import (
    RuleValues,
    quota_rule_create,
    quota_rule_delete,
    quota_rule_update,
)

pytestmark = pytest.mark.django_db
D = Decimal
LIST = reverse("reporting:quota_rules")
ADD = reverse("reporting:quota_rule_create")
TARGETS = reverse("reporting:targets")
CANTEEN_832 = "832平台采购食堂食材不低于10%"


@pytest.fixture(autouse=True)
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    import datetime

    today = lambda: datetime.date(2026, 11, 23)  # noqa: E731
    monkeypatch.setattr("reporting.views.bulletins.today", today)
    monkeypatch.setattr("reporting.views.quota_rules.today", today)


def values(**overrides) -> RuleValues:
    data = {
        "name": CANTEEN_832,
        "base": "canteen",
        "ratio": D("0.100"),
        "channels": ["platform_832"],
        "categories": ["school", "agency"],
        "note": "国家乡村振兴局等部门的要求",
    }
    data.update(overrides)
    return RuleValues(**data)


def form(**overrides) -> dict:
    data = {
        "year": "2026",
        "name": CANTEEN_832,
        "base": "canteen",
        "ratio": "10",
        "channels": ["platform_832"],
        "categories": ["agency", "school"],
        "note": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def rule(city_officer):
    return quota_rule_create(actor=city_officer, year=2026, values=values())


# --- services ---------------------------------------------------------------------------------


def test_adding_a_rule_to_a_year_without_a_policy_sets_the_standard_policy(city_officer):
    rule = quota_rule_create(actor=city_officer, year=2026, values=values())
    policy = QuotaPolicy.objects.get(year=2026)
    assert (policy.ratio, policy.growth_required) == (D("0.300"), True)
    assert policy.history.get().history_user == city_officer
    assert rule.policy == policy and rule.position == 0
    # channels and categories are kept in their choices' order
    assert rule.channels == ["platform_832"] and rule.categories == ["agency", "school"]
    version = rule.history.get()
    assert version.history_user == city_officer
    assert version.history_change_reason == "Quota rule added"


def test_rules_are_added_after_the_others(city_officer, rule):
    second = quota_rule_create(
        actor=city_officer, year=2026, values=values(name="工会福利50%", base="union_welfare")
    )
    assert second.position == rule.position + 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ratio": D("0")}, "ratio", "must be more than 0%"),
        ({"ratio": D("-0.1")}, "ratio", "must be more than 0%"),
        ({"ratio": D("1.5")}, "ratio", "cannot be more than 100%"),
        ({"ratio": D("0.1234")}, "ratio", "one decimal place at most"),
        ({"name": "  "}, "name", "Give the rule a name"),
        ({"name": "名" * 101}, "name", "100 characters at most"),
        ({"base": "gifts"}, "base", "Choose the declared total"),
        ({"channels": ["platform_832", "wechat"]}, "channels", "Unknown channel: wechat"),
        ({"categories": ["school", "army"]}, "categories", "Unknown unit category: army"),
    ],
)
def test_validation_in_clear_words(city_officer, overrides, field, message):
    with pytest.raises(ValidationError) as refused:
        quota_rule_create(actor=city_officer, year=2026, values=values(**overrides))
    assert message in " ".join(refused.value.message_dict[field])
    assert not QuotaRule.objects.exists()


def test_a_name_is_unique_in_its_year(city_officer, rule):
    with pytest.raises(ValidationError) as refused:
        quota_rule_create(actor=city_officer, year=2026, values=values(base="agri"))
    assert "already have a rule named" in refused.value.message_dict["name"][0]
    other_year = quota_rule_create(actor=city_officer, year=2025, values=values())
    assert other_year.policy.year == 2025
    second = quota_rule_create(actor=city_officer, year=2026, values=values(name="另一条"))
    with pytest.raises(ValidationError):
        quota_rule_update(actor=city_officer, rule=second, values=values())


def test_a_100_percent_rule_is_allowed(city_officer):
    rule = quota_rule_create(actor=city_officer, year=2026, values=values(ratio=D("1")))
    assert rule.ratio == D("1.000")


@pytest.mark.parametrize("persona", ["district_officer", "clerk", "supplier", "reviewer"])
def test_only_the_city_office_sets_rules(request, persona, rule):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        quota_rule_create(actor=actor, year=2026, values=values(name="x"))
    with pytest.raises(PermissionDenied):
        quota_rule_update(actor=actor, rule=rule, values=values(ratio=D("0.2")))
    with pytest.raises(PermissionDenied):
        quota_rule_delete(actor=actor, rule=rule)
    assert QuotaRule.objects.get().ratio == D("0.100")


def test_changing_a_rule_is_a_version_and_the_same_values_change_nothing(city_officer, rule):
    saved = quota_rule_update(actor=city_officer, rule=rule, values=values())
    assert not saved.changed and rule.history.count() == 1
    saved = quota_rule_update(
        actor=city_officer, rule=rule, values=values(ratio=D("0.120"), channels=[])
    )
    assert saved.changed
    rule.refresh_from_db()
    assert rule.ratio == D("0.120") and rule.channels == []
    latest = rule.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "Quota rule changed"
    assert latest.history_user == city_officer


def test_removing_a_rule_keeps_its_history(city_officer, rule):
    quota_rule_delete(actor=city_officer, rule=rule)
    assert not QuotaRule.objects.exists()
    removed = QuotaRule.history.filter(id=rule.pk).order_by("-history_date").first()
    assert removed.history_type == "-" and removed.history_user == city_officer
    assert removed.history_change_reason == "Quota rule removed"


# --- pages ------------------------------------------------------------------------------------


def test_the_city_office_adds_a_rule_in_the_browser(client, city_officer):
    client.force_login(city_officer)
    page = client.get(ADD, {"year": 2026})
    assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in page.content.decode()
    response = client.post(ADD, form(), follow=True)
    assert response.redirect_chain[-1][0] == f"{LIST}?year=2026"
    rule = QuotaRule.objects.get()
    assert (rule.name, rule.base, rule.ratio) == (CANTEEN_832, "canteen", D("0.100"))
    body = response.content.decode()
    assert "is added" in body and CANTEEN_832 in body
    assert "at least 10.0% of the declared canteen-food total" in body
    assert "832 platform" in body  # its channel by name
    assert "Quota rule added" in body  # the trail


def test_the_form_shows_refusals_beside_the_fields(client, city_officer):
    client.force_login(city_officer)
    response = client.post(ADD, form(ratio="150"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "The required share cannot be more than 100%." in body
    assert 'data-testid="error-summary"' in body
    response = client.post(ADD, form(ratio="abc", channels=["nowhere"]))
    assert "Give the required share as a percentage" in response.content.decode()
    assert response.context["form"].errors["channels"]
    assert not QuotaRule.objects.exists()


def test_the_city_office_edits_a_rule(client, city_officer, rule):
    client.force_login(city_officer)
    edit = reverse("reporting:quota_rule_edit", args=[rule.pk])
    page = client.get(edit).content.decode()
    assert 'value="10"' in page and CANTEEN_832 in page
    response = client.post(edit, form(ratio="12.5", categories=[]), follow=True)
    assert response.redirect_chain[-1][0] == f"{LIST}?year=2026"
    rule.refresh_from_db()
    assert rule.ratio == D("0.125") and rule.categories == []
    response = client.post(edit, form(ratio="12.5", categories=[]), follow=True)
    assert "Nothing changed." in response.content.decode()


def test_delete_asks_for_confirmation_first(client, city_officer, rule):
    client.force_login(city_officer)
    delete = reverse("reporting:quota_rule_delete", args=[rule.pk])
    page = client.get(delete).content.decode()
    assert CANTEEN_832 in page and "Delete the rule" in page
    assert QuotaRule.objects.exists()
    response = client.post(delete, follow=True)
    assert response.redirect_chain[-1][0] == f"{LIST}?year=2026"
    assert not QuotaRule.objects.exists()
    assert "Quota rule removed" in response.content.decode()


def test_an_unknown_rule_is_404(client, city_officer):
    client.force_login(city_officer)
    assert client.get(reverse("reporting:quota_rule_edit", args=[999])).status_code == 404
    assert client.post(reverse("reporting:quota_rule_delete", args=[999])).status_code == 404


@pytest.mark.parametrize(
    "persona", ["district_officer", "clerk", "approver", "supplier", "reviewer"]
)
def test_others_may_not_open_the_rule_pages(client, request, persona, rule):
    client.force_login(request.getfixturevalue(persona))
    for url in (
        LIST,
        ADD,
        reverse("reporting:quota_rule_edit", args=[rule.pk]),
        reverse("reporting:quota_rule_delete", args=[rule.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(ADD, form(name="x")).status_code == 403
    assert client.post(reverse("reporting:quota_rule_delete", args=[rule.pk])).status_code == 403
    assert QuotaRule.objects.count() == 1


def test_anonymous_visitors_go_to_the_login_page(client):
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_posting_without_the_csrf_token_is_refused(city_officer, rule):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(city_officer)
    response = client.post(reverse("reporting:quota_rule_delete", args=[rule.pk]))
    assert response.status_code == 403
    assert QuotaRule.objects.exists()


def test_the_list_shows_the_years_rules(client, city_officer, rule):
    client.force_login(city_officer)
    body = client.get(LIST, {"year": 2026}).content.decode()
    assert 'data-testid="rule-main"' in body and 'data-testid="rule-growth"' in body
    assert f'data-testid="rule-{rule.pk}"' in body
    assert reverse("reporting:quota_rule_edit", args=[rule.pk]) in body
    empty = client.get(LIST, {"year": 2025}).content.decode()
    assert 'data-testid="no-further-rules"' in empty


@pytest.mark.parametrize("persona", ["city_officer", "district_officer"])
def test_the_targets_page_lists_the_rules(client, request, persona, rule):
    client.force_login(request.getfixturevalue(persona))
    body = client.get(TARGETS, {"year": 2026}).content.decode()
    assert 'data-testid="policy-rules"' in body and CANTEEN_832 in body
    assert ('data-testid="manage-rules"' in body) is (persona == "city_officer")


def test_the_targets_page_costs_no_more_queries_with_rules(
    client, city_officer, rule, django_assert_max_num_queries
):
    for n in range(5):
        quota_rule_create(actor=city_officer, year=2026, values=values(name=f"规则{n}"))
    client.force_login(city_officer)
    with django_assert_max_num_queries(9):
        client.get(TARGETS, {"year": 2026})


def test_the_list_costs_the_same_queries_with_many_rules(
    client, city_officer, rule, django_assert_max_num_queries
):
    client.force_login(city_officer)
    with django_assert_max_num_queries(6) as few:
        client.get(LIST, {"year": 2026})
    for n in range(10):
        created = quota_rule_create(actor=city_officer, year=2026, values=values(name=f"规则{n}"))
        quota_rule_update(actor=city_officer, rule=created, values=values(name=f"规则{n}乙"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST, {"year": 2026})
