"""The public disclosure pages (公示): the list with its filters, totals and period, a
disclosure's page with the objection form (stored, the office told, closed after the period,
throttled) and the day it takes effect, and the Atom feed. Nothing private reaches the
public."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal.models import Notification
from products.models import Objection
from products.services.disclosure import disclosures_settle, objection_decide

from . import disclosures_builders as b
from .disclosures_builders import (  # noqa: F401 - fixtures, found by their names
    AFTER,
    certification_open,
    frozen_clock,
    mango_product,
    office_client,
    text_of,
    three_outcomes_fixture,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "english")]

ATOM = "{http://www.w3.org/2005/Atom}"
LIST = reverse("products:disclosures")
EXPORT = reverse("products:disclosures_export")
OBJECTION = {
    "name": "王芳",
    "contact": "wangfang@example.com",
    "text": "该基地去年曾被通报抽检不合格。",
}


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The objection throttle counts in the cache: every test starts with none sent."""
    cache.clear()
    yield
    cache.clear()


# --- the public list --------------------------------------------------------------------------


def test_the_list_shows_each_disclosure_with_subject_origin_period_and_days_left(
    client, certification, city_officer, supplier_org
):
    base = b.base_of(supplier_org)
    b.exit_disclosure(city_officer, base, reason="quality")
    page = client.get(LIST)
    html = text_of(page)
    assert page.status_code == 200
    assert "certificate SZP-2026-000001 to be issued" in html
    assert "Exit of base “田阳芒果种植基地” for Quality failure" in html
    assert "百色市田阳区农业发展有限公司" in html
    assert "广西壮族自治区百色市田阳区" in html
    assert "2026-11-23 – 2026-11-30" in html
    # Monday: five working days after today, across the weekend.
    assert "5 working days left" in html
    assert reverse("products:disclosure_detail", args=[certification.pk]) in html


def test_the_list_links_the_atom_feed_in_the_head_and_visibly(client, certification):
    html = text_of(client.get(LIST))
    feed = reverse("products:disclosure_feed")
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert f'href="{feed}"' in html
    assert 'data-testid="feed-link"' in html


def test_filters_by_kind_and_status(client, certification, reviewer, city_officer, mango):
    monitoring = b.monitoring_disclosure(reviewer, mango)
    withdrawn = b.exit_disclosure(city_officer, mango)
    b.uphold(withdrawn, city_officer, note="经核查，抽检样品非该企业产品。")

    def shown(query: dict) -> set[int]:
        page = client.get(LIST, query)
        assert page.status_code == 200
        return {notice.disclosure.pk for notice in page.context["notices"]}

    assert shown({}) == {certification.pk, monitoring.pk, withdrawn.pk}
    assert shown({"kind": "monitoring"}) == {monitoring.pk}
    assert shown({"status": "withdrawn"}) == {withdrawn.pk}
    assert shown({"status": "open", "kind": "certification"}) == {certification.pk}
    refused = client.get(LIST, {"kind": "rumour"})
    assert refused.context["notices"] == []
    assert 'data-testid="error-summary"' in text_of(refused)


def test_a_disclosure_not_yet_started_is_not_public(client, reviewer, mango):
    later = b.certification_disclosure(reviewer, mango, as_of=b.AS_OF + datetime.timedelta(days=3))
    assert client.get(LIST).context["total"] == 0
    assert client.get(reverse("products:disclosure_detail", args=[later.pk])).status_code == 404


def test_the_list_is_paginated_newest_first_in_a_bounded_number_of_queries(
    client, reviewer, city_officer, supplier_org, django_assert_max_num_queries
):
    for n in range(12):
        product = b.szp_product(supplier_org, name=f"芒果{n}")
        b.certification_disclosure(
            reviewer, product, number=f"SZP-2026-{n + 1:06d}", as_of=b.AS_OF - datetime.timedelta(n)
        )
        b.monitoring_disclosure(reviewer, product, as_of=b.AS_OF - datetime.timedelta(n))
        b.exit_disclosure(city_officer, b.base_of(supplier_org, name=f"基地{n}"))
    b.evaluation_disclosure(city_officer, b.base_of(supplier_org, name="评价基地"), score="91.50")
    # 37 disclosures of four kinds: a count, the page, one query per kind of subject on it.
    with django_assert_max_num_queries(7):
        page = client.get(LIST)
    assert page.context["total"] == 37
    assert len(page.context["notices"]) == 20
    days = [notice.disclosure.starts_on for notice in page.context["notices"]]
    assert days == sorted(days, reverse=True)
    assert client.get(LIST, {"page": 2}).status_code == 200


