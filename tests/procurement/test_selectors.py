"""Scoping: a clerk sees only its unit, a district office only its district."""

import pytest

from procurement.selectors import (
    budget_unit_for_user,
    declaration_for_user,
    record_for_user,
    submission_for_user,
    voucher_for_user,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_units_records(unit_a, unit_b):
    return (
        f.RecordFactory(budget_unit=unit_a),
        f.RecordFactory(budget_unit=unit_b),
    )


def test_clerk_sees_only_its_unit(clerk, unit_a, two_units_records):
    record_a, record_b = two_units_records
    assert list(budget_unit_for_user(clerk)) == [unit_a]
    assert list(record_for_user(clerk)) == [record_a]
    assert not record_for_user(clerk).filter(pk=record_b.pk).exists()


def test_approver_sees_the_same_unit_as_its_clerk(approver, unit_a, two_units_records):
    assert list(budget_unit_for_user(approver)) == [unit_a]
    assert list(record_for_user(approver)) == [two_units_records[0]]


def test_district_office_sees_only_its_district(district_officer, unit_a, unit_b):
    f.DeclarationFactory(budget_unit=unit_a)
    f.DeclarationFactory(budget_unit=unit_b)
    other_futian_unit = f.BudgetUnitFactory(region=f.region(f.FUTIAN))
    assert set(budget_unit_for_user(district_officer)) == {unit_a, other_futian_unit}
    assert [d.budget_unit for d in declaration_for_user(district_officer)] == [unit_a]


def test_city_office_sees_every_unit(city_officer, unit_a, unit_b, two_units_records):
    assert set(budget_unit_for_user(city_officer)) == {unit_a, unit_b}
    assert record_for_user(city_officer).count() == 2


@pytest.mark.parametrize("persona", ["supplier", "reviewer"])
def test_suppliers_and_reviewers_see_no_procurement(request, persona, two_units_records):
    user = request.getfixturevalue(persona)
    assert not budget_unit_for_user(user).exists()
    assert not record_for_user(user).exists()
    assert not submission_for_user(user).exists()
    assert not voucher_for_user(user).exists()


def test_anonymous_and_unaffiliated_users_see_nothing(two_units_records):
    from django.contrib.auth.models import AnonymousUser

    assert not record_for_user(AnonymousUser()).exists()
    assert not record_for_user(f.UserFactory()).exists()
