import pytest
from django.contrib.auth.models import AnonymousUser

from portal.selectors import membership_for_user, organisation_for_user

pytestmark = pytest.mark.django_db


def _ids(user) -> set[int]:
    return set(organisation_for_user(user).values_list("pk", flat=True))


def test_organisations_visible_to_each_role(
    city_officer, district_officer, clerk, unit_a, unit_b, supplier_org, supplier
):
    assert {unit_a.pk, unit_b.pk, supplier_org.pk} <= _ids(city_officer)
    assert unit_a.pk in _ids(district_officer)
    assert unit_b.pk not in _ids(district_officer)
    assert {unit_a.pk, supplier_org.pk} <= _ids(clerk)
    assert unit_b.pk not in _ids(clerk)
    assert not _ids(AnonymousUser())


def test_memberships_are_the_city_office_s_business(city_officer, clerk, clerk_b):
    assert membership_for_user(city_officer).count() == 3
    assert [m.user for m in membership_for_user(clerk)] == [clerk]
