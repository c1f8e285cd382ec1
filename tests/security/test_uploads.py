"""Hostile uploads (issue 7): every file input of the portal, through the browser form as its
user posts it and through the API where the API takes the file.

A file that lies about its type (a web page or a program named ``.pdf``, ``.jpg`` or
``.xlsx`` and sent with that type's header) and a file one byte over the size limit are both
refused with a message saying why, and nothing is kept: no row, no file under MEDIA_ROOT.
Types are told by content (``portal.uploads``, ``portal.spreadsheets``), never by the name or
the header the browser sends. Hostile spreadsheets (zip bombs, formulas, encodings) are in
tests/portal/test_spreadsheets.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from outlets.models import Inspection, InspectionPhoto, OutletPhoto, OutletSalesReport
from outlets.selectors import Month
from outlets.services.registry import CHECKLIST_CODES
from portal.periods import today
from procurement.models import ProcurementRecord, Voucher
from products.models import ApplicationDocument, CertificationScheme, ProductPhoto
from products.services.applications import application_create
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 23)  # 2026Q4 is open: a purchase of 2026-10-09 may be logged
MB = 1024 * 1024

# What the files really are.
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
PDF = b"%PDF-1.4\n% a scanned invoice\n"

NOT_A_DOCUMENT = "is not a PDF, JPEG or PNG file."
NOT_A_PICTURE = "is not a JPEG or PNG picture."
NOT_A_WORKBOOK = "The file is not a valid Excel workbook."

# (name, content, the type the browser claims, the refusal said)
DOCUMENT_LIES = [
    ("invoice.pdf", HTML, "application/pdf", NOT_A_DOCUMENT),
    ("invoice.jpg", EXE, "image/jpeg", NOT_A_DOCUMENT),
]
PICTURE_LIES = [
    ("shelf.jpg", HTML, "image/jpeg", NOT_A_PICTURE),
    ("shelf.png", EXE, "image/png", NOT_A_PICTURE),
    ("shelf.jpg", PDF, "image/jpeg", NOT_A_PICTURE),  # a real PDF is still no picture
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPREADSHEET_LIES = [("purchases.xlsx", EXE, XLSX, NOT_A_WORKBOOK)]


@dataclass(frozen=True)
class UploadField:
    """One file input: who posts it where, with which other values; the rows it would make."""

    persona: str
    field: str
    target: Callable[[pytest.FixtureRequest], tuple[str, dict]]
    rows: tuple[type[models.Model], ...]
    lies: list[tuple[str, bytes, str, str]]
    # A file of the right type: (its first bytes, name, type); padded to the size under test.
    looks_like: tuple[bytes, str, str]
    api: bool = False
    keeps_the_file: bool = True  # imports read the file and keep only rows


def _seller(request):
    """The clerk's supplier, recognised over 2025–2026."""
    seller = request.getfixturevalue("supplier_org")
    f.CertificateFactory(
        product=f.ProductFactory(supplier=seller),
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )
    return seller


def voucher_on_a_new_purchase(request):
    return reverse("procurement:record_create"), f.purchase_form(_seller(request))


def voucher_on_a_correction(request):
    seller = _seller(request)
    record = f.RecordFactory(
        budget_unit=request.getfixturevalue("unit_a"),
        supplier=seller,
        purchased_on=datetime.date(2026, 10, 9),
        amount="1000.00",
    )
    return reverse("procurement:record_edit", args=[record.pk]), f.purchase_form(seller)


def procurement_import(request):
    return reverse("procurement:import"), {}


def procurement_import_api(request):
    return "/api/v1/procurement/imports/", {}


def product_photo(request):
    product = f.ProductFactory(supplier=request.getfixturevalue("supplier_org"))
    return reverse("products:my_photo_add", args=[product.pk]), {"caption": "包装"}


def outlet_photo(request):
    outlet = f.OutletFactory()
    return reverse("outlets:outlet_photo_add", args=[outlet.pk]), {"caption": "门头"}


def inspection_photos(request):
    outlet = f.OutletFactory(opened_on=datetime.date(2024, 1, 1))
    values = {
        "inspected_on": today().isoformat(),
        "inspector_name": "李明",
        "result": "passed",
        "findings": "",
        **{f"check_{code}": "passed" for code in CHECKLIST_CODES},
    }
    return reverse("outlets:inspection_create", args=[outlet.pk]), values


def _draft(request):
    supplier = request.getfixturevalue("supplier")
    return application_create(
        actor=supplier,
        supplier=request.getfixturevalue("supplier_org"),
        scheme=CertificationScheme.objects.get(pk="szp"),
        product=f.ProductFactory(supplier=request.getfixturevalue("supplier_org")),
        standard_claimed="《“圳品”评价规范》",
    )


def application_document(request):
    url = reverse("products:application_document_upload", args=[_draft(request).pk])
    return url, {"kind": "test_report"}


def application_document_api(request):
    return f"/api/v1/certifications/applications/{_draft(request).pk}/documents/", {
        "kind": "test_report"
    }


def _last_month() -> dict:
    month = Month.of(today()).previous()
    return {"year": month.year, "month": month.month}


def sales_import(request):
    return reverse("outlets:sales_import"), _last_month()


def sales_import_api(request):
    return "/api/v1/outlet-sales/import/", _last_month()


