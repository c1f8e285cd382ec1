"""The certification API of api.md: the same services and scoping as the pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from products.models import Certificate, CertificationApplication
from tests import factories as f

pytestmark = pytest.mark.django_db

APPS = "/api/v1/certifications/applications/"
PDF = b"%PDF-1.4\n% a test report\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def mango(supplier_org):
    return f.ProductFactory(supplier=supplier_org, name="田阳香芒")


def drafted(supplier, mango) -> dict:
    response = api_for(supplier).post(
        APPS,
        {
            "scheme": "szp",
            "product": mango.pk,
            "standard_claimed": "《“圳品”评价规范》",
            "households": 120,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_supplier_drafts_documents_and_submits_then_the_reviewer_approves(
    supplier, reviewer, mango
):
    application = drafted(supplier, mango)
    assert application["status"] == "draft"
    assert set(application["actions"]) == {"submit", "withdraw"}
    url = f"{APPS}{application['id']}/"
    api = api_for(supplier)
    upload = SimpleUploadedFile("检测报告.pdf", PDF, content_type="application/pdf")
    response = api.post(
        f"{url}documents/", {"kind": "test_report", "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "application/pdf"
    assert api.post(f"{url}submit/").json()["status"] == "submitted"

    desk = api_for(reviewer)
    assert desk.post(f"{url}review/").json()["status"] == "under_review"
    response = desk.post(
        f"{url}evaluations/",
        {"evaluated_on": "2026-01-05", "score": "91.5", "findings": "合格"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    response = desk.post(
        f"{url}decide/", {"decision": "approve", "comment": "符合标准"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    number = response.json()["certificate"]["number"]
    assert number.startswith("SZP-")
    listed = api_for(supplier).get("/api/v1/certifications/certificates/").json()
    assert [c["number"] for c in listed["results"]] == [number]
    assert listed["results"][0]["scheme"] == "szp"


def test_a_supplier_cannot_approve_its_own_application(supplier, mango):
    application = drafted(supplier, mango)
    response = api_for(supplier).post(
        f"{APPS}{application['id']}/decide/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 403
    assert not Certificate.objects.exists()


def test_another_supplier_sees_and_touches_nothing(supplier, supplier_2, mango):
    application = drafted(supplier, mango)
    other = api_for(supplier_2)
    assert other.get(APPS).json()["count"] == 0
    url = f"{APPS}{application['id']}/"
    assert other.get(url).status_code == 404
    assert other.post(f"{url}submit/").status_code == 404
    upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    assert (
        other.post(
            f"{url}documents/", {"kind": "other", "file": upload}, format="multipart"
        ).status_code
        == 404
    )
    response = other.post(APPS, {"scheme": "szp", "product": mango.pk}, format="json")
    assert response.status_code == 403
    assert CertificationApplication.objects.count() == 1


def test_a_clerk_cannot_apply_or_read_applications(clerk, supplier, mango):
    drafted(supplier, mango)
    api = api_for(clerk)
    assert api.get(APPS).json()["count"] == 0
    assert api.post(APPS, {"scheme": "szp", "product": mango.pk}, format="json").status_code == 403


def test_a_forbidden_transition_is_a_400_naming_the_status(supplier, reviewer, mango):
    application = drafted(supplier, mango)
    response = api_for(reviewer).post(f"{APPS}{application['id']}/review/")
    assert response.status_code == 400
    assert "Draft" in response.json()["non_field_errors"][0]


def test_a_document_that_lies_about_its_type_is_refused(supplier, mango):
    application = drafted(supplier, mango)
    fake = SimpleUploadedFile(
        "licence.pdf", b"<html>not a pdf</html>", content_type="application/pdf"
    )
    response = api_for(supplier).post(
        f"{APPS}{application['id']}/documents/",
        {"kind": "licence", "file": fake},
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()


@pytest.mark.parametrize("size", [2, 25])
def test_the_list_runs_a_bounded_number_of_queries(reviewer, size, django_assert_max_num_queries):
    from products.models import CertificationScheme

    for _n in range(size):
        product = f.ProductFactory()
        CertificationApplication.objects.create(
            supplier=product.supplier,
            product=product,
            scheme=CertificationScheme.objects.get(code="szp"),
        )
    with django_assert_max_num_queries(5):
        assert api_for(reviewer).get(APPS).json()["count"] == size


def _upload(api, url, kind):
    upload = SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf")
    response = api.post(f"{url}documents/", {"kind": kind, "file": upload}, format="multipart")
    assert response.status_code == 201, response.json()


def test_a_szp_application_with_a_licence_only_is_refused_naming_the_test_report(supplier, mango):
    application = drafted(supplier, mango)
    url = f"{APPS}{application['id']}/"
    api = api_for(supplier)
    _upload(api, url, "licence")
    response = api.post(f"{url}submit/")
    assert response.status_code == 400
    assert "quality test report" in response.json()["non_field_errors"][0]
    _upload(api, url, "test_report")
    assert api.post(f"{url}submit/").json()["status"] == "submitted"


def test_the_supplier_completes_its_draft_by_patch_and_no_one_else_may(
    supplier, supplier_2, reviewer, mango
):
    response = api_for(supplier).post(
        APPS, {"scheme": "recognition", "product": mango.pk}, format="json"
    )
    url = f"{APPS}{response.json()['id']}/"
    response = api_for(supplier).patch(
        url, {"poverty_link": "订单农业，保底收购", "households": 42}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["households"], response.json()["poverty_link"]) == (
        42,
        "订单农业，保底收购",
    )
    assert api_for(supplier_2).patch(url, {"households": 1}, format="json").status_code == 404
    assert api_for(reviewer).patch(url, {"households": 1}, format="json").status_code == 403
    assert api_for(supplier).put(url, {"households": 1}, format="json").status_code == 405


def _under_review(supplier, reviewer, mango) -> str:
    application = drafted(supplier, mango)
    url = f"{APPS}{application['id']}/"
    _upload(api_for(supplier), url, "test_report")
    api_for(supplier).post(f"{url}submit/")
    api_for(reviewer).post(f"{url}review/")
    return url


def test_an_evaluation_scored_item_by_item(supplier, reviewer, mango):
    url = _under_review(supplier, reviewer, mango)
    items = {"standard": 30, "testing": 24, "process": 18, "packaging": "13.5", "traceability": 9}
    response = api_for(reviewer).post(
        f"{url}evaluations/",
        {"evaluated_on": "2026-01-05", "items": items, "findings": "合格"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["score"] == "94.50"
    assert response.json()["items"]["packaging"] == "13.50"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": {"standard": 31}}, "items"),
        ({"items": {"nonsense": 1}}, "items"),
        (
            {
                "items": {
                    "standard": 30,
                    "testing": 25,
                    "process": 20,
                    "packaging": 15,
                    "traceability": 10,
                },
                "score": "99",
            },
            "score",
        ),
        ({"findings": "no score at all"}, "score"),
    ],
)
def test_an_evaluation_that_does_not_add_up_is_a_400(supplier, reviewer, mango, body, field):
    url = _under_review(supplier, reviewer, mango)
    response = api_for(reviewer).post(
        f"{url}evaluations/", {"evaluated_on": "2026-01-05", **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
