"""The supplier's application journey in the browser: choose a scheme, draft, upload, see what
is missing, submit, withdraw, answer a request for more material. Same services as the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from portal.periods import today
from products.models import (
    ApplicationDocument,
    Certificate,
    CertificationApplication,
    CertificationScheme,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a test report\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
Status = CertificationApplication.Status


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def mango(supplier_org):
    return f.ProductFactory(supplier=supplier_org, name="田阳香芒")


def page(client, user, name, *args, **query):
    client.force_login(user)
    url = reverse(name, args=args)
    return client.get(url, query) if query else client.get(url)


def draft_via_page(client, supplier, mango, scheme="szp", **facts) -> CertificationApplication:
    client.force_login(supplier)
    response = client.post(
        reverse("products:application_create") + f"?scheme={scheme}",
        {
            "scheme": scheme,
            "product": mango.pk,
            "standard_claimed": facts.get("standard_claimed", "《“圳品”评价规范》"),
            "poverty_link": facts.get("poverty_link", ""),
            "households": facts.get("households", ""),
        },
    )
    application = CertificationApplication.objects.latest("pk")
    assert response.status_code == 302
    assert response.url == reverse("products:application_detail", args=[application.pk]) + (
        "#documents"
    )
    return application


def upload(client, application, kind="test_report", name="检测报告.pdf", content=PDF):
    return client.post(
        reverse("products:application_document_upload", args=[application.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )


# --- Choosing and drafting ----------------------------------------------------------------


def test_the_scheme_cards_explain_each_scheme_and_link_to_its_form(client, supplier, mango):
    response = page(client, supplier, "products:application_create")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="scheme-recognition"' in body
    assert 'data-testid="scheme-szp"' in body
    # No base yet: the base card says so instead of linking to a form it could not fill.
    assert 'data-testid="scheme-base-unavailable"' in body
    assert "a quality test report document".capitalize() in body
    form = page(client, supplier, "products:application_create", scheme="szp")
    assert form.status_code == 200
    assert [p.name for p in form.context["form"].fields["product"].queryset] == ["田阳香芒"]


def test_the_form_offers_only_the_supplier_s_own_listed_products(
    client, supplier, supplier_org, supplier_org_2, mango
):
    f.ProductFactory(supplier=supplier_org, name="已暂停的芒果", status="suspended")
    f.ProductFactory(supplier=supplier_org_2, name="喀什西梅")
    response = page(client, supplier, "products:application_create", scheme="recognition")
    choices = [p.name for p in response.context["form"].fields["product"].queryset]
    assert choices == ["田阳香芒"]
    # A product of another supplier posted by hand is refused as an invalid choice.
    other = f.ProductFactory(supplier=supplier_org_2)
    response = client.post(
        reverse("products:application_create"), {"scheme": "recognition", "product": other.pk}
    )
    assert response.status_code == 200
    assert "product" in response.context["form"].errors
    assert not CertificationApplication.objects.exists()


def test_a_draft_may_be_saved_incomplete_and_its_page_ticks_what_is_missing(
    client, supplier, mango
):
    application = draft_via_page(client, supplier, mango, scheme="recognition", households="")
    assert application.status == Status.DRAFT
    response = page(client, supplier, "products:application_detail", application.pk)
    checks = {check.code: check.met for check in response.context["checks"]}
    assert checks == {"poverty_link": False, "households": False, "licence": False}
    body = response.content.decode()
    assert 'data-testid="upload-document"' in body
    assert 'data-testid="submit-application"' in body
    assert 'data-testid="edit-application"' in body


def test_a_second_open_application_for_the_same_product_is_refused_on_the_form(
    client, supplier, mango
):
    draft_via_page(client, supplier, mango)
    response = client.post(
        reverse("products:application_create") + "?scheme=szp",
        {"scheme": "szp", "product": mango.pk},
    )
    assert response.status_code == 200
    assert "already has an open" in str(response.context["form"].non_field_errors())
    assert CertificationApplication.objects.count() == 1


def test_the_supplier_edits_its_draft(client, supplier, mango):
    application = draft_via_page(client, supplier, mango, scheme="recognition")
    url = reverse("products:application_edit", args=[application.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"poverty_link": "保底收购，按量分红", "households": "85"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.poverty_link, application.households) == ("保底收购，按量分红", 85)
    response = client.post(url, {"households": "-3"})
    assert response.status_code == 200
    assert "households" in response.context["form"].errors


# --- Documents ----------------------------------------------------------------------------


def test_documents_are_checked_by_content_and_downloaded_through_a_scoped_view(
    client, supplier, supplier_2, reviewer, clerk, mango
):
    application = draft_via_page(client, supplier, mango)
    refused = upload(client, application, kind="licence", name="营业执照.pdf", content=b"GIF89a")
    assert refused.status_code == 200
    assert "file" in refused.context["document_form"].errors
    assert 'data-testid="error-summary"' in refused.content.decode()
    accepted = upload(client, application, kind="licence", name="营业执照.png", content=PNG)
    assert accepted.status_code == 302
    assert upload(client, application).status_code == 302
    document = ApplicationDocument.objects.get(kind="test_report")
    document_args = (application.pk, document.pk)
    url = reverse("products:application_document", args=document_args)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert (
        page(client, reviewer, "products:application_document", *document_args).status_code == 200
    )
    assert page(client, clerk, "products:application_document", *document_args).status_code == 403
    assert (
        page(client, supplier_2, "products:application_document", *document_args).status_code == 404
    )
    # The document of one application is not reachable under another's number.
    other = draft_via_page(client, supplier, f.ProductFactory(supplier=mango.supplier))
    client.force_login(supplier)
    wrong = reverse("products:application_document", args=[other.pk, document.pk])
    assert client.get(wrong).status_code == 404


def test_no_upload_once_submitted(client, supplier, mango):
    application = draft_via_page(client, supplier, mango)
    upload(client, application)
    client.post(reverse("products:application_submit", args=[application.pk]))
    response = page(client, supplier, "products:application_detail", application.pk)
    assert 'data-testid="upload-document"' not in response.content.decode()
    refused = upload(client, application, kind="other")
    assert refused.status_code == 200
    assert ApplicationDocument.objects.count() == 1


# --- Submitting and withdrawing -----------------------------------------------------------


def test_the_submit_page_lists_what_is_missing_and_refuses(client, supplier, mango):
    application = draft_via_page(client, supplier, mango, scheme="recognition")
    upload(client, application, kind="test_report")
    url = reverse("products:application_submit", args=[application.pk])
    response = client.get(url)
    body = response.content.decode()
    assert 'data-testid="missing-requirements"' in body
    assert "Business licence document".lower() in body.lower()
    assert "disabled" in body.split('data-testid="confirm"')[1].split(">")[0]
    response = client.post(url)
    assert response.status_code == 200
    assert "business licence" in str(response.context["form"].non_field_errors())
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_a_supplier_awaiting_activation_drafts_but_cannot_submit(
    client, supplier, supplier_org, mango
):
    supplier_org.status = "pending"
    supplier_org.save()
    application = draft_via_page(client, supplier, mango)
    upload(client, application)
    response = client.get(reverse("products:application_submit", args=[application.pk]))
    assert 'data-testid="supplier-inactive"' in response.content.decode()
    response = client.post(reverse("products:application_submit", args=[application.pk]))
    assert "only an active supplier may submit" in str(response.context["form"].non_field_errors())
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_withdraw_asks_for_confirmation(client, supplier, mango):
    application = draft_via_page(client, supplier, mango)
    url = reverse("products:application_withdraw", args=[application.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'data-testid="confirm"' in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert client.post(url).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    # A closed application shows no step any more; asking for one goes back to its page.
    assert client.get(url).status_code == 302


# --- Who sees what ------------------------------------------------------------------------


def test_pages_answer_each_role_as_it_may(
    client, supplier, supplier_2, reviewer, city_officer, clerk, district_officer, mango
):
    application = draft_via_page(client, supplier, mango)
    one = (application.pk,)
    expectations = [
        (supplier, "products:applications", (), 200),
        (reviewer, "products:applications", (), 200),
        (city_officer, "products:applications", (), 200),
        (clerk, "products:applications", (), 403),
        (district_officer, "products:applications", (), 403),
        (supplier, "products:application_create", (), 200),
        (reviewer, "products:application_create", (), 403),
        (city_officer, "products:application_create", (), 403),
        (supplier, "products:application_detail", one, 200),
        (supplier_2, "products:application_detail", one, 404),
        (reviewer, "products:application_detail", one, 200),
        (city_officer, "products:application_detail", one, 200),
        (clerk, "products:application_detail", one, 403),
        (supplier, "products:application_edit", one, 200),
        (supplier_2, "products:application_edit", one, 404),
        (reviewer, "products:application_edit", one, 403),
        (city_officer, "products:application_edit", one, 403),
        (supplier, "products:application_submit", one, 200),
        (supplier_2, "products:application_submit", one, 404),
        (reviewer, "products:application_submit", one, 403),
        (supplier, "products:application_approve", one, 403),
        (supplier, "products:application_reject", one, 403),
        (supplier, "products:application_return", one, 403),
        (supplier, "products:application_evaluate", one, 403),
        (city_officer, "products:application_approve", one, 403),
        (city_officer, "products:application_withdraw", one, 403),
    ]
    for user, name, args, status in expectations:
        response = page(client, user, name, *args)
        assert response.status_code == status, (user.username, name)
    client.logout()
    response = client.get(reverse("products:application_detail", args=one))
    assert response.status_code == 302  # to the sign-in page


def test_the_city_office_reads_but_never_changes_the_supplier_s_data(
    client, supplier, city_officer, mango
):
    application = draft_via_page(client, supplier, mango)
    response = page(client, city_officer, "products:application_detail", application.pk)
    body = response.content.decode()
    assert 'data-testid="actions"' not in body
    assert 'data-testid="upload-document"' not in body
    assert upload(client, application).status_code == 403
    response = client.post(
        reverse("products:application_edit", args=[application.pk]), {"households": "9"}
    )
    assert response.status_code == 403
    withdraw = reverse("products:application_withdraw", args=[application.pk])
    assert client.post(withdraw).status_code == 403
    application.refresh_from_db()
    assert application.status == Status.DRAFT and application.households == 0


def test_a_supplier_lists_only_its_own_applications(
    client, supplier, supplier_2, supplier_org_2, mango
):
    draft_via_page(client, supplier, mango)
    CertificationApplication.objects.create(
        supplier=supplier_org_2,
        scheme=CertificationScheme.objects.get(code="szp"),
        product=f.ProductFactory(supplier=supplier_org_2, name="喀什西梅"),
    )
    response = page(client, supplier, "products:applications")
    body = response.content.decode()
    assert "田阳香芒" in body and "喀什西梅" not in body
    assert response.context["totals"]["total"] == 1
    empty = page(client, supplier_2, "products:applications", status="approved")
    assert 'data-testid="empty-state"' in empty.content.decode()


@pytest.mark.parametrize("size", [2, 24])
def test_the_supplier_s_list_runs_a_bounded_number_of_queries(
    client, supplier, supplier_org, size, django_assert_max_num_queries
):
    szp = CertificationScheme.objects.get(code="szp")
    for _n in range(size):
        CertificationApplication.objects.create(
            supplier=supplier_org, scheme=szp, product=f.ProductFactory(supplier=supplier_org)
        )
    client.force_login(supplier)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("products:applications"))
    assert response.context["totals"]["total"] == size


# --- Return and resubmit, by pages --------------------------------------------------------


def test_return_for_more_material_and_resubmit_by_pages(client, supplier, reviewer, mango):
    application = draft_via_page(client, supplier, mango)
    upload(client, application)
    client.post(reverse("products:application_submit", args=[application.pk]))

    client.force_login(reviewer)
    client.post(reverse("products:application_review", args=[application.pk]))
    return_url = reverse("products:application_return", args=[application.pk])
    refused = client.post(return_url, {"comment": "  "})
    assert refused.status_code == 200
    assert "comment" in refused.context["form"].errors
    assert client.post(return_url, {"comment": "请补充第三方农残检测报告"}).status_code == 302

    response = page(client, supplier, "products:application_detail", application.pk)
    body = response.content.decode()
    assert 'data-testid="returned-request"' in body
    assert "请补充第三方农残检测报告" in body
    assert 'data-testid="upload-document"' in body
    assert "Submit again" in body
    upload(client, application, name="农残检测报告.pdf")
    assert client.post(reverse("products:application_submit", args=[application.pk])).status_code
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.documents.count() == 2
    steps = list(application.events.values_list("action", flat=True))
    assert steps == ["create", "submit", "review", "return", "submit"]


# --- The whole journey, by pages ----------------------------------------------------------


def test_the_whole_journey_by_pages(client, supplier, reviewer, mango):
    # The supplier picks 圳品, drafts, uploads the test report and submits.
    client.force_login(supplier)
    assert (
        'data-testid="scheme-szp"'
        in client.get(reverse("products:application_create")).content.decode()
    )
    application = draft_via_page(client, supplier, mango, households="120")
    assert upload(client, application).status_code == 302
    submit = reverse("products:application_submit", args=[application.pk])
    assert 'data-testid="missing-requirements"' not in client.get(submit).content.decode()
    assert client.post(submit).status_code == 302

    # The reviewer finds it in the queue, takes it up, evaluates and approves.
    queue = page(client, reviewer, "products:applications")
    assert [a.pk for a in queue.context["page"].object_list] == [application.pk]
    detail = client.get(reverse("products:application_detail", args=[application.pk]))
    assert 'data-testid="take-review"' in detail.content.decode()
    client.post(reverse("products:application_review", args=[application.pk]))
    detail = client.get(reverse("products:application_detail", args=[application.pk]))
    body = detail.content.decode()
    assert 'data-testid="record-evaluation"' in body and 'data-testid="approve"' in body
    evaluate = reverse("products:application_evaluate", args=[application.pk])
    response = client.post(
        evaluate,
        {
            "evaluated_on": today().isoformat(),
            "findings": "基地管理规范",
            "item_standard": "28",
            "item_testing": "25",
            "item_process": "18",
            "item_packaging": "13.5",
            "item_traceability": "9",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    approve = reverse("products:application_approve", args=[application.pk])
    assert 'data-testid="confirm"' in client.get(approve).content.decode()
    assert client.post(approve, {"comment": "符合圳品评价规范"}).status_code == 302

    certificate = Certificate.objects.get(application=application)
    assert certificate.number.startswith("SZP-")
    response = page(client, supplier, "products:application_detail", application.pk)
    body = response.content.decode()
    assert certificate.number in body
    assert 'data-testid="certificate"' in body
    assert "<strong>93.5</strong>" in body  # the checklist total
    assert [e.action for e in response.context["timeline"]] == [
        "create",
        "submit",
        "review",
        "approve",
    ]
