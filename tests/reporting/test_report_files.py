"""The quarterly report's files (issue 6 acceptance): the workbook read back with openpyxl, every
sheet's totals equal to the quota formula and to the sums of the records; the PDF produced and its
text, extracted with pdftotext, holding the city total as the report prints it; the checksum
stable for the same data and moved by a changed record.

WeasyPrint takes a second or two, so the city report is built once for the module (in a
transaction rolled back afterwards); the other tests stub the PDF out.
"""

import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from openpyxl import load_workbook

from reporting.reports import build as build_module
from reporting.reports.build import build_report, canonical_json
from reporting.reports.data import collect_figures
from reporting.reports.figures import UNSPECIFIED
from reporting.reports.pdf import pdf_context
from reporting.reports.text import headline_money
from reporting.reports.workbook import workbook_bytes
from tests import factories as f
from tests.support import skip_or_fail

from .test_report_data import EXPECTED, QUARTER, YEAR, build_dataset

# Every test here is a database test (for pytest-django's ordering: before the transactional
# tests that flush the reference regions); the module's report is built in a transaction of its
# own that is rolled back.
pytestmark = pytest.mark.django_db

D = Decimal
# The sheets after the summary and one per district of the city.
SUBJECT_SHEETS = 7


def money(value) -> Decimal:
    """A cell read back (openpyxl gives int or float) as Decimal to the cent."""
    return D(str(value)).quantize(D("0.01"))


def rows_of(ws, first: int = 5) -> list[tuple]:
    return [row for row in ws.iter_rows(min_row=first, values_only=True) if any(row)]


@pytest.fixture(scope="module")
def report(django_db_setup, django_db_blocker):
    """The city report of the hand-built dataset, built once; the data is rolled back."""
    progress: list[int] = []
    with django_db_blocker.unblock(), transaction.atomic():
        build_dataset()
        files = build_report(year=YEAR, quarter=QUARTER, progress=progress.append)
        figures = collect_figures(year=YEAR, quarter=QUARTER)
        district = collect_figures(year=YEAR, quarter=QUARTER, district_code=f.FUTIAN)
        district_xlsx = workbook_bytes(district)
        district_html = render_to_string("reporting/report_pdf.html", pdf_context(district))
        transaction.set_rollback(True)
    return {
        "files": files,
        "figures": figures,
        "progress": progress,
        "book": load_workbook(_file(files.xlsx)),
        "district_book": load_workbook(_file(district_xlsx)),
        "district_html": district_html,
    }


def _file(content: bytes):
    import io

    return io.BytesIO(content)


def test_the_workbook_has_a_sheet_per_subject_and_per_district(report):
    book, figures = report["book"], report["figures"]
    assert len(book.sheetnames) == 1 + len(figures.districts) + SUBJECT_SHEETS
    assert [d.name for d in figures.districts] == book.sheetnames[1 : 1 + len(figures.districts)]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A5", ws.title  # title, period, note, then the frozen header
        assert figures.scope_name in ws["A1"].value
        assert "2026年7月1日" in ws["A2"].value
        assert ws.column_dimensions["A"].width >= 10


def test_the_summary_sheet_equals_the_records(report):
    ws = report["book"].worksheets[0]
    assistance, agri = ws[5], ws[6]
    assert money(assistance[1].value) == EXPECTED["quarter"]
    assert money(assistance[2].value) == EXPECTED["ytd"]
    assert D(str(assistance[3].value)) == EXPECTED["ytd"] / 10000  # the 万元 column
    assert (money(agri[1].value), money(agri[2].value)) == (
        EXPECTED["agri_quarter"],
        EXPECTED["agri_ytd"],
    )
    assert assistance[1].number_format == "#,##0.00"
    assert ws["B7"].number_format == "0.0%" and D(str(ws["B7"].value)) == D("0.2952")
    assert (ws["C10"].value, ws["C11"].value) == (3, 1)  # units, units meeting the quota
    # The districts' table ends with its totals row: the city's figures again.
    total = rows_of(ws)[-1]
    assert money(total[2]) == EXPECTED["quarter"] and money(total[4]) == EXPECTED["ytd"]
    assert money(total[6]) == EXPECTED["agri_ytd"]
    assert (total[9], total[10]) == (3, 1)
    by_district = {row[1]: row for row in rows_of(ws) if row[1] in (f.FUTIAN, f.NANSHAN)}
    assert money(by_district[f.FUTIAN][4]) == EXPECTED["futian_ytd"]
    assert money(by_district[f.NANSHAN][2]) == EXPECTED["nanshan_quarter"]


def test_the_units_sheet_is_the_quota_formula(report):
    ws = report["book"].worksheets[1 + len(report["figures"].districts)]
    rows = rows_of(ws)
    *units, total = rows
    assert len(units) == 3
    for row in units:
        agri, assistance, share, shortfall, last_year, meets, _growth = EXPECTED["units"][row[1]]
        assert (money(row[3]), money(row[4])) == (agri, assistance)
        assert D(str(row[5])) == share
        assert (money(row[7]), money(row[8])) == (shortfall, last_year)
        assert row[9] in (("是", "Yes") if meets else ("否", "No"))
    assert money(total[3]) == EXPECTED["agri_ytd"]
    assert money(total[4]) == EXPECTED["ytd"]
    assert money(total[7]) == D("56999.25")  # 41999.25 + 0 + 15000
    assert total[9] == 1
    assert ws.cell(row=5, column=6).number_format == "0.0%"


