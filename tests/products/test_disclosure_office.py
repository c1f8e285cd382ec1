"""The city office's side of public disclosure (公示): its list of disclosures with their
objections and the day each takes effect, its page of each disclosure, the objection queue and
the decisions (uphold or dismiss, with reasons), and who may reach them."""

import datetime

import pytest
from django.urls import reverse

from products.models import Certificate, Disclosure, MonitoringRecord, Objection
from products.services.disclosure import objection_decide

from . import disclosures_builders as b
from .disclosures_builders import (  # noqa: F401 - fixtures, found by their names
    certification_open,
    frozen_clock,
    mango_product,
    office_client,
    text_of,
    three_outcomes_fixture,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "english")]

OFFICE_LIST = reverse("products:disclosure_office_list")
OFFICE_EXPORT = reverse("products:disclosure_office_export")
QUEUE = reverse("products:objections")
QUEUE_EXPORT = reverse("products:objections_export")


# --- the city office ----------------------------------------------------------------------------


def test_the_office_list_counts_the_objections(
    office, certification, reviewer, mango, django_assert_max_num_queries
):
    monitoring = b.monitoring_disclosure(reviewer, mango)
    b.object_to(certification)
    b.object_to(certification, text="第二条异议")
    # The session, the user and their role, a count, the page, one query per kind of subject.
    with django_assert_max_num_queries(7):
        page = office.get(reverse("products:disclosure_office_list"))
    assert page.status_code == 200
    counts = {
        notice.disclosure.pk: (notice.disclosure.objection_count, notice.disclosure.pending_count)
        for notice in page.context["notices"]
    }
    assert counts == {certification.pk: (2, 2), monitoring.pk: (0, 0)}
    assert "2 pending" in text_of(page)


def test_the_office_list_says_when_each_takes_effect_and_links_its_office_page(
    client, city_officer, three_outcomes
):
    client.force_login(city_officer)  # on the clock of three_outcomes, a week on
    page = client.get(OFFICE_LIST)
    html = text_of(page)
    assert page.context["total"] == 3
    assert "Took effect on 2026-12-01" in html
    assert "Withdrawn on 2026-11-23" in html
    # Published on the 30th for five working days: until 2026-12-07, in effect on the 8th.
    assert "On 2026-12-08, unless an objection is upheld" in html
    for disclosure in three_outcomes:
        assert reverse("products:disclosure_office_detail", args=[disclosure.pk]) in html
    assert f'href="{OFFICE_EXPORT}"' in html


def test_invalid_filters_on_the_office_list_say_why_and_select_nothing(office, certification):
    page = office.get(OFFICE_LIST, {"status": "forgotten"})
    html = text_of(page)
    assert 'data-testid="error-summary"' in html
    assert page.context["notices"] == []
    assert 'data-testid="empty-state"' in html


def test_the_office_page_of_a_disclosure_gives_its_period_effect_and_objections(
    office, certification, reviewer, django_assert_max_num_queries
):
    objection = b.object_to(certification, name="李明")
    url = reverse("products:disclosure_office_detail", args=[certification.pk])
    # The session, the user and their role, the disclosure, its certificate, its objections
    # and its history.
    with django_assert_max_num_queries(7):
        page = office.get(url)
    html = text_of(page)
    assert page.status_code == 200
    assert "5 working days: " in html and "2026-11-23 – 2026-11-30" in html
    assert "On 2026-12-01, unless an objection is upheld" in html
    assert "(1 pending)" in html
    assert reverse("products:objection_detail", args=[objection.pk]) in html
    assert "李明" in html
    assert reverse("products:disclosure_detail", args=[certification.pk]) in html
    assert 'data-testid="change-history"' in html


def test_the_office_page_of_a_disclosure_not_yet_public_says_when_it_will_be(
    office, reviewer, mango
):
    later = b.certification_disclosure(reviewer, mango, as_of=b.AS_OF + datetime.timedelta(days=2))
    html = text_of(office.get(reverse("products:disclosure_office_detail", args=[later.pk])))
    assert "Not public until 2026-11-25." in html
    assert reverse("products:disclosure_detail", args=[later.pk]) not in html


def test_the_office_page_of_a_missing_disclosure_is_404(office):
    assert office.get(reverse("products:disclosure_office_detail", args=[999999])).status_code == (
        404
    )


def test_the_office_list_shows_what_has_not_started_yet(office, reviewer, mango):
    later = b.certification_disclosure(reviewer, mango, as_of=b.AS_OF + datetime.timedelta(days=2))
    page = office.get(reverse("products:disclosure_office_list"))
    assert [n.disclosure.pk for n in page.context["notices"]] == [later.pk]


