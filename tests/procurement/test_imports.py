"""Import of purchases (api.md, "Import file"): all rows or none, every bad row reported."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from rest_framework.test import APIClient

from portal.periods import Quarter, today
from procurement.imports import HEADERS, procurement_import
from procurement.models import ProcurementRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 23)


def row(seller, **overrides):
    values = {
        "采购日期": "2026-10-09",
        "供应商统一社会信用代码": seller.credit_code,
        "供应商名称": seller.name,
        "产品名称": "田阳香芒",
        "金额(元)": "1,280.50",
        "数量": "20",
        "单位": "箱",
        "采购渠道": "832平台",
        "用途": "食堂",
        "发票号码": "44030001",
    }
    values.update(overrides)
    return [values[h] for h in HEADERS]


def csv_bytes(rows, *, encoding="utf-8-sig", headers=HEADERS) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(clerk, unit, name, content):
    return procurement_import(
        actor=clerk, budget_unit=unit, name=name, content=content, as_of=AS_OF
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_each_accepted_encoding_imports(clerk, unit_a, seller, encoding):
    content = csv_bytes(
        [row(seller), row(seller, 发票号码="44030002", 采购渠道="outlet", 用途="union_welfare")],
        encoding=encoding,
    )
    result = run(clerk, unit_a, "采购.csv", content)
    assert result.errors == []
    assert result.created == 2
    first = ProcurementRecord.objects.get(invoice_no="44030001")
    assert first.amount == Decimal("1280.50")
    assert first.channel == "platform_832"
    assert first.purpose == "canteen"
    assert first.product.name == "田阳香芒"
    assert ProcurementRecord.objects.get(invoice_no="44030002").channel == "outlet"


def test_xlsx_imports_with_real_date_cells(clerk, unit_a, seller):
    values = row(seller)
    values[0] = datetime.datetime(2026, 10, 9)  # noqa: DTZ001 - an Excel date cell
    result = run(clerk, unit_a, "采购.xlsx", xlsx_bytes([values]))
    assert result.errors == []
    assert ProcurementRecord.objects.get().purchased_on == datetime.date(2026, 10, 9)


def test_a_file_in_another_encoding_is_refused(clerk, unit_a, seller):
    content = csv_bytes([row(seller)], encoding="utf-16")
    result = run(clerk, unit_a, "采购.csv", content)
    assert result.created == 0
    assert "encoding" in result.errors[0].message
    assert not ProcurementRecord.objects.exists()


def test_a_missing_column_is_named(clerk, unit_a, seller):
    headers = [h for h in HEADERS if h != "金额(元)"]
    content = csv_bytes(
        [[c for h, c in zip(HEADERS, row(seller), strict=True) if h != "金额(元)"]], headers=headers
    )
    result = run(clerk, unit_a, "采购.csv", content)
    assert result.created == 0
    assert "金额(元)" in result.errors[0].message


def test_every_bad_row_is_reported_and_nothing_is_saved(clerk, unit_a, seller):
    content = csv_bytes(
        [
            row(seller),  # row 2: good
            row(seller, 采购日期="2026-13-45", 发票号码="A1"),  # row 3: bad date
            row(
                seller,
                供应商统一社会信用代码="91350100M000100Y43",
                供应商名称="不存在的公司",
                发票号码="A2",
            ),  # row 4: unknown supplier
            row(seller, **{"金额(元)": "-12.00"}, 发票号码="A3"),  # row 5: negative amount
            row(seller),  # row 6: the invoice of row 2 again
            row(seller, 采购日期="2026-12-01", 发票号码="A4"),  # row 7: in the future
            row(seller, 采购渠道="飞鸽传书", 发票号码="A5"),  # row 8: unknown channel
        ]
    )
    result = run(clerk, unit_a, "采购.csv", content)
    assert result.created == 0
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (3, "采购日期"),
        (4, "供应商统一社会信用代码"),
        (5, "金额(元)"),
        (6, "发票号码"),
        (7, "采购日期"),
        (8, "采购渠道"),
    }
    assert not ProcurementRecord.objects.exists()


def test_an_invoice_already_in_the_ledger_is_a_duplicate(clerk, unit_a, seller):
    assert run(clerk, unit_a, "a.csv", csv_bytes([row(seller)])).created == 1
    result = run(clerk, unit_a, "b.csv", csv_bytes([row(seller)]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "发票号码")]
    assert ProcurementRecord.objects.count() == 1


def test_a_supplier_without_recognition_on_the_date_is_refused_by_row(clerk, unit_a, seller):
    result = run(clerk, unit_a, "a.csv", csv_bytes([row(seller, 采购日期="2024-12-31")]))
    assert any(
        e.column == "供应商统一社会信用代码" and seller.name in e.message for e in result.errors
    )


def test_hostile_shapes_are_refused_whole(clerk, unit_a, seller, settings):
    wide = ",".join(["x"] * 5000).encode()
    assert "columns" in run(clerk, unit_a, "a.csv", wide).errors[0].message
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    big = csv_bytes([row(seller, 发票号码=str(n)) for n in range(50)])
    assert "larger than" in run(clerk, unit_a, "a.csv", big).errors[0].message
    assert "Excel" in run(clerk, unit_a, "a.xlsx", b"PK\x03\x04garbage").errors[0].message
    assert not ProcurementRecord.objects.exists()


def test_only_the_unit_s_clerk_imports(approver, clerk_b, unit_a, seller):
    from django.core.exceptions import PermissionDenied

    for user in (approver, clerk_b):
        with pytest.raises(PermissionDenied):
            run(user, unit_a, "a.csv", csv_bytes([row(seller)]))


def test_ten_thousand_rows_import_reading_in_a_fixed_number_of_queries(clerk, unit_a, seller):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [
        row(seller, 发票号码=f"T{n:06d}", 采购日期=f"2026-10-{n % 28 + 1:02d}")
        for n in range(10_000)
    ]
    with CaptureQueriesContext(connection) as queries:
        result = run(clerk, unit_a, "big.csv", csv_bytes(rows))
    assert result.errors == []
    assert ProcurementRecord.objects.count() == 10_000
    # Inserts come in batches (SQLite splits them further); every other query is per file.
    reads = [q for q in queries.captured_queries if not q["sql"].startswith("INSERT")]
    assert len(reads) <= 15


def test_the_api_answers_as_api_md_says(clerk, unit_a, supplier_org):
    year = today().year
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org, name="田阳香芒"),
        valid_from=datetime.date(year - 1, 1, 1),
        valid_until=datetime.date(year, 12, 31),
    )
    day = Quarter.of(today()).first_day.isoformat()
    api = APIClient()
    api.force_authenticate(clerk)
    good = SimpleUploadedFile("a.csv", csv_bytes([row(supplier_org, 采购日期=day)]))
    response = api.post("/api/v1/procurement/imports/", {"file": good}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json() == {"created": 1}
    bad = SimpleUploadedFile(
        "b.csv", csv_bytes([row(supplier_org, 采购日期="not a date", 发票号码="X9")])
    )
    response = api.post("/api/v1/procurement/imports/", {"file": bad}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["created"] == 0
    assert body["errors"][0]["row"] == 2
    assert body["errors"][0]["column"] == "采购日期"
    assert ProcurementRecord.objects.count() == 1


def test_the_template_has_the_headers_the_unit_and_drop_downs(clerk, unit_a, seller):
    from openpyxl import load_workbook

    from procurement.imports import build_template

    content = build_template(unit_a)
    book = load_workbook(io.BytesIO(content))
    sheet = book["采购记录"]
    assert [cell.value for cell in sheet[1]] == list(HEADERS)
    assert book["填写说明"]["B1"].value == unit_a.name
    formulas = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert formulas == {"=选项!$A$1:$A$6", "=选项!$B$1:$B$4"}
    assert "832平台" in [c.value for c in book["选项"]["A"]]
    # The template itself, filled in with the drop-downs' labels, imports.
    sheet.append(
        [
            "2026-10-09",
            seller.credit_code,
            seller.name,
            "田阳香芒",
            88,
            1,
            "箱",
            book["选项"]["A1"].value,
            book["选项"]["B1"].value,
            "T-1",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(clerk, unit_a, "模板.xlsx", buffer.getvalue())
    assert result.errors == []
    assert ProcurementRecord.objects.get().channel == "platform_832"
