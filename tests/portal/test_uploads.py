"""What an upload is told by its content (portal.uploads): a HEIC photo is named as such, with
what to do, wherever a voucher, a document or a photo is uploaded; other content is refused as
before."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.uploads import inspect_picture, inspect_upload

pytestmark = pytest.mark.usefixtures("english")


def upload(head: bytes, name: str = "IMG_0002.HEIC") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, head + b"\0" * 64, content_type="application/octet-stream")


@pytest.mark.parametrize("brand", [b"heic", b"heix", b"mif1", b"hevc"])
@pytest.mark.parametrize("inspect", [inspect_upload, inspect_picture], ids=["voucher", "photo"])
def test_a_heic_photo_is_refused_with_what_to_do(brand, inspect):
    with pytest.raises(ValidationError) as refusal:
        inspect(upload(b"\0\0\0\x18ftyp" + brand + b"\0\0\0\0"), field="file")
    [message] = refusal.value.message_dict["file"]
    assert "“IMG_0002.HEIC” is a HEIC photo" in message and "Most Compatible" in message


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\0\0\0\x18ftypisom\0\0\0\0", "is not a PDF, JPEG or PNG file."),  # an MP4 video
        (b"GIF89a", "is not a PDF, JPEG or PNG file."),
    ],
)
def test_other_content_is_refused_as_before(head, expected):
    with pytest.raises(ValidationError) as refusal:
        inspect_upload(upload(head, "clip.mp4"), field="file")
    assert expected in refusal.value.message_dict["file"][0]


def test_a_jpeg_still_passes():
    facts = inspect_upload(upload(b"\xff\xd8\xff\xe0", "IMG_0001.jpg"))
    assert facts.content_type == "image/jpeg"
