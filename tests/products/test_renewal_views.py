"""Renewal in the browser: "Renew" on the certificate's page, the page that opens the renewal,
the renewal marked for the reviewers in their list and on its page, and removing a carried
document after confirmation. Same services as test_renewal.py."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from products.models import CertificationApplication
from products.services import renewal
from products.services.applications import application_submit
from tests import factories as f

from .renewal_builders import AS_OF, DAY, approved_application, certificate_on

pytestmark = pytest.mark.django_db

Status = CertificationApplication.Status


@pytest.fixture(autouse=True)
def on_as_of(english, monkeypatch):
    # The pages read "today" from portal.periods: pin it to the day the certificates are built
    # around.
    monkeypatch.setattr("products.views.renewal.today", lambda: AS_OF)
    monkeypatch.setattr("products.views.certificates.today", lambda: AS_OF)


@pytest.fixture
def mango(supplier_org):
    return f.ProductFactory(supplier=supplier_org, name="田阳香芒")


@pytest.fixture
def issued(supplier, mango):
    application = approved_application(supplier, mango, documents=("licence", "test_report"))
    return certificate_on(application)


def get(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args))


def renew_url(cert):
    return reverse("products:certificate_renew", args=[cert.pk])


# --- the certificate's page -----------------------------------------------------------------


def test_the_holder_sees_renew_on_a_certificate_near_its_end(client, supplier, issued):
    body = get(client, supplier, "products:certificate_detail", issued.pk).content.decode()

    assert 'data-testid="renew"' in body
    assert renew_url(issued) in body
    assert reverse("products:certificate_history", args=[issued.pk]) in body


def test_far_from_its_end_the_holder_reads_when_renewal_opens(client, supplier, mango):
    cert = certificate_on(approved_application(supplier, mango), until=AS_OF + 200 * DAY)

    body = get(client, supplier, "products:certificate_detail", cert.pk).content.decode()

    assert 'data-testid="renew"' not in body
    assert "Renewal opens 90 days before the end of the validity" in body


def test_reviewers_see_the_open_renewal_but_no_renew_button(client, supplier, reviewer, issued):
    application = renewal.renewal_open(actor=supplier, certificate=issued, as_of=AS_OF)

    body = get(client, reviewer, "products:certificate_detail", issued.pk).content.decode()

    assert 'data-testid="renew"' not in body
    assert f"A renewal is open: application #{application.pk} (Draft)" in body
    assert reverse("products:application_detail", args=[application.pk]) in body


def test_the_page_names_the_certificate_it_renews_and_its_renewal(client, supplier, issued):
    new = certificate_on(
        None, product=issued.product, until=AS_OF + 800 * DAY, status="pending", renews=issued
    )

    old_page = get(client, supplier, "products:certificate_detail", issued.pk).content.decode()
    new_page = get(client, supplier, "products:certificate_detail", new.pk).content.decode()

    assert new.number in old_page and "In public disclosure" in old_page
    assert 'data-testid="renew"' not in old_page
    assert f"has been renewed already, by certificate {new.number}" in old_page
    assert issued.number in new_page


def test_the_certificate_page_runs_a_fixed_number_of_queries_with_renewals(
    client, supplier, reviewer, issued, django_assert_max_num_queries
):
    renewal.renewal_open(actor=supplier, certificate=issued, as_of=AS_OF)
    url = reverse("products:certificate_detail", args=[issued.pk])
    get(client, reviewer, "products:certificate_detail", issued.pk)  # warm the session
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    for _n in range(3):  # renewals revoked after objections: still one query for the page
        certificate_on(
            None, product=issued.product, until=AS_OF + 800 * DAY, status="revoked", renews=issued
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


# --- opening the renewal ------------------------------------------------------------------------


def test_the_renewal_page_shows_what_is_carried_over_then_opens_it(client, supplier, issued):
    page = get(client, supplier, "products:certificate_renew", issued.pk)
    body = page.content.decode()
    assert page.status_code == 200
    assert f"pre-filled from application #{issued.application_id}" in body
    assert "licence-2024.pdf" in body and "test_report-2024.pdf" in body

    response = client.post(renew_url(issued))

    application = CertificationApplication.objects.get(renews=issued)
    assert response.status_code == 302
    assert response.url == (
        reverse("products:application_detail", args=[application.pk]) + "#documents"
    )
    assert application.documents.count() == 2
    # Back on the renewal page, the supplier is led to the renewal already open.
    again = client.get(renew_url(issued))
    assert again.status_code == 302
    assert again.url == reverse("products:application_detail", args=[application.pk])
    assert CertificationApplication.objects.filter(renews=issued).count() == 1


def test_a_refused_renewal_says_why_and_opens_nothing(client, supplier, mango):
    cert = certificate_on(approved_application(supplier, mango), until=AS_OF + 200 * DAY)

    page = get(client, supplier, "products:certificate_renew", cert.pk)
    assert 'data-testid="renewal-refused"' in page.content.decode()
    assert 'data-testid="open-renewal"' not in page.content.decode()

    response = client.post(renew_url(cert))
    assert response.status_code == 200
    assert "Renewal opens 90 days" in str(response.context["form"].non_field_errors())
    assert not CertificationApplication.objects.filter(renews=cert).exists()


@pytest.mark.parametrize(("persona", "status"), [("supplier_2", 404), ("reviewer", 403)])
def test_only_the_holder_reaches_the_renewal_page(request, client, issued, persona, status):
    user = request.getfixturevalue(persona)
    assert get(client, user, "products:certificate_renew", issued.pk).status_code == status
    assert client.post(renew_url(issued)).status_code == status
    assert not CertificationApplication.objects.filter(renews=issued).exists()


def test_the_certificate_actions_still_resolve_beside_renew_and_history(
    client, city_officer, issued
):
    page = get(client, city_officer, "products:certificate_action", issued.pk, "suspend")
    assert page.status_code == 200
    assert reverse("products:certificate_action", args=[issued.pk, "suspend"]) != renew_url(issued)
    client.force_login(city_officer)
    assert client.get(f"/products/certificates/{issued.pk}/bogus/").status_code == 404


# --- the renewal application as the reviewers and the supplier see it -----------------------


def test_reviewers_see_the_renewal_marked_in_their_queue_and_on_its_page(
    client, supplier, reviewer, issued
):
    application = renewal.renewal_open(actor=supplier, certificate=issued, as_of=AS_OF)
    application_submit(actor=supplier, application=application)

    queue = get(client, reviewer, "products:applications").content.decode()
    detail = get(client, reviewer, "products:application_detail", application.pk)

    assert f"Renewal of {issued.number}" in queue
    body = detail.content.decode()
    assert f"Renewal of certificate {issued.number}" in body
    assert f"carried over from application #{issued.application_id}" in body
    assert 'data-testid="remove-document"' not in body  # reviewers remove nothing


def test_the_list_of_renewals_runs_a_fixed_number_of_queries(
    client, supplier, supplier_org, reviewer, django_assert_max_num_queries
):
    for _n in range(6):
        product = f.ProductFactory(supplier=supplier_org)
        cert = certificate_on(approved_application(supplier, product))
        application = renewal.renewal_open(actor=supplier, certificate=cert, as_of=AS_OF)
        application_submit(actor=supplier, application=application)
    get(client, reviewer, "products:applications")  # warm the session
    with django_assert_max_num_queries(8):
        body = client.get(reverse("products:applications")).content.decode()
    assert body.count('data-testid="renewal-mark"') == 6


def test_the_supplier_removes_a_carried_document_after_confirming(client, supplier, issued):
    application = renewal.renewal_open(actor=supplier, certificate=issued, as_of=AS_OF)
    carried = application.documents.get(kind="licence")
    url = reverse("products:application_document_remove", args=[application.pk, carried.pk])

    detail = get(client, supplier, "products:application_detail", application.pk)
    assert url in detail.content.decode()
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert f"application #{issued.application_id} keeps it" in confirm.content.decode()
    assert application.documents.filter(pk=carried.pk).exists()  # a GET removes nothing

    response = client.post(url)

    assert response.status_code == 302
    assert not application.documents.filter(pk=carried.pk).exists()
    assert default_storage.exists(carried.file.name)
    assert issued.application.documents.filter(kind="licence").exists()


def test_another_supplier_cannot_reach_the_removal(client, supplier, supplier_2, issued):
    application = renewal.renewal_open(actor=supplier, certificate=issued, as_of=AS_OF)
    document = application.documents.first()
    url = reverse("products:application_document_remove", args=[application.pk, document.pk])
    client.force_login(supplier_2)

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert application.documents.filter(pk=document.pk).exists()


def test_a_document_of_a_submitted_application_cannot_be_removed(client, supplier, issued):
    application = renewal.renewal_open(actor=supplier, certificate=issued, as_of=AS_OF)
    application_submit(actor=supplier, application=application)
    document = application.documents.first()
    url = reverse("products:application_document_remove", args=[application.pk, document.pk])
    client.force_login(supplier)

    response = client.post(url)

    assert response.status_code == 302
    assert application.documents.filter(pk=document.pk).exists()


def test_the_certificate_list_marks_renewals_and_offers_renew_to_the_holder(
    client, supplier, supplier_org, city_officer, issued, django_assert_max_num_queries
):
    renewing = certificate_on(
        approved_application(supplier, f.ProductFactory(supplier=supplier_org))
    )
    renewal.renewal_open(actor=supplier, certificate=renewing, as_of=AS_OF)
    renewed = certificate_on(None, product=f.ProductFactory(supplier=supplier_org))
    certificate_on(
        None, product=renewed.product, until=AS_OF + 800 * DAY, status="pending", renews=renewed
    )

    body = get(client, supplier, "products:certificates").content.decode()
    assert body.count('data-testid="renewal-open-mark"') == 1
    assert body.count('data-testid="renewed-mark"') == 1
    assert renew_url(issued) in body  # expiring, nothing under way: the holder may renew
    assert renew_url(renewing) not in body

    office = get(client, city_officer, "products:certificates").content.decode()
    assert 'data-testid="renew-link"' not in office
    with django_assert_max_num_queries(8):  # the marks come in the list's own SELECT
        client.get(reverse("products:certificates"))
