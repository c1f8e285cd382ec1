"""The certificate's history on one page (issue 10 item 2): issued, in public disclosure and in
effect, reminded, suspended, reinstated, renewed, expired — in date order, from the change
history, the exit steps, the disclosures and the renewal chain, each told once, in a fixed
number of queries, and only to those who may read the certificate."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from products.models import Certificate, Objection
from products.services import renewal
from products.services.applications import application_submit
from products.services.disclosure import disclosures_settle, objection_decide, objection_submit
from products.services.expiry import certificates_expire, certificates_warn
from products.services.oversight import certificate_reinstate, certificate_suspend
from products.services.renewal.history import certificate_history
from products.services.review import application_decide, application_review
from tests import factories as f

from .renewal_builders import AS_OF, DAY, approved_application, certificate_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
CertStatus = Certificate.Status


def at(day: datetime.date, hour: int = 10):
    """Travel to ``day`` at ``hour`` in Shanghai, the clock standing still."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False
    )


@pytest.fixture
def mango(supplier_org):
    return f.ProductFactory(supplier=supplier_org, name="田阳香芒")


@pytest.fixture
def life(supplier, reviewer, city_officer, mango):
    """A certificate's two years, one step a day: issued, reminded at 60 days, suspended and
    reinstated, renewed (the renewal approved, disclosed and in effect), and expired."""
    with at(datetime.date(2024, 12, 1)):
        old = certificate_on(approved_application(supplier, mango), until=AS_OF + 45 * DAY)
    with at(AS_OF):
        certificates_warn(as_of=AS_OF)
    with at(AS_OF + DAY):
        certificate_suspend(actor=city_officer, certificate=old, reason="quality", note="抽检")
    with at(AS_OF + 2 * DAY):
        certificate_reinstate(
            actor=city_officer, certificate=old, reason="other", note="复检合格", as_of=AS_OF
        )
    with at(AS_OF + 3 * DAY):
        old.refresh_from_db()
        application = renewal.renewal_open(actor=supplier, certificate=old, as_of=AS_OF + 3 * DAY)
        application_submit(actor=supplier, application=application)
    with at(AS_OF + 4 * DAY):
        application_review(actor=reviewer, application=application)
        new = application_decide(
            actor=reviewer, application=application, decision="approve", as_of=AS_OF + 4 * DAY
        )
    with at(AS_OF + 20 * DAY, hour=1):
        disclosures_settle(as_of=AS_OF + 20 * DAY)
    with at(old.valid_until + DAY, hour=1):
        certificates_expire(as_of=old.valid_until + DAY)
    old.refresh_from_db()
    new.refresh_from_db()
    return old, new


def kinds(history):
    return [event.kind for event in history.events]


def test_the_old_certificate_s_life_in_order_each_event_once(life, city_officer):
    old, new = life

    history = certificate_history(old, user=city_officer)

    assert kinds(history) == ["issued", "reminder", "suspend", "reinstate", "renewed", "expired"]
    events = {event.kind: event for event in history.events}
    assert events["issued"].link == reverse(
        "products:application_detail", args=[old.application_id]
    )
    assert events["reminder"].title == "Expiry reminder sent (60 days before)"
    assert events["suspend"].note == "抽检"
    assert "Quality failure" in events["suspend"].detail
    assert events["reinstate"].note == "复检合格"
    assert events["renewed"].title == f"Renewed by certificate {new.number}"
    assert events["renewed"].link == reverse("products:certificate_detail", args=[new.pk])
    assert events["expired"].detail == f"Its validity ended on {old.valid_until.isoformat()}."
    assert [event.at for event in history.events] == sorted(event.at for event in history.events)
    assert history.renewals == [new]


def test_the_renewal_s_life_renews_the_old_one_and_follows_it_without_a_gap(life, supplier):
    old, new = life

    history = certificate_history(new, user=supplier)

    assert kinds(history) == ["issued", "renews", "disclosure", "effect"]
    events = {event.kind: event for event in history.events}
    assert events["renews"].title == f"Renews certificate {old.number}"
    assert "Issued in public disclosure" in events["issued"].detail
    assert events["disclosure"].link.startswith("/products/disclosures/")
    assert new.valid_from == old.valid_until + DAY
    assert events["effect"].detail == (
        f"valid from {new.valid_from.isoformat()} to {new.valid_until.isoformat()}"
    )