def test_each_district_sheet_totals_its_units(report):
    book, figures = report["book"], report["figures"]
    futian = book[figures.district_names[f.FUTIAN]]
    assert money(futian["C5"].value) == EXPECTED["futian_ytd"]
    *units, total = rows_of(futian, 17)  # below the indicators and the table's header
    assert {row[1] for row in units} == {"深圳市福田区教育局", "深圳市福田区人民医院"}
    assert money(total[4]) == EXPECTED["futian_ytd"]
    assert money(total[3]) == D("350000.00")


def test_the_money_sheets_add_up_to_the_records(report):
    book = report["book"]
    first = 2 + len(report["figures"].districts)
    regions, counties, channels, categories = book.worksheets[first : first + 4]
    # By paired region: province → city → county, the provinces adding up to the whole.
    region_rows = rows_of(regions)
    provinces = {row[0]: row for row in region_rows[:-1] if row[0] in EXPECTED["provinces"]}
    for code, (quarter, ytd) in EXPECTED["provinces"].items():
        assert (money(provinces[code][4]), money(provinces[code][7])) == (quarter, ytd)
    assert money(region_rows[-1][4]) == EXPECTED["quarter"]
    assert money(region_rows[-1][7]) == EXPECTED["ytd"]
    assert regions.cell(row=7, column=2).alignment.indent == 4  # a county, two levels down
    # By county, with the county target.
    *county_rows, county_total = rows_of(counties)
    assert [row[0] for row in county_rows] == [f.TIANYANG, "653101"]
    assert money(county_total[4]) == EXPECTED["quarter"]
    assert money(county_rows[0][10]) == D("100000.00") and D(str(county_rows[0][11])) == D("0.53")
    # By channel and by category: every code, the quarter and the year to date.
    for ws, expected in ((channels, EXPECTED["channels"]), (categories, EXPECTED["categories"])):
        *rows, total = rows_of(ws)
        found = {row[0]: (money(row[2]), money(row[5])) for row in rows}
        for code, amounts in expected.items():
            assert found[code] == amounts
        assert money(total[2]) == EXPECTED["quarter"] and money(total[5]) == EXPECTED["ytd"]
        assert D(str(total[4])) == 1  # the shares of the quarter add up to the whole
    assert rows_of(categories)[-2][0] == UNSPECIFIED


def test_the_outlets_and_certifications_sheets(report):
    outlets, certifications = report["book"].worksheets[-2:]
    *rows, total = rows_of(outlets)
    found = {(row[1], _kind_code(row[2])): (row[3], row[4], money(row[5])) for row in rows}
    assert found == EXPECTED["outlets"]
    assert (total[3], total[4], money(total[5])) == (3, 1, D("14000.00"))
    *rows, total = rows_of(certifications)
    assert {row[0]: tuple(row[2:]) for row in rows} == EXPECTED["certifications"]
    assert tuple(total[2:]) == (2, 1, 1)


def _kind_code(label: str) -> str:
    from outlets.models import Outlet

    return {str(name): code for code, name in Outlet.Kind.choices}[label]


def test_the_pdf_prints_the_city_total(report):
    pdf = report["files"].pdf
    assert pdf.startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        skip_or_fail("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    total = headline_money(EXPECTED["ytd"])
    assert total == "7.90 万元"
    assert total in flat
    assert headline_money(EXPECTED["quarter"]) in flat
    assert "2026年9月30日" in flat
    for name in ("福田区", "深圳市福田区教育局", "喀什市"):  # a district, a laggard, a county
        assert name in flat


def test_progress_is_reported_at_each_step(report):
    assert report["progress"] == sorted(report["progress"])
    assert len(report["progress"]) >= 3 and report["progress"][-1] == 100


def test_a_district_report_holds_only_its_district(report):
    book = report["district_book"]
    assert book.sheetnames[1] == "福田区"
    assert len(book.sheetnames) == 2 + SUBJECT_SHEETS
    cells = [
        str(value)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in row
        if value
    ]
    assert not [c for c in cells if "南山" in c]
    assert any("深圳市福田区教育局" in c for c in cells)
    assert "南山" not in report["district_html"]
    assert headline_money(EXPECTED["futian_ytd"]) in report["district_html"]


# --- the checksum: these build the data per test and stub the PDF out -----------------------


@pytest.fixture
def no_pdf(monkeypatch):
    monkeypatch.setattr(build_module, "pdf_bytes", lambda figures: b"%PDF-stub")


def test_the_same_parameters_give_the_same_checksum(no_pdf):
    data = build_dataset()
    first = build_report(year=YEAR, quarter=QUARTER)
    again = build_report(year=YEAR, quarter=QUARTER)
    assert first.checksum == again.checksum
    assert len(first.checksum) == 64
    assert load_workbook(_file(first.xlsx)).worksheets[0]["C5"].value == (
        load_workbook(_file(again.xlsx)).worksheets[0]["C5"].value
    )
    district = build_report(year=YEAR, quarter=QUARTER, district_code=f.FUTIAN)
    assert district.checksum != first.checksum

    record = data["changeable"]
    record.amount = D("20000.01")
    record.save()
    assert build_report(year=YEAR, quarter=QUARTER).checksum != first.checksum


def test_the_checksum_is_over_canonical_json_with_decimal_strings():
    build_dataset()
    canonical = canonical_json(collect_figures(year=YEAR, quarter=QUARTER)).decode()
    assert '"assistance_ytd":"79000.75"' in canonical
    assert '"first_day":"2026-07-01"' in canonical