PDF_SIZED = (PDF, "scan.pdf", "application/pdf")
JPEG_SIZED = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "photo.jpg", "image/jpeg")
CSV_SIZED = ("采购日期,金额(元)\n".encode(), "purchases.csv", "text/csv")

FIELDS = {
    "voucher-new-purchase": UploadField(
        "clerk",
        "vouchers",
        voucher_on_a_new_purchase,
        (ProcurementRecord, Voucher),
        DOCUMENT_LIES,
        PDF_SIZED,
    ),
    "voucher-correction": UploadField(
        "clerk", "vouchers", voucher_on_a_correction, (Voucher,), DOCUMENT_LIES, PDF_SIZED
    ),
    "procurement-import": UploadField(
        "clerk",
        "file",
        procurement_import,
        (ProcurementRecord,),
        SPREADSHEET_LIES,
        CSV_SIZED,
        keeps_the_file=False,
    ),
    "procurement-import-api": UploadField(
        "clerk",
        "file",
        procurement_import_api,
        (ProcurementRecord,),
        SPREADSHEET_LIES,
        CSV_SIZED,
        api=True,
        keeps_the_file=False,
    ),
    "product-photo": UploadField(
        "supplier", "file", product_photo, (ProductPhoto,), PICTURE_LIES, JPEG_SIZED
    ),
    "outlet-photo": UploadField(
        "district_officer", "file", outlet_photo, (OutletPhoto,), PICTURE_LIES, JPEG_SIZED
    ),
    "inspection-photos": UploadField(
        "district_officer",
        "photos",
        inspection_photos,
        (Inspection, InspectionPhoto),
        PICTURE_LIES,
        JPEG_SIZED,
    ),
    "application-document": UploadField(
        "supplier",
        "file",
        application_document,
        (ApplicationDocument,),
        DOCUMENT_LIES,
        PDF_SIZED,
    ),
    "application-document-api": UploadField(
        "supplier",
        "file",
        application_document_api,
        (ApplicationDocument,),
        DOCUMENT_LIES,
        PDF_SIZED,
        api=True,
    ),
    "sales-import": UploadField(
        "district_officer",
        "file",
        sales_import,
        (OutletSalesReport,),
        SPREADSHEET_LIES,
        CSV_SIZED,
        keeps_the_file=False,
    ),
    "sales-import-api": UploadField(
        "district_officer",
        "file",
        sales_import_api,
        (OutletSalesReport,),
        SPREADSHEET_LIES,
        CSV_SIZED,
        api=True,
        keeps_the_file=False,
    ),
}


@pytest.fixture(autouse=True)
def english_today_and_media(settings, monkeypatch, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"
    for where in ("procurement.views.records.today", "procurement.views.imports.today"):
        monkeypatch.setattr(where, lambda: AS_OF)
    with translation.override("en"):
        yield


def oversized(looks_like: tuple[bytes, str, str]) -> tuple[str, bytes, str, str]:
    """A file of the right type one byte over the configured limit (zeros after its header:
    cheap to make, and nothing but its size is wrong)."""
    header, name, content_type = looks_like
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    content = header + bytes(limit + 1 - len(header))
    return name, content, content_type, f"larger than {limit // MB} MB"


def stored_files() -> list:
    media = settings.MEDIA_ROOT
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def post(upload_field: UploadField, user, url: str, values: dict, upload):
    if upload_field.api:
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(user)
        return client.post(url, {**values, upload_field.field: upload}, format="multipart")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client.post(url, {**values, upload_field.field: upload})


@pytest.mark.parametrize("hostile", ["lying about its type", "one byte too large"])
@pytest.mark.parametrize("name", list(FIELDS))
def test_a_hostile_upload_is_refused_with_a_reason_and_nothing_is_kept(request, name, hostile):
    upload_field = FIELDS[name]
    user = request.getfixturevalue(upload_field.persona)
    url, values = upload_field.target(request)
    before = {model: model.objects.count() for model in upload_field.rows}
    unchanged = list(ProcurementRecord.objects.values_list("pk", "amount", "updated_at"))
    lying = hostile == "lying about its type"
    files = upload_field.lies if lying else [oversized(upload_field.looks_like)]
    for file_name, content, content_type, said in files:
        upload = SimpleUploadedFile(file_name, content, content_type=content_type)
        response = post(upload_field, user, url, values, upload)

        assert response.status_code in (200, 400), (file_name, response.status_code)
        body = response.content.decode()
        assert said in body, (file_name, body[:2000])
        assert {model: model.objects.count() for model in upload_field.rows} == before
        assert list(ProcurementRecord.objects.values_list("pk", "amount", "updated_at")) == (
            unchanged
        )
        assert stored_files() == []


@pytest.mark.parametrize("name", [name for name, field in FIELDS.items() if field.keeps_the_file])
def test_the_same_post_with_a_genuine_file_keeps_it(request, name):
    """The control: the posts above are refused for their file alone, and a kept file does
    land under the MEDIA_ROOT those tests find empty."""
    upload_field = FIELDS[name]
    user = request.getfixturevalue(upload_field.persona)
    url, values = upload_field.target(request)
    header, file_name, content_type = upload_field.looks_like
    response = post(
        upload_field,
        user,
        url,
        values,
        SimpleUploadedFile(file_name, header + bytes(64), content_type=content_type),
    )
    assert response.status_code in (201, 302), response.content.decode()[:2000]
    assert len(stored_files()) == 1
