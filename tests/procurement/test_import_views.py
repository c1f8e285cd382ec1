"""The clerk's import page: template download, all-or-none upload, every problem listed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from procurement.models import ProcurementRecord

from .test_imports import AS_OF, csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr("procurement.views.imports.today", lambda: AS_OF)


def test_the_clerk_downloads_the_template_with_its_unit(client, clerk, unit_a):
    client.force_login(clerk)
    response = client.get(reverse("procurement:import_template"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book["填写说明"]["B1"].value == unit_a.name


def test_a_good_file_imports_and_leads_to_the_ledger(client, clerk, unit_a, seller):
    client.force_login(clerk)
    upload = SimpleUploadedFile("采购.csv", csv_bytes([row(seller), row(seller, 发票号码="2")]))
    response = client.post(reverse("procurement:import"), {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("procurement:ledger")
    assert "2 purchases imported" in response.content.decode()
    assert ProcurementRecord.objects.filter(budget_unit=unit_a).count() == 2


def test_a_bad_file_lists_every_problem_and_saves_nothing(client, clerk, unit_a, seller):
    client.force_login(clerk)
    content = csv_bytes(
        [
            row(seller),
            row(seller, 采购日期="2026-02-30", 发票号码="9"),
            row(seller, **{"金额(元)": "-1"}, 发票号码="10"),
        ]
    )
    response = client.post(
        reverse("procurement:import"), {"file": SimpleUploadedFile("采购.csv", content)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was imported: 2 problems were found." in body
    assert "2026-02-30" in body
    assert not ProcurementRecord.objects.exists()


def test_htmx_upload_gets_the_result_fragment_or_a_redirect(client, clerk, unit_a, seller):
    client.force_login(clerk)
    bad = SimpleUploadedFile("a.csv", csv_bytes([row(seller, 采购日期="x")]))
    response = client.post(reverse("procurement:import"), {"file": bad}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "<html" not in response.content.decode()
    assert "import-problems" in response.content.decode()
    good = SimpleUploadedFile("b.csv", csv_bytes([row(seller)]))
    response = client.post(reverse("procurement:import"), {"file": good}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("procurement:ledger")


def test_the_page_is_the_clerk_s_only(client, approver, supplier, city_officer):
    for user in (approver, supplier, city_officer):
        client.force_login(user)
        assert client.get(reverse("procurement:import")).status_code == 403
        assert client.get(reverse("procurement:import_template")).status_code == 403


def test_an_oversized_upload_is_refused_before_reading(client, clerk, unit_a, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 100
    client.force_login(clerk)
    upload = SimpleUploadedFile("a.csv", b"x" * 500)
    response = client.post(reverse("procurement:import"), {"file": upload})
    assert "larger than" in response.content.decode()
    assert not ProcurementRecord.objects.exists()
