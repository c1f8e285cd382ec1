"""The outlets' audit trail (issue 7, point 2): every step of the registry and of dynamic exit
writes a version of the outlet with who and why; the office page shows it to those who manage
the outlet, the public finder never does."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from outlets.models import Outlet
from outlets.services import oversight
from outlets.services import registry as services
from outlets.services.registry import OutletData
from portal.history import history_of
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 5, 20)
NAME = "华润万家（福田店）消费帮扶专区"


@pytest.fixture(autouse=True)
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def data(**changes) -> OutletData:
    values = {
        "kind": Outlet.Kind.ZONE,
        "name": NAME,
        "district": f.region(f.FUTIAN),
        "address": "深圳市福田区福华路1号",
        "venue": Outlet.Venue.SUPERMARKET,
        "opened_on": datetime.date(2026, 3, 1),
    }
    values.update(changes)
    return OutletData(**values)


def register(actor, **changes) -> Outlet:
    return services.outlet_register(actor=actor, data=data(**changes), as_of=TODAY)


def edit(actor, outlet, **changes) -> Outlet:
    return services.outlet_update(actor=actor, outlet=outlet, data=data(**changes), as_of=TODAY)


def versions(outlet):
    return list(outlet.history.order_by("history_date", "history_id"))


def detail(outlet) -> str:
    return reverse("outlets:outlet_detail", args=[outlet.pk])


# --- the services write the trail -----------------------------------------------------------


def test_registering_writes_the_first_version_with_the_actor(district_officer):
    outlet = register(district_officer)
    (version,) = versions(outlet)
    assert version.history_type == "+"
    assert version.history_user == district_officer
    assert version.history_change_reason == "Outlet registered"
    assert version.name == NAME and version.status == Outlet.Status.ACTIVE


def test_an_edit_is_a_version_naming_what_changed(district_officer, city_officer):
    outlet = register(district_officer)
    edit(city_officer, outlet, address="深圳市福田区深南大道2号", district=f.region(f.NANSHAN))
    first, second = versions(outlet)
    assert second.history_type == "~"
    assert second.history_user == city_officer
    assert second.history_change_reason == "Outlet edited"
    changed = {c.field for c in second.diff_against(first).changes}
    assert changed == {"address", "district"}
    # The shared reader names the district rather than its code.
    (entry, _registered) = history_of(outlet)
    assert ("district", "福田区", "南山区") in entry.changes


def test_a_change_of_the_products_carried_is_recorded_and_no_change_is_not(district_officer):
    outlet = register(district_officer)
    mango, tea = f.ProductFactory(), f.ProductFactory()
    services.outlet_products_set(actor=district_officer, outlet=outlet, products=[mango, tea])
    services.outlet_products_set(actor=district_officer, outlet=outlet, products=[tea, mango])
    *_, last = versions(outlet)
    assert len(versions(outlet)) == 2
    assert last.history_user == district_officer
    assert last.history_change_reason == "Products carried changed (2 now)"


@pytest.mark.parametrize(
    ("move", "status", "reason"),
    [
        (oversight.outlet_suspend, "suspended", "Suspended: Quality failure"),
        (oversight.outlet_exit, "exited", "Exited: Quality failure"),
    ],
)
def test_suspension_and_exit_are_versions_with_their_reason(district_officer, move, status, reason):
    outlet = register(district_officer)
    move(actor=district_officer, outlet=outlet, reason="quality", note="抽检不合格", as_of=TODAY)
    *_, last = versions(outlet)
    assert last.history_user == district_officer
    assert last.history_change_reason == reason
    assert last.status == status
    assert {c.field for c in last.diff_against(versions(outlet)[0]).changes} >= {"status"}


def test_reinstating_is_a_version_too(district_officer):
    outlet = register(district_officer)
    oversight.outlet_suspend(actor=district_officer, outlet=outlet, reason="price", as_of=TODAY)
    oversight.outlet_reinstate(actor=district_officer, outlet=outlet, reason="price", as_of=TODAY)
    reasons = [v.history_change_reason for v in versions(outlet)]
    assert reasons == [
        "Outlet registered",
        "Suspended: Prices out of line",
        "Reinstated: Prices out of line",
    ]


def test_a_refused_step_writes_no_version(district_officer):
    outlet = register(district_officer)
    with pytest.raises(PermissionDenied):
        edit(district_officer, outlet, district=f.region(f.NANSHAN))
    with pytest.raises(ValidationError):
        oversight.outlet_suspend(actor=district_officer, outlet=outlet, reason="?", as_of=TODAY)
    assert len(versions(outlet)) == 1


# --- the pages --------------------------------------------------------------------------------


def test_the_office_page_shows_who_changed_what_and_why(client, district_officer):
    outlet = register(district_officer)
    edit(district_officer, outlet, address="深圳市福田区深南大道2号")
    oversight.outlet_suspend(actor=district_officer, outlet=outlet, reason="price", as_of=TODAY)
    client.force_login(district_officer)
    body = client.get(detail(outlet)).content.decode()
    assert "Change history" in body and 'data-testid="history"' in body
    assert "Suspended: Prices out of line" in body
    assert "Outlet edited" in body and "深圳市福田区深南大道2号" in body
    assert district_officer.username in body or district_officer.get_full_name() in body


def test_the_city_office_reads_the_trail_too(client, district_officer, city_officer):
    outlet = register(district_officer)
    client.force_login(city_officer)
    assert "Outlet registered" in client.get(detail(outlet)).content.decode()


def test_another_district_does_not_find_the_outlet(client, district_officer):
    outlet = register(district_officer)
    elsewhere = f.member(
        f.Role.DISTRICT_OFFICE, f.DistrictOfficeFactory(region=f.region(f.NANSHAN))
    )
    client.force_login(elsewhere)
    assert client.get(detail(outlet)).status_code == 404


@pytest.mark.parametrize("persona", ["clerk", "supplier", "reviewer"])
def test_other_roles_may_not_open_the_office_page(client, request, district_officer, persona):
    outlet = register(district_officer)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(detail(outlet))
    assert response.status_code == 403
    assert "Outlet registered" not in response.content.decode()


def test_the_public_finder_page_shows_no_history(client, district_officer):
    outlet = register(district_officer)
    edit(district_officer, outlet, address="深圳市福田区深南大道2号")
    response = client.get(reverse("outlets:finder_outlet", args=[outlet.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "深圳市福田区深南大道2号" in body
    assert 'data-testid="history"' not in body
    assert (
        "Change history" not in body
        and "Outlet edited" not in body
        and "Outlet registered" not in body
    )


def test_html_in_values_is_escaped(client, district_officer):
    outlet = register(district_officer)
    edit(district_officer, outlet, name="<script>alert(1)</script>专柜")
    client.force_login(district_officer)
    body = client.get(detail(outlet)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;专柜" in body


def test_the_page_costs_the_same_queries_with_a_long_trail(
    client, district_officer, supplier_org, django_assert_max_num_queries
):
    outlet = register(district_officer)
    client.force_login(district_officer)
    with django_assert_max_num_queries(10):
        client.get(detail(outlet))
    other = f.SupplierFactory()
    for n in range(12):
        edit(
            district_officer,
            outlet,
            address=f"深圳市福田区福华路{n}号",
            operator=supplier_org if n % 2 else other,
        )
        oversight.outlet_suspend(actor=district_officer, outlet=outlet, reason="price", as_of=TODAY)
        oversight.outlet_reinstate(
            actor=district_officer, outlet=outlet, reason="price", as_of=TODAY
        )
    assert outlet.history.count() == 37
    # One query for the versions and their users, one to name the operators: not one a version.
    with django_assert_max_num_queries(11):
        response = client.get(detail(outlet))
    assert len(response.context["change_history"]) == 37
