"""Formula injection (issue 7, point 4): a name typed by a supplier, a unit or an outlet that
Excel would read as a formula is written into every export as text prefixed with ``'`` (the
OWASP CSV-injection rule), while the figures stay numbers.

Each export is built from data whose user-supplied names are the four classic payloads, read
back with openpyxl, and checked cell by cell: no formula anywhere, no text cell starting with a
formula trigger, each payload present as ``'`` + payload.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from outlets.selectors import Month
from portal.excel import FORMULA_TRIGGERS, safe_row, safe_value, write_row
from portal.models import Role
from portal.periods import today
from products.models import CertificationScheme, Product
from reporting.reports.data import collect_figures
from reporting.reports.workbook import workbook_bytes
from tests import factories as f

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example","x")'
PLUS = "+1+1"
MINUS = "-2+3"
AT = "@SUM(A1)"
PAYLOADS = (HYPERLINK, PLUS, MINUS, AT)
DAY = datetime.timedelta(days=1)
AS_OF = datetime.date(2026, 11, 23)
YEAR = 2026


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


# --- the helper --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", [*PAYLOADS, "\tcmd", "\r=1+1", "=1+1", "-", "@", '=cmd|" /C calc"!A0']
)
def test_a_text_that_could_start_a_formula_is_prefixed(text):
    assert safe_value(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [
        "百色芒果",
        "a=b",
        "",
        None,
        0,
        -5,
        3.5,
        Decimal("-1234.50"),
        datetime.date(2026, 3, 15),
        datetime.time(8, 0),
        True,
    ],
)
def test_anything_else_passes_unchanged(value):
    assert safe_value(value) is value


def test_write_row_keeps_styled_cells_and_numbers():
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    bold = WriteOnlyCell(sheet, value=HYPERLINK)
    bold.font = Font(bold=True)
    assert bold.data_type == "f"
    money = WriteOnlyCell(sheet, value=Decimal("-12.50"))
    money.number_format = "#,##0.00"
    row = safe_row([bold, money, PLUS, -3])
    assert row[0] is bold and bold.value == "'" + HYPERLINK and bold.data_type == "s"
    assert bold.font.b and row[1] is money and money.value == Decimal("-12.50")
    assert row[2:] == ["'" + PLUS, -3]
    write_row(sheet, [MINUS, 7])
    buffer = io.BytesIO()
    book.save(buffer)
    back = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert [c.value for c in back[1]] == ["'" + MINUS, 7]
    assert back["A1"].data_type == "s" and back["B1"].data_type == "n"


# --- reading an export back ---------------------------------------------------------------------


def book_of(response):
    assert response.status_code == 200, response.status_code
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(content))


def neutralised(book) -> set[str]:
    """Every cell of every sheet checked; returns the payloads found (without the quote)."""
    found = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                value = cell.value
                if not isinstance(value, str):
                    continue
                assert not value.startswith(FORMULA_TRIGGERS), (sheet.title, cell.coordinate, value)
                if value.startswith("'"):
                    assert cell.data_type == "s"
                    found.update(p for p in PAYLOADS if value[1:].startswith(p))
    return found


def numbers_in(book) -> list:
    return [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
    ]


# --- hostile data ----------------------------------------------------------------------------


@pytest.fixture
def hostile():
    """A unit, a supplier, a product and an outlet named with the payloads, and a purchase."""
    unit = f.BudgetUnitFactory(name=MINUS, region=f.region(f.FUTIAN))
    supplier = f.SupplierFactory(name=HYPERLINK)
    product = f.ProductFactory(
        supplier=supplier, name=PLUS, specification=AT, status=Product.Status.LISTED
    )
    f.CertificateFactory(
        product=product,
        scheme=CertificationScheme.objects.get(code="recognition"),
        valid_from=today() - 100 * DAY,
        valid_until=today() + 300 * DAY,
    )
    for quarter in (1, 2, 3):
        f.DeclarationFactory(
            budget_unit=unit, year=YEAR, quarter=quarter, agri_total=Decimal("100000.00")
        )
    record = f.RecordFactory(
        budget_unit=unit,
        supplier=supplier,
        product=product,
        purchased_on=datetime.date(YEAR, 8, 10),
        amount=Decimal("1234.50"),
        quantity=Decimal("40"),
        unit=AT,
        invoice_no=HYPERLINK[:40],
    )
    outlet = f.OutletFactory(
        name=AT,
        address=PLUS,
        operator=supplier,
        opened_on=datetime.date(2024, 1, 1),
    )
    outlet.products.add(product)
    clerk = f.member(Role.UNIT_CLERK, unit, "hostile_clerk")
    city = f.member(Role.CITY_OFFICE, f.OrganisationFactory(), "hostile_city")
    seller = f.member(Role.SUPPLIER, supplier, "hostile_supplier")
    return {
        "unit": unit,
        "record": record,
        "outlet": outlet,
        "clerk": clerk,
        "city": city,
        "supplier": seller,
    }


def test_the_ledger_export(client, hostile):
    client.force_login(hostile["clerk"])
    book = book_of(client.get(reverse("procurement:ledger_export")))
    assert neutralised(book) == set(PAYLOADS)
    row = [c.value for c in book.active[2]]
    assert row[0].date() == datetime.date(YEAR, 8, 10)  # a date stays a date
    assert row[5] == 1234.5 and row[6] == 40  # money and the quantity stay numbers
    assert row[1] == "'" + MINUS and row[7] == "'" + AT


def test_the_compliance_export(client, hostile):
    client.force_login(hostile["city"])
    book = book_of(client.get(reverse("procurement:compliance_export"), {"year": YEAR}))
    assert MINUS in neutralised(book)
    row = next(r for r in book.active.iter_rows(values_only=True) if r[0] == "'" + MINUS)
    assert isinstance(row[3], int | float) and isinstance(row[4], int | float)


def test_the_catalogue_export(client, hostile):
    book = book_of(client.get(reverse("products:catalogue_export")))
    assert neutralised(book) == {HYPERLINK, PLUS, AT}
    row = [c.value for c in book.active[3]]
    assert row[1] == "'" + PLUS and row[4] == "'" + HYPERLINK
    assert row[0] == 1 and row[7] == 68  # the number and the price stay numbers


def test_the_outlet_registry_export(client, hostile):
    client.force_login(hostile["city"])
    book = book_of(client.get(reverse("outlets:manage_export")))
    assert neutralised(book) == {AT, PLUS, HYPERLINK}
    row = [c.value for c in book.active[3]]
    assert row[1] == "'" + AT and row[6] == "'" + HYPERLINK
    assert row[0] == 1 and row[11] == 1


def test_the_dashboard_export(client, hostile, monkeypatch):
    monkeypatch.setattr("reporting.views.dashboard.today", lambda: AS_OF)
    client.force_login(hostile["city"])
    book = book_of(client.get(reverse("reporting:dashboard_export"), {"year": YEAR}))
    assert MINUS in neutralised(book)
    assert 1234.5 in numbers_in(book)


def test_the_quarterly_report_workbook(hostile):
    book = load_workbook(io.BytesIO(workbook_bytes(collect_figures(year=YEAR, quarter=3))))
    assert MINUS in neutralised(book)
    assert 1234.5 in numbers_in(book)


def test_the_purchase_import_template(client, hostile):
    client.force_login(hostile["clerk"])
    book = book_of(client.get(reverse("procurement:import_template")))
    assert neutralised(book) == {MINUS}
    assert book["填写说明"]["B1"].value == "'" + MINUS


def test_the_sales_import_template(client, hostile):
    month = Month.of(today()).previous()
    client.force_login(hostile["supplier"])
    book = book_of(
        client.get(reverse("outlets:sales_template"), {"year": month.year, "month": month.month})
    )
    assert neutralised(book) == {AT, HYPERLINK}
    sheet = book.worksheets[0]
    assert sheet["B2"].value == "'" + AT and sheet["A2"].value == hostile["outlet"].pk
    assert book["填写说明"]["B1"].value == "'" + HYPERLINK
