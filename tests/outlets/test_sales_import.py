"""Import of a month's sales (issue 5, point 2): all rows or none, every bad row named with its
row number, column and reason; the template round-trips."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from outlets.imports import AMOUNT, DISTRICT, HEADERS, ID, MONTH, NAME, build_template, sales_import
from outlets.models import Outlet, OutletSalesReport
from outlets.selectors import Month
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 4, 15)


@pytest.fixture(autouse=True)
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def outlets():
    opened = datetime.date(2025, 1, 1)
    futian, nanshan = f.region(f.FUTIAN), f.region(f.NANSHAN)
    return {
        "a": f.OutletFactory(name="福田口岸专柜", district=futian, opened_on=opened),
        "b": f.OutletFactory(name="福田会展专区", district=futian, opened_on=opened),
        "c": f.OutletFactory(name="华强北专馆", district=futian, opened_on=opened),
        "nanshan": f.OutletFactory(name="南山科技园专柜", district=nanshan, opened_on=opened),
        "exited": f.OutletFactory(
            name="福田旧专柜",
            district=futian,
            opened_on=opened,
            status=Outlet.Status.EXITED,
            exited_on=datetime.date(2026, 1, 31),
        ),
        "new": f.OutletFactory(
            name="福田新专柜", district=futian, opened_on=datetime.date(2026, 4, 2)
        ),
    }


def row(outlet=None, amount="1,234.50", *, number=None, name=None, district=None, month=""):
    values = {
        ID: str(number if number is not None else (outlet.pk if outlet else "")),
        NAME: name if name is not None else (outlet.name if outlet else ""),
        DISTRICT: district if district is not None else (outlet.district.name if outlet else ""),
        "类型": "专柜",
        MONTH: month,
        AMOUNT: amount,
    }
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


def run(user, content, name="销售额.csv", year=2026, month=3):
    return sales_import(actor=user, year=year, month=month, name=name, content=content, as_of=AS_OF)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_each_accepted_encoding_imports(district_officer, outlets, encoding):
    content = csv_bytes([row(outlets["a"]), row(outlets["b"], "88")], encoding=encoding)
    result = run(district_officer, content)
    assert result.errors == []
    assert (result.created, result.updated) == (2, 0)
    assert OutletSalesReport.objects.get(outlet=outlets["a"]).amount == Decimal("1234.50")
    assert OutletSalesReport.objects.get(outlet=outlets["b"]).reported_by == district_officer


def test_outlets_are_named_by_number_or_by_district_and_name(district_officer, outlets):
    content = csv_bytes(
        [
            row(outlets["a"], name=""),  # the number alone
            row(number="", name=outlets["b"].name, district="福田区"),
            row(number="", name=outlets["c"].name, district=f.FUTIAN),  # the division code
        ]
    )
    result = run(district_officer, content)
    assert result.errors == []
    assert result.created == 3


def test_a_second_import_corrects_and_counts_what_changed(district_officer, outlets):
    run(district_officer, csv_bytes([row(outlets["a"], "100"), row(outlets["b"], "200")]))
    result = run(
        district_officer,
        csv_bytes([row(outlets["a"], "100"), row(outlets["b"], "250"), row(outlets["c"], "")]),
    )
    assert result.errors == []
    assert result.counts() == {"created": 0, "updated": 1, "unchanged": 1, "skipped": 1}
    assert OutletSalesReport.objects.get(outlet=outlets["b"]).amount == Decimal("250")
    assert not OutletSalesReport.objects.filter(outlet=outlets["c"]).exists()


def test_every_bad_row_is_reported_and_nothing_is_saved(district_officer, outlets):
    d, e, g = (
        f.OutletFactory(name=name, opened_on=datetime.date(2025, 1, 1))
        for name in ("专柜D", "专柜E", "专柜G")
    )
    content = csv_bytes(
        [
            row(outlets["a"]),  # row 2: good
            row(number="999999", name=""),  # row 3: unknown number
            row(number="", name="不存在的专柜", district="福田区"),  # row 4: unknown name
            row(outlets["nanshan"]),  # row 5: outside the district
            row(outlets["a"], "5"),  # row 6: the outlet of row 2 again
            row(outlets["b"], "-12.00"),  # row 7: negative
            row(outlets["c"], "12000000"),  # row 8: absurd
            row(outlets["exited"], "10"),  # row 9: exited in January
            row(outlets["new"], "10"),  # row 10: opened in April
            row(number="", name=outlets["b"].name, district="火星区", amount="1"),  # row 11
            row(d, "十二万"),  # row 12: not a number
            row(e, "1", month="2026-02", name=""),  # row 13: another month
            row(g, "1", name="别的名字"),  # row 14: number and name disagree
        ]
    )
    result = run(district_officer, content)
    assert result.created == 0
    found = [(e.row, e.column) for e in result.errors]
    assert found == [
        (3, ID),
        (4, NAME),
        (5, NAME),
        (6, NAME),
        (7, AMOUNT),
        (8, AMOUNT),
        (9, MONTH),
        (10, MONTH),
        (11, DISTRICT),
        (12, AMOUNT),
        (13, MONTH),
        (14, NAME),
    ]
    messages = {e.row: e.message for e in result.errors}
    assert "outside your district" in messages[5]
    assert "in row 2 already" in messages[6]
    assert "negative" in messages[7]
    assert "decimal point" in messages[8]
    assert "exited on 2026-01-31" in messages[9]
    assert "opened on 2026-04-02" in messages[10]
    assert "not an amount" in messages[12]
    assert "2026-02" in messages[13]
    assert not OutletSalesReport.objects.exists()


def test_an_operator_imports_only_its_own_outlets(supplier, supplier_org, outlets):
    outlets["a"].operator = supplier_org
    outlets["a"].save()
    result = run(supplier, csv_bytes([row(outlets["a"]), row(outlets["b"])]))
    assert [(e.row, e.column) for e in result.errors] == [(3, NAME)]
    assert "not operated by your organisation" in result.errors[0].message
    assert run(supplier, csv_bytes([row(outlets["a"])])).created == 1


def test_a_future_month_is_refused_whole(district_officer, outlets):
    result = run(district_officer, csv_bytes([row(outlets["a"])]), month=5)
    assert [(e.row, e.column) for e in result.errors] == [(1, MONTH)]
    assert "has not begun" in result.errors[0].message


def test_a_role_that_does_not_report_is_refused(clerk, outlets):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run(clerk, csv_bytes([row(outlets["a"])]))


def test_file_checks(district_officer, outlets, settings):
    assert (
        "encoding"
        in run(district_officer, csv_bytes([row(outlets["a"])], encoding="utf-16"))
        .errors[0]
        .message
    )
    wide = ",".join(["x"] * 5000).encode()
    assert "columns" in run(district_officer, wide).errors[0].message
    assert "Excel" in run(district_officer, b"PK\x03\x04garbage", "a.xlsx").errors[0].message
    assert "Excel" in run(district_officer, b"not a zip", "a.xlsx").errors[0].message
    assert ".xls" in run(district_officer, b"\xd0\xcf\x11\xe0", "a.xls").errors[0].message
    missing = run(district_officer, csv_bytes([["1", "2"]], headers=["专柜", "金额"]))
    assert AMOUNT in missing.errors[0].message
    assert "empty" in run(district_officer, b"").errors[0].message
    no_amounts = run(district_officer, csv_bytes([row(outlets["a"], "")]))
    assert "No row of the file has an amount" in no_amounts.errors[0].message
    settings.PORTAL_MAX_UPLOAD_BYTES = 200
    big = csv_bytes([row(outlets["a"]) for _ in range(10)])
    assert "larger than" in run(district_officer, big).errors[0].message
    assert not OutletSalesReport.objects.exists()


def test_too_many_rows_are_refused(district_officer, outlets, monkeypatch):
    monkeypatch.setattr("portal.spreadsheets.MAX_ROWS", 3)
    content = csv_bytes([row(outlets["a"]) for _ in range(6)])
    assert "more than 3 rows" in run(district_officer, content).errors[0].message


def test_xlsx_numbers_and_formulas(district_officer, outlets):
    # openpyxl writes formulas without a cached result, as a script would: refused by cell.
    content = xlsx_bytes(
        [
            [outlets["a"].pk, outlets["a"].name, "福田区", "专柜", "2026-03", 1234.5],
            [outlets["b"].pk, outlets["b"].name, "福田区", "专区", "", "=1000+234.5"],
        ]
    )
    result = run(district_officer, content, "销售额.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(3, AMOUNT)]
    assert "formula" in result.errors[0].message
    content = xlsx_bytes(
        [
            [
                outlets["a"].pk,
                outlets["a"].name,
                "福田区",
                "专柜",
                datetime.date(2026, 3, 1),
                1234.5,
            ],
            [outlets["b"].pk, outlets["b"].name, "福田区", "专区", "2026年3月", 99],
        ]
    )
    result = run(district_officer, content, "销售额.xlsx")
    assert result.errors == []
    assert OutletSalesReport.objects.get(outlet=outlets["a"]).amount == Decimal("1234.50")


def test_the_template_round_trips(district_officer, outlets):
    OutletSalesReport.objects.create(outlet=outlets["b"], year=2026, month=3, amount=500)
    content = build_template(user=district_officer, month=Month(2026, 3))
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(HEADERS)
    listed = {r[1].value: r for r in sheet.iter_rows(min_row=2)}
    # The district's outlets open in March, not the exited or not-yet-opened ones, nor Nanshan's.
    assert set(listed) == {outlets["a"].name, outlets["b"].name, outlets["c"].name}
    assert listed[outlets["b"].name][5].value == 500
    assert listed[outlets["a"].name][4].value == "2026-03"
    assert book["填写说明"]["B2"].value == "2026-03"
    listed[outlets["a"].name][5].value = 321.5
    listed[outlets["b"].name][5].value = 600
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(district_officer, buffer.getvalue(), "模板.xlsx")
    assert result.errors == []
    assert result.counts() == {"created": 1, "updated": 1, "unchanged": 0, "skipped": 1}
    assert OutletSalesReport.objects.get(outlet=outlets["a"]).amount == Decimal("321.50")


def test_a_large_file_imports_reading_in_a_fixed_number_of_queries(district_officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    many = [
        f.OutletFactory(opened_on=datetime.date(2025, 1, 1), name=f"专柜{n:04d}")
        for n in range(300)
    ]
    content = csv_bytes([row(outlet, str(n)) for n, outlet in enumerate(many)])
    with CaptureQueriesContext(connection) as queries:
        result = run(district_officer, content)
    assert result.errors == []
    assert result.created == 300
    reads = [q for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) <= 8
