"""The purchase form's voucher inputs on a phone: the file input offers the PDFs and pictures
the server accepts, a second input opens the camera, and a refused photo (too large, HEIC)
brings the form back with everything else the clerk typed."""

import io
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.uploads import UPLOAD_SIGNATURES
from procurement.models import ProcurementRecord, Voucher
from tests import factories as f

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_and_today(settings, monkeypatch, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("procurement.views.records.today", lambda: AS_OF)


class Inputs(HTMLParser):
    """The attributes of every <input> of a page, by id."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.by_name: dict[str, list[dict]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            attrs = dict(attrs)
            self.by_id[attrs.get("id", "")] = attrs
            self.by_name.setdefault(attrs.get("name", ""), []).append(attrs)


def accepts(accept: str, content_type: str) -> bool:
    """Whether an ``accept`` attribute lets a file of ``content_type`` be chosen."""
    kinds = [part.strip() for part in accept.split(",")]
    return content_type in kinds or f"{content_type.split('/')[0]}/*" in kinds


def jpeg(size=(64, 48), *, name="IMG_0001.jpg", padding=0) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    # A JPEG may carry trailing bytes (a phone's metadata): they make it as large as wanted.
    return SimpleUploadedFile(name, buffer.getvalue() + b"\0" * padding, content_type="image/jpeg")


def heic(name="IMG_0002.HEIC") -> SimpleUploadedFile:
    # An ISO-BMFF box naming the HEIC brand: what an iPhone's "High Efficiency" photo begins with.
    return SimpleUploadedFile(
        name, b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64, content_type="image/heic"
    )


def test_the_voucher_input_takes_pictures_and_pdfs_and_the_camera_input_captures(
    client, clerk, recognised
):
    client.force_login(clerk)
    inputs = Inputs(client.get(reverse("procurement:record_create")).content.decode())

    chooser = inputs.by_id["id_vouchers"]
    assert "image/*" in chooser["accept"].split(",")
    assert "multiple" in chooser
    # Every kind of file the server accepts by content can be chosen, the PDF included...
    for _signature, content_type in UPLOAD_SIGNATURES:
        assert accepts(chooser["accept"], content_type), content_type
    # ...and the chooser does not force the camera, which would hide the PDFs on a phone.
    assert "capture" not in chooser

    camera = inputs.by_id["id_vouchers_camera"]
    assert camera["type"] == "file"
    assert camera["capture"] == "environment"
    assert accepts(camera["accept"], "image/jpeg")
    # Both inputs post under the one name the form reads.
    assert camera["name"] == chooser["name"] == "vouchers"
    assert [i["id"] for i in inputs.by_name["vouchers"]] == ["id_vouchers", "id_vouchers_camera"]


def test_the_help_names_the_limit_the_server_applies_and_refuses_heic(
    client, clerk, recognised, settings
):
    settings.PORTAL_MAX_UPLOAD_BYTES = 4 * 1024 * 1024
    client.force_login(clerk)
    page = client.get(reverse("procurement:record_create")).content.decode()
    assert "Photos are sent as JPEG, up to 4 MB each; HEIC pictures are refused." in page
    assert f'data-max-bytes="{4 * 1024 * 1024}"' in page
    assert 'src="/static/js/voucher.js"' in page


def test_a_photo_from_the_camera_and_a_pdf_from_the_chooser_are_both_kept(
    client, clerk, recognised
):
    client.force_login(clerk)
    pdf = SimpleUploadedFile("发票.pdf", b"%PDF-1.4\n%\n", content_type="application/pdf")

    response = client.post(
        reverse("procurement:record_create"),
        {**f.purchase_form(recognised), "vouchers": [pdf, jpeg()]},
    )

    assert response.status_code == 302
    record = ProcurementRecord.objects.get()
    assert sorted(record.vouchers.values_list("original_name", "content_type")) == [
        ("IMG_0001.jpg", "image/jpeg"),
        ("发票.pdf", "application/pdf"),
    ]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: jpeg(padding=1024 * 1024), "“IMG_0001.jpg” is larger than 1 MB."),
        (heic, "“IMG_0002.HEIC” is a HEIC photo, which the portal does not accept"),
    ],
    ids=["too large", "heic"],
)
def test_a_refused_photo_brings_the_form_back_with_the_other_fields_kept(
    client, clerk, recognised, settings, upload, message
):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(clerk)

    response = client.post(
        reverse("procurement:record_create"),
        {**f.purchase_form(recognised, invoice_no="44039999", unit="斤"), "vouchers": [upload()]},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    # The clerk is told that the files, and only they, must be chosen again.
    assert 'data-testid="vouchers-again"' in body
    assert "choose or photograph the vouchers again" in body
    assert "Pictures in HEIC format are not accepted and each file may be up to 1 MB" in body
    inputs = Inputs(body)
    assert inputs.by_id["id_amount"]["value"] == "3,280.00"
    assert inputs.by_id["id_invoice_no"]["value"] == "44039999"
    assert inputs.by_id["id_unit"]["value"] == "斤"
    assert inputs.by_id["id_purchased_on"]["value"] == "2026-10-09"
    assert f'<option value="{recognised.pk}" selected>' in body
    assert '<option value="platform_832" selected>' in body
    assert not ProcurementRecord.objects.exists()
    assert not Voucher.objects.exists()