def test_a_certification_withdrawn_after_an_objection_is_told_once(
    supplier, reviewer, city_officer, mango
):
    old = certificate_on(approved_application(supplier, mango), until=AS_OF + 45 * DAY)
    with at(AS_OF):
        application = renewal.renewal_open(actor=supplier, certificate=old, as_of=AS_OF)
        application_submit(actor=supplier, application=application)
        application_review(actor=reviewer, application=application)
        new = application_decide(
            actor=reviewer, application=application, decision="approve", as_of=AS_OF
        )
    disclosure = new.disclosures.get()
    with at(AS_OF + DAY):
        objection = objection_submit(
            disclosure=disclosure,
            name="张三",
            contact="13800000000",
            text="带贫户数不实",
            as_of=AS_OF + DAY,
        )
    with at(AS_OF + 2 * DAY):
        objection_decide(
            actor=city_officer, objection=objection, decision="uphold", note="经核实", as_of=AS_OF
        )
    assert Objection.objects.get().status == Objection.Status.UPHELD

    history = certificate_history(new, user=city_officer)

    assert kinds(history) == ["issued", "renews", "disclosure", "disclosure-withdrawn"]
    # The old certificate is renewable again: its renewal fell.
    old.refresh_from_db()
    assert renewal.renewal_refusal(old, as_of=AS_OF + 2 * DAY) == ""


def test_a_change_of_status_no_step_explains_is_still_shown(city_officer, mango):
    cert = f.CertificateFactory(product=mango)
    cert.status = CertStatus.REVOKED
    cert._change_reason = "数据迁移"
    cert.save()

    history = certificate_history(cert, user=city_officer)

    assert kinds(history) == ["issued", "status"]
    assert history.events[1].title == "Status changed: Valid → Revoked"
    assert history.events[1].detail == "数据迁移"


def test_the_district_office_sees_the_history_without_application_links(life, district_officer):
    old, _new = life

    history = certificate_history(old, user=district_officer)

    issued = history.events[0]
    assert (issued.link, issued.link_label) == ("", f"Application #{old.application_id}")


# --- the page -------------------------------------------------------------------------------


def history_page(client, user, cert):
    client.force_login(user)
    return client.get(reverse("products:certificate_history", args=[cert.pk]))


def test_the_page_lists_the_events_and_the_chain(client, life, supplier):
    old, new = life

    response = history_page(client, supplier, old)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Expiry reminder sent") < body.index(f"Renewed by certificate {new.number}")
    assert 'data-kind="suspend"' in body
    assert reverse("products:certificate_detail", args=[new.pk]) in body


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("supplier", 200),
        ("city_officer", 200),
        ("district_officer", 200),
        ("reviewer", 200),
        ("supplier_2", 404),
        ("clerk", 403),
    ],
)
def test_the_page_is_scoped_like_the_certificate(request, client, life, persona, status):
    old, _new = life

    assert history_page(client, request.getfixturevalue(persona), old).status_code == status


def test_the_page_runs_a_fixed_number_of_queries_however_long_the_life(
    client, city_officer, supplier, mango, django_assert_max_num_queries
):
    cert = certificate_on(approved_application(supplier, mango), until=AS_OF + 200 * DAY)

    def grow(times):
        for _n in range(times):
            certificate_suspend(actor=city_officer, certificate=cert, reason="quality")
            certificate_reinstate(
                actor=city_officer, certificate=cert, reason="other", note="复检", as_of=AS_OF
            )

    grow(1)
    history_page(client, city_officer, cert)  # warm the session
    # The session and the user, the actor, the certificate, its change history, its exit
    # steps, its disclosures, its renewals.
    with django_assert_max_num_queries(9) as few:
        assert client.get(reverse("products:certificate_history", args=[cert.pk])).status_code
    grow(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("products:certificate_history", args=[cert.pk]))
    assert [e.kind for e in response.context["events"]].count("suspend") == 7