def test_the_queue_puts_pending_objections_first_in_a_bounded_number_of_queries(
    office, certification, city_officer, frozen, django_assert_max_num_queries
):
    decided = b.object_to(certification, text="最早的异议")
    frozen.shift(60)
    first_pending = b.object_to(certification, text="第二条")
    frozen.shift(60)
    second_pending = b.object_to(certification, text="第三条")
    objection_decide(
        actor=city_officer, objection=decided, decision="dismiss", note="无事实依据", as_of=b.AS_OF
    )
    # The session, the user and their role, a count, the page, one query per kind of subject.
    with django_assert_max_num_queries(8):
        page = office.get(reverse("products:objections"))
    order = [objection.pk for objection, _notice, _ref in page.context["rows"]]
    assert order == [first_pending.pk, second_pending.pk, decided.pk]
    pending_only = office.get(reverse("products:objections"), {"status": "pending"})
    assert len(pending_only.context["rows"]) == 2
    assert page.context["status_totals"] == [
        ("Awaiting decision", 2, "info"),
        ("Upheld", 0, "bad"),
        ("Dismissed", 1, "neutral"),
    ]


def test_the_office_reads_an_objection_with_its_author_and_the_disclosure(office, certification):
    objection = b.object_to(certification, name="李明", contact="13800138000")
    page = office.get(reverse("products:objection_detail", args=[objection.pk]))
    html = text_of(page)
    assert page.status_code == 200
    assert "李明" in html and "13800138000" in html
    assert "certificate SZP-2026-000001 to be issued" in html
    assert reverse("products:objection_decide", args=[objection.pk, "uphold"]) in html
    assert reverse("products:objection_decide", args=[objection.pk, "dismiss"]) in html


def test_upholding_asks_for_confirmation_and_reasons_then_withdraws_the_disclosure(
    office, certification
):
    objection = b.object_to(certification)
    url = reverse("products:objection_decide", args=[objection.pk, "uphold"])
    confirm = office.get(url)
    assert confirm.status_code == 200
    assert 'data-testid="consequence"' in text_of(confirm)
    assert Objection.objects.get().status == Objection.Status.PENDING

    refused = office.post(url, {"note": ""})
    assert refused.status_code == 200
    assert 'data-testid="error-summary"' in text_of(refused)
    assert Objection.objects.get().status == Objection.Status.PENDING

    done = office.post(url, {"note": "检测报告系伪造，撤销公示。"})
    assert done.status_code == 302
    assert done["Location"] == reverse("products:objection_detail", args=[objection.pk])
    assert Objection.objects.get().status == Objection.Status.UPHELD
    certification.refresh_from_db()
    assert certification.status == Disclosure.Status.WITHDRAWN
    assert Certificate.objects.get(pk=certification.certificate_id).status == "revoked"
    # Decided: the confirmation page sends back to the objection.
    assert office.get(url).status_code == 302


def test_dismissing_keeps_the_disclosure_open(office, certification):
    objection = b.object_to(certification)
    done = office.post(
        reverse("products:objection_decide", args=[objection.pk, "dismiss"]),
        {"note": "异议所述情况与事实不符。"},
    )
    assert done.status_code == 302
    certification.refresh_from_db()
    assert certification.status == Disclosure.Status.OPEN
    assert Objection.objects.get().status == Objection.Status.DISMISSED


def test_an_upheld_objection_to_a_monitoring_result_annuls_it(office, reviewer, mango):
    monitoring = b.monitoring_disclosure(reviewer, mango)
    objection = b.object_to(monitoring, text="抽样过程不规范")
    office.post(
        reverse("products:objection_decide", args=[objection.pk, "uphold"]),
        {"note": "抽样未按规程进行，结果作废。"},
    )
    record = MonitoringRecord.objects.get()
    assert record.annulled
    page = office.get(reverse("products:product_oversight", args=[mango.pk]))
    assert 'data-testid="annulled"' in text_of(page)


def test_an_unknown_decision_is_404(office, certification):
    objection = b.object_to(certification)
    assert (
        office.get(reverse("products:objection_decide", args=[objection.pk, "ignore"])).status_code
        == 404
    )


@pytest.mark.parametrize(
    "persona", ["reviewer", "district_officer", "supplier", "supplier_2", "clerk"]
)
def test_only_the_city_office_reads_and_decides_objections(request, client, persona, certification):
    objection = b.object_to(certification)
    client.force_login(request.getfixturevalue(persona))
    urls = [
        OFFICE_LIST,
        OFFICE_EXPORT,
        reverse("products:disclosure_office_detail", args=[certification.pk]),
        QUEUE,
        QUEUE_EXPORT,
        reverse("products:objection_detail", args=[objection.pk]),
        reverse("products:objection_decide", args=[objection.pk, "uphold"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(urls[-1], {"note": "x"}).status_code == 403
    assert Objection.objects.get().status == Objection.Status.PENDING


def test_the_public_is_sent_to_sign_in_for_the_office_pages(client, certification):
    objection = b.object_to(certification)
    response = client.get(reverse("products:objection_detail", args=[objection.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_objection_that_does_not_exist_is_404(office):
    assert office.get(reverse("products:objection_detail", args=[999999])).status_code == 404