def test_each_kind_says_what_is_disclosed(client, reviewer, city_officer, mango, supplier_org):
    b.monitoring_disclosure(reviewer, mango)
    first = b.base_of(supplier_org, name="一号基地")
    second = b.base_of(supplier_org, name="二号基地")
    b.evaluation_disclosure(city_officer, first, score="92.40")
    b.evaluation_disclosure(city_officer, second, score="88.00")
    html = text_of(client.get(LIST))
    assert "Sample test of 2026-11-20: failed" in html
    assert "Base evaluation 2026 result: score 92.40, rank 1 of 2 in Fruit" in html
    assert "Base evaluation 2026 result: score 88.00, rank 2 of 2 in Fruit" in html


def test_the_empty_list_says_what_happens(client):
    html = text_of(client.get(LIST))
    assert 'data-testid="empty-state"' in html
    assert 'data-testid="list-export"' not in html


def test_the_totals_row_counts_each_status_over_every_page_and_exports_the_filters(
    client, three_outcomes
):
    page = client.get(LIST)
    assert page.context["total"] == 3
    assert page.context["status_totals"] == [
        ("In disclosure", 1, "info"),
        ("In effect", 1, "ok"),
        ("Withdrawn after objection", 1, "bad"),
    ]
    assert "In effect: <strong" in text_of(page)
    filtered = client.get(LIST, {"kind": "monitoring", "page": "1"})
    assert [count for _label, count, _tone in filtered.context["status_totals"]] == [0, 0, 1]
    assert filtered.context["export_url"] == f"{EXPORT}?kind=monitoring"
    assert f'href="{EXPORT}?kind=monitoring"' in text_of(filtered)


# --- a disclosure's page and the objection form -----------------------------------------------


def test_the_page_of_an_open_disclosure_offers_the_objection_form(client, certification):
    page = client.get(reverse("products:disclosure_detail", args=[certification.pk]))
    html = text_of(page)
    assert page.status_code == 200
    assert 'data-testid="objection-form"' in html
    assert "csrfmiddlewaretoken" in html
    assert "Objections are accepted until 2026-11-30" in html


def test_an_objection_is_stored_pending_the_office_told_and_the_sender_given_a_reference(
    client, certification, city_officer
):
    url = reverse("products:disclosure_detail", args=[certification.pk])
    sent = client.post(url, OBJECTION)
    assert sent.status_code == 302
    assert sent["Location"] == reverse(
        "products:disclosure_objection_thanks", args=[certification.pk]
    )
    objection = Objection.objects.get()
    assert (objection.disclosure, objection.status, objection.name) == (
        certification,
        Objection.Status.PENDING,
        "王芳",
    )
    told = Notification.objects.get(recipient=city_officer)
    assert told.link == reverse("products:objection_detail", args=[objection.pk])

    thanks = client.get(sent["Location"])
    assert f"YY-2026-{objection.pk:06d}" in text_of(thanks)
    # Shown once: a reload goes back to the disclosure.
    assert client.get(sent["Location"])["Location"] == url


def test_the_thank_you_page_is_only_for_whoever_sent_the_objection(client, certification):
    b.object_to(certification)
    thanks = reverse("products:disclosure_objection_thanks", args=[certification.pk])
    assert Client().get(thanks).status_code == 302


def test_an_incomplete_objection_is_refused_field_by_field(client, certification):
    url = reverse("products:disclosure_detail", args=[certification.pk])
    page = client.post(url, {"name": "", "contact": "not a phone", "text": ""})
    html = text_of(page)
    assert page.status_code == 400
    assert 'data-testid="error-summary"' in html
    assert "Enter a phone number" in html
    assert html.count('class="field-error"') == 3
    assert not Objection.objects.exists()


def test_the_form_checks_the_csrf_token(certification):
    browser = Client(enforce_csrf_checks=True)
    url = reverse("products:disclosure_detail", args=[certification.pk])
    assert browser.post(url, OBJECTION).status_code == 403
    assert not Objection.objects.exists()


def test_after_the_period_objections_are_refused(client, certification, frozen):
    url = reverse("products:disclosure_detail", args=[certification.pk])
    frozen.move_to(b.moment(b.LAST_DAY + datetime.timedelta(days=1)))
    page = client.get(url)
    assert 'data-testid="objection-form"' not in text_of(page)
    assert 'data-testid="objections-closed"' in text_of(page)
    refused = client.post(url, OBJECTION)
    assert refused.status_code == 400
    assert "objections are closed" in text_of(refused)
    assert not Objection.objects.exists()


def test_on_the_last_day_objections_are_still_taken(client, certification, frozen):
    frozen.move_to(b.moment(b.LAST_DAY))
    url = reverse("products:disclosure_detail", args=[certification.pk])
    assert "Last day for objections" in text_of(client.get(url))
    assert client.post(url, OBJECTION).status_code == 302


