"""Hostile spreadsheets are refused whole, before any row is read (portal.spreadsheets): a CSV
with a million columns, a 10 MB line, a workbook that inflates like a zip bomb, a file that
claims to be a workbook and is not."""

import io
import zipfile

import pytest
from django.utils import translation

from portal.spreadsheets import ImportFileError, read_table


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(ImportFileError) as refused:
        read_table(name, content, expected_columns=10)
    return refused.value.message


def test_a_csv_with_a_million_columns_is_refused():
    content = ("a" + ",a" * 999_999 + "\n").encode()
    assert "1000000 columns" in refusal("wide.csv", content)


def test_a_csv_with_a_ten_megabyte_line_is_refused(settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 11 * 1024 * 1024
    content = b"x" * 10_000_000 + b"\n"
    assert "cannot be read near line 1" in refusal("long.csv", content)


def test_a_workbook_that_inflates_far_beyond_its_size_is_refused(settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 100_000  # so the bomb stays small for the test
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 3_000_000)
    bomb = buffer.getvalue()
    assert len(bomb) < 100_000
    assert "implausible size" in refusal("bomb.xlsx", bomb)


def test_a_file_that_claims_to_be_a_workbook_and_is_not_is_refused():
    assert "not a valid Excel workbook" in refusal("fake.xlsx", b"just text, no zip")
    assert "not a valid Excel workbook" in refusal("fake.xlsx", b"PK\x03\x04broken")


def test_an_old_xls_workbook_is_refused_with_what_to_do():
    assert "save the file as .xlsx or CSV" in refusal("old.xls", b"\xd0\xcf\x11\xe0")


def test_a_binary_file_posing_as_csv_is_refused():
    assert "not a CSV text file" in refusal("data.csv", b"a,b\n\x00\x00\x00\n")