def test_a_withdrawn_disclosure_takes_no_objection(client, certification, city_officer):
    b.uphold(certification, city_officer, note="申请材料中的检测报告系伪造。")
    url = reverse("products:disclosure_detail", args=[certification.pk])
    page = text_of(client.get(url))
    assert "was withdrawn on 2026-11-23" in page
    assert client.post(url, OBJECTION).status_code == 400
    assert Objection.objects.count() == 1


def test_objections_are_limited_per_client_address(client, certification):
    url = reverse("products:disclosure_detail", args=[certification.pk])
    for n in range(5):
        sent = client.post(url, {**OBJECTION, "text": f"第{n}条异议"}, REMOTE_ADDR="203.0.113.9")
        assert sent.status_code == 302
    refused = client.post(url, OBJECTION, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429
    assert "Too many objections" in text_of(refused)
    assert Objection.objects.count() == 5
    # Another address is not held back, and the first one is free again after an hour.
    assert client.post(url, OBJECTION, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_nothing_private_is_on_the_public_pages(client, certification, reviewer, city_officer):
    reviewer.first_name, reviewer.last_name = "评", "审员张"
    reviewer.save()
    objection = b.object_to(
        certification, name="李秘密", contact="13912345678", text="机密异议内容"
    )
    objection_decide(
        actor=city_officer,
        objection=objection,
        decision="dismiss",
        note="办公室内部意见：不予采纳",
        as_of=b.AS_OF,
    )
    pages = [
        client.get(LIST),
        client.get(reverse("products:disclosure_detail", args=[certification.pk])),
        client.get(reverse("products:disclosure_feed")),
        client.get(f"/api/v1/disclosures/{certification.pk}/"),
    ]
    for page in pages:
        body = text_of(page)
        assert page.status_code == 200
        for secret in ("李秘密", "13912345678", "机密异议内容", "不予采纳", "审员张", "reviewer"):
            assert secret not in body


def test_a_disclosures_page_says_its_period_in_working_days_and_the_day_it_takes_effect(
    client, certification
):
    html = text_of(client.get(reverse("products:disclosure_detail", args=[certification.pk])))
    assert "5 working days: " in html
    assert "On 2026-12-01, unless an objection is upheld" in html


def test_the_page_says_the_day_it_took_effect_or_was_withdrawn(client, three_outcomes):
    effective, withdrawn, _open = three_outcomes
    page = text_of(client.get(reverse("products:disclosure_detail", args=[effective.pk])))
    assert "Took effect on 2026-12-01" in page
    gone = text_of(client.get(reverse("products:disclosure_detail", args=[withdrawn.pk])))
    assert "Withdrawn on 2026-11-23: it did not take effect" in gone
    assert "unless an objection is upheld" not in gone


def test_after_its_period_it_takes_effect_once_the_objections_are_decided(
    client, certification, frozen
):
    b.object_to(certification)
    frozen.move_to(b.moment(AFTER, 9))
    disclosures_settle(as_of=AFTER)  # held back by the pending objection
    html = text_of(client.get(reverse("products:disclosure_detail", args=[certification.pk])))
    assert "Once any objection received has been decided" in html
    assert "On 2026-12-01" not in html


# --- the Atom feed ------------------------------------------------------------------------------


def test_the_feed_is_atom_with_an_entry_per_disclosure_linking_to_its_page(
    client, certification, reviewer, city_officer, mango
):
    monitoring = b.monitoring_disclosure(reviewer, mango)
    b.uphold(monitoring, city_officer, note="检测机构资质过期。")
    response = client.get(reverse("products:disclosure_feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - the portal's own feed
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    links = {entry.find(f"{ATOM}link").get("href") for entry in entries}
    assert links == {
        f"http://testserver{reverse('products:disclosure_detail', args=[d.pk])}"
        for d in (certification, monitoring)
    }
    by_id = {entry.find(f"{ATOM}id").text: entry for entry in entries}
    withdrawn = by_id[
        f"http://testserver{reverse('products:disclosure_detail', args=[monitoring.pk])}"
    ]
    assert withdrawn.find(f"{ATOM}updated").text.startswith("2026-11-23T")
    assert "Sample test of 2026-11-20: failed" in withdrawn.find(f"{ATOM}summary").text


def test_the_feed_holds_the_latest_fifty(
    client, reviewer, supplier_org, django_assert_max_num_queries
):
    product = b.szp_product(supplier_org)
    for n in range(55):
        b.monitoring_disclosure(reviewer, product, as_of=b.AS_OF - datetime.timedelta(days=n))
    with django_assert_max_num_queries(2):
        response = client.get(reverse("products:disclosure_feed"))
    entries = ET.fromstring(response.content).findall(f"{ATOM}entry")  # noqa: S314
    assert len(entries) == 50
