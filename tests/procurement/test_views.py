"""The budget unit's procurement pages: log a purchase, the ledger, corrections, vouchers,
declarations and the quarter's submission."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procurement.models import ProcurementRecord, QuarterSubmission, Voucher
from procurement.services import procurement_record_create
from tests import factories as f

from .conftest import AS_OF, purchase

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a scanned invoice\n"


@pytest.fixture(autouse=True)
def english_and_today(settings, monkeypatch, tmp_path):
    """The pages read "today" through procurement.views.records.today: pin it to AS_OF (2026-11-23,
    Q4 open, Q3 just ended); uploads go to a temporary media root."""
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("procurement.views.records.today", lambda: AS_OF)


def pdf(name="invoice.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def record(unit, supplier, **overrides):
    values = {"budget_unit": unit, "supplier": supplier, "purchased_on": datetime.date(2026, 10, 9)}
    values.update(overrides)
    return f.RecordFactory(**values)


# Log a purchase ---------------------------------------------------------------------------


def test_clerk_logs_a_purchase_with_a_pdf_voucher_and_sees_it_in_the_ledger(
    client, clerk, unit_a, recognised, tmp_path
):
    client.force_login(clerk)
    form = client.get(reverse("procurement:record_create"))
    assert form.status_code == 200
    page = form.content.decode()
    assert recognised.name in page and recognised.credit_code in page
    assert 'type="date"' in page
    assert 'accept="application/pdf,.pdf,image/*"' in page and "multiple" in page

    response = client.post(
        reverse("procurement:record_create"),
        {**f.purchase_form(recognised), "vouchers": [pdf(), pdf("contract.pdf", PDF + b"2")]},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("procurement:ledger")
    body = response.content.decode()
    assert "Logged: ¥3,280.00" in body
    assert recognised.name in body and "¥3,280.00" in body and "44031001" in body
    saved = ProcurementRecord.objects.get()
    assert saved.budget_unit == unit_a
    assert saved.amount == Decimal("3280.00")
    assert saved.created_by == clerk
    assert sorted(saved.vouchers.values_list("original_name", flat=True)) == [
        "contract.pdf",
        "invoice.pdf",
    ]
    assert all((tmp_path / v.file.name).exists() for v in saved.vouchers.all())


def test_amount_with_thousands_separator_is_accepted(client, clerk, recognised):
    client.force_login(clerk)
    response = client.post(
        reverse("procurement:record_create"), f.purchase_form(recognised, amount="1,234.5")
    )
    assert response.status_code == 302
    assert ProcurementRecord.objects.get().amount == Decimal("1234.50")


def test_amount_with_more_than_two_decimals_is_refused(client, clerk, recognised):
    client.force_login(clerk)
    response = client.post(
        reverse("procurement:record_create"), f.purchase_form(recognised, amount="1234.567")
    )
    assert response.status_code == 200
    assert "at most 2 decimal places" in response.content.decode()
    assert not ProcurementRecord.objects.exists()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unrecognised supplier", "did not hold a valid assistance-product recognition on"),
        ("future date", "The purchase date 2026-11-24 is in the future."),
        ("negative amount", "The amount must be greater than zero."),
        ("duplicate invoice", "Invoice 44031001 of"),
        ("non-PDF voucher", "is not a PDF, JPEG or PNG file."),
    ],
)
def test_each_refusal_shows_its_message_on_the_form_and_saves_nothing(
    client, clerk, unit_a, recognised, case, message
):
    data = f.purchase_form(recognised, vouchers=[pdf()])
    if case == "unrecognised supplier":
        data["supplier"] = f.SupplierFactory(name="未认定的供应商").pk
    elif case == "future date":
        data["purchased_on"] = "2026-11-24"
    elif case == "negative amount":
        data["amount"] = "-5"
    elif case == "duplicate invoice":
        record(unit_a, recognised, invoice_no="44031001")
    elif case == "non-PDF voucher":
        data["vouchers"] = [pdf(), pdf("invoice2.pdf", b"MZ\x90\x00 not a pdf")]
    records_before = ProcurementRecord.objects.count()
    client.force_login(clerk)

    response = client.post(reverse("procurement:record_create"), data)

    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'data-testid="error-summary"' in body
    assert body.count(message) == 2  # at the top and next to the field
    assert ProcurementRecord.objects.count() == records_before
    assert not Voucher.objects.exists()


def test_product_select_reloads_with_the_suppliers_catalogue(client, clerk, recognised):
    listed = f.ProductFactory(supplier=recognised, name="田阳香芒", status="listed")
    other = f.ProductFactory(name="别家的产品", status="listed")
    client.force_login(clerk)
    page = client.get(reverse("procurement:record_create")).content.decode()
    assert f'hx-get="{reverse("procurement:supplier_products")}"' in page

    options = client.get(reverse("procurement:supplier_products"), {"supplier": recognised.pk})

    assert options.status_code == 200
    body = options.content.decode()
    assert f'value="{listed.pk}"' in body and "田阳香芒" in body
    assert other.name not in body
    assert "<option" in body and "<html" not in body


def test_only_a_clerk_may_log_a_purchase(client, approver, supplier):
    for user in (approver, supplier):
        client.force_login(user)
        assert client.get(reverse("procurement:record_create")).status_code == 403


# The ledger -------------------------------------------------------------------------------


def test_ledger_filters_and_totals(client, clerk, unit_a, unit_b, recognised, supplier_org_2):
    record(unit_a, recognised, invoice_no="Q4-832", amount=Decimal("1000.00"))
    record(
        unit_a,
        recognised,
        invoice_no="Q4-OUTLET",
        channel="outlet",
        amount=Decimal("200.00"),
        status="rejected",
    )
    record(
        unit_a,
        supplier_org_2,
        invoice_no="Q3-OTHER",
        purchased_on=datetime.date(2026, 8, 1),
        amount=Decimal("30.00"),
    )
    record(unit_b, recognised, invoice_no="UNIT-B", amount=Decimal("99999.00"))
    record(unit_b, f.SupplierFactory(name="只供南山的供应商"), invoice_no="UNIT-B-2")
    client.force_login(clerk)
    ledger = reverse("procurement:ledger")

    def shown(**params):
        body = client.get(ledger, params).content.decode()
        return {n for n in ("Q4-832", "Q4-OUTLET", "Q3-OTHER", "UNIT-B") if n in body}, body

    everything, body = shown()
    assert everything == {"Q4-832", "Q4-OUTLET", "Q3-OTHER"}
    assert "3 records" in body and "¥1,030.00" in body  # the rejected ¥200 is not counted
    assert "只供南山的供应商" not in body  # the supplier filter offers only the unit's suppliers
    assert shown(year=2026, quarter=4)[0] == {"Q4-832", "Q4-OUTLET"}
    assert shown(year=2026, quarter=3)[0] == {"Q3-OTHER"}
    assert shown(channel="outlet")[0] == {"Q4-OUTLET"}
    assert shown(supplier=supplier_org_2.pk)[0] == {"Q3-OTHER"}
    assert shown(status="rejected")[0] == {"Q4-OUTLET"}
    assert shown(quarter=4)[0] == set()  # a quarter needs its year
    nothing, body = shown(year=2025)
    assert nothing == set()
    assert "No purchases match these filters." in body


def test_ledger_status_is_a_word_and_clerk_gets_edit_links_only_on_open_quarters(
    client, clerk, approver, unit_a, recognised
):
    open_record = record(unit_a, recognised)
    locked = record(unit_a, recognised, purchased_on=datetime.date(2026, 8, 1), status="submitted")
    QuarterSubmission.objects.create(
        budget_unit=unit_a, year=2026, quarter=3, submitted_at=datetime.datetime.now(datetime.UTC)
    )
    client.force_login(clerk)
    body = client.get(reverse("procurement:ledger")).content.decode()
    assert "Submitted" in body and "Recorded" in body
    assert reverse("procurement:record_edit", args=[open_record.pk]) in body
    assert reverse("procurement:record_delete", args=[open_record.pk]) in body
    assert reverse("procurement:record_edit", args=[locked.pk]) not in body

    client.force_login(approver)
    body = client.get(reverse("procurement:ledger")).content.decode()
    assert reverse("procurement:record_edit", args=[open_record.pk]) not in body


def test_empty_ledger_says_what_to_do_next(client, clerk):
    client.force_login(clerk)
    body = client.get(reverse("procurement:ledger")).content.decode()
    assert "No purchases are logged yet" in body
    assert reverse("procurement:record_create") in body


@pytest.mark.parametrize("persona", ["district_officer", "city_officer", "approver"])
def test_offices_and_the_approver_read_the_ledger(request, client, persona, unit_a, recognised):
    record(unit_a, recognised, invoice_no="SEEN-BY-ALL")
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("procurement:ledger"))
    assert response.status_code == 200
    assert "SEEN-BY-ALL" in response.content.decode()


def test_a_supplier_may_not_read_the_ledger(client, supplier):
    client.force_login(supplier)
    assert client.get(reverse("procurement:ledger")).status_code == 403


# Session, user, membership, supplier choices, totals, the page's rows, locked quarters.
LEDGER_QUERIES = 7


@pytest.mark.parametrize("rows", [3, 60])
def test_ledger_runs_a_bounded_number_of_queries(
    client, clerk, unit_a, recognised, rows, django_assert_max_num_queries
):
    product = f.ProductFactory(supplier=recognised)
    for n in range(rows):
        r = record(unit_a, recognised, product=product, invoice_no=f"INV-{n}")
        Voucher.objects.create(
            record=r,
            file=f"vouchers/2026/10/{n}.pdf",
            original_name=f"{n}.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
        )
    client.force_login(clerk)
    with django_assert_max_num_queries(LEDGER_QUERIES) as captured:
        response = client.get(reverse("procurement:ledger"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('/edit/">Edit</a>') == min(rows, 50)
    assert f"{rows} records" in body
    assert len(captured) <= LEDGER_QUERIES
    if rows > 50:
        assert "Page 1 of 2" in body
        with django_assert_max_num_queries(LEDGER_QUERIES):
            assert client.get(reverse("procurement:ledger"), {"page": 2}).status_code == 200


def _voucher(record, n):
    return Voucher.objects.create(
        record=record,
        file=f"vouchers/2026/10/{record.pk}-{n}.pdf",
        original_name=f"{n}.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )


def test_ledger_pages_go_newest_first_with_each_rows_vouchers(client, clerk, unit_a, recognised):
    """Pages are cut from the page's ids first (procurement.ledger.ledger_page): the order,
    the tie-break on the id within a day, the last page, out-of-range page numbers and each
    row's voucher count must be what they were."""
    records = [
        record(
            unit_a,
            recognised,
            invoice_no=f"INV-{n}",
            purchased_on=datetime.date(2026, 10, 1) + datetime.timedelta(days=n // 3),
        )
        for n in range(55)
    ]
    record(f.BudgetUnitFactory(), recognised, invoice_no="OTHER-UNIT")
    _voucher(records[0], 1)
    _voucher(records[0], 2)
    _voucher(records[54], 1)
    newest_first = sorted(records, key=lambda r: (r.purchased_on, r.pk), reverse=True)
    client.force_login(clerk)
    ledger = reverse("procurement:ledger")

    def shown(**params):
        response = client.get(ledger, params)
        assert response.status_code == 200
        return response.context["page"], response.content.decode()

    first, body = shown()
    assert [r.pk for r in first.object_list] == [r.pk for r in newest_first[:50]]
    assert "55 records" in body and "Page 1 of 2" in body and "OTHER-UNIT" not in body
    assert first.object_list[0].voucher_count == 1  # records[54], the newest
    last, body = shown(page=2)
    assert [r.pk for r in last.object_list] == [r.pk for r in newest_first[50:]]
    assert [r.voucher_count for r in last.object_list][-1] == 2  # records[0], the oldest
    assert {r.voucher_count for r in last.object_list[:-1]} == {0}
    assert "Page 2 of 2" in body
    assert [r.pk for r in shown(page=99)[0].object_list] == [r.pk for r in newest_first[50:]]
    assert [r.pk for r in shown(page="x")[0].object_list] == [r.pk for r in newest_first[:50]]
    filtered, body = shown(supplier=recognised.pk, page=2)
    assert len(filtered.object_list) == 5 and "55 records" in body


def test_ledger_supplier_select_is_the_markup_django_writes(unit_a):
    """The supplier filter is written by ``LongSelect`` (a unit buys from thousands of
    suppliers): the same options, escaping and selection as Django's own select."""
    import re

    from procurement.forms import LedgerFilterForm
    from procurement.ledger import LedgerFilters

    suppliers = [(7, 'A&B <食品> "有限" 公司'), (12, "百色'红茶'"), (30, "喀什")]

    def markup(form_class, data):
        form = form_class(data, years=[2026, 2025], suppliers=suppliers)
        form.is_valid()
        return re.sub(r">\s+<", "><", str(form["supplier"])).strip()

    for data in (None, {"supplier": "12"}, {"supplier": "999"}):
        assert markup(LedgerFilters, data) == markup(LedgerFilterForm, data)
    assert '<option value="12" selected>' in markup(LedgerFilters, {"supplier": "12"})
    assert "&lt;食品&gt;" in markup(LedgerFilters, None)


# Detail, vouchers, correction and deletion ------------------------------------------------


@pytest.fixture
def logged(clerk, unit_a, recognised):
    """A purchase of unit A logged with one PDF voucher."""
    return procurement_record_create(
        actor=clerk, budget_unit=unit_a, data=purchase(recognised), vouchers=[pdf()], as_of=AS_OF
    )


def test_detail_shows_the_record_its_vouchers_and_who_logged_it(client, approver, logged):
    client.force_login(approver)
    body = client.get(reverse("procurement:record_detail", args=[logged.pk])).content.decode()
    voucher = logged.vouchers.get()
    assert "¥3,280.00" in body and "44031001" in body
    assert "unit_clerk" in body  # who logged it
    assert reverse("procurement:voucher_download", args=[voucher.pk]) in body
    assert "/media/" not in body


def test_voucher_download_is_an_attachment(client, approver, logged):
    voucher = logged.vouchers.get()
    client.force_login(approver)
    response = client.get(reverse("procurement:voucher_download", args=[voucher.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="invoice.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_another_units_clerk_gets_404_everywhere(client, clerk_b, logged):
    voucher = logged.vouchers.get()
    client.force_login(clerk_b)
    for name in ("record_detail", "record_edit", "record_delete"):
        url = reverse(f"procurement:{name}", args=[logged.pk])
        assert client.get(url).status_code == 404, name
        assert name == "record_detail" or client.post(url, {}).status_code == 404, name
    download = reverse("procurement:voucher_download", args=[voucher.pk])
    assert client.get(download).status_code == 404
    assert ProcurementRecord.objects.filter(pk=logged.pk).exists()


def test_clerk_corrects_a_purchase_and_adds_a_voucher(client, clerk, logged, recognised):
    client.force_login(clerk)
    url = reverse("procurement:record_edit", args=[logged.pk])
    page = client.get(url).content.decode()
    assert 'value="3280.00"' in page and "invoice.pdf" in page

    response = client.post(
        url, {**f.purchase_form(recognised, amount="3,300"), "vouchers": [pdf("receipt.pdf")]}
    )

    assert response.status_code == 302
    logged.refresh_from_db()
    assert logged.amount == Decimal("3300.00")
    assert logged.vouchers.count() == 2


def test_clerk_deletes_a_purchase_after_confirming(client, clerk, logged):
    client.force_login(clerk)
    url = reverse("procurement:record_delete", args=[logged.pk])
    confirm = client.get(url).content.decode()
    assert "2026-10-09" in confirm and "¥3,280.00" in confirm and "44031001" in confirm
    assert ProcurementRecord.objects.filter(pk=logged.pk).exists()

    response = client.post(url, follow=True)

    assert response.redirect_chain[-1][0] == reverse("procurement:ledger")
    assert "Deleted: ¥3,280.00" in response.content.decode()
    assert not ProcurementRecord.objects.filter(pk=logged.pk).exists()


def test_detail_shows_the_history_in_a_bounded_number_of_queries(
    client, clerk, logged, recognised, django_assert_max_num_queries
):
    from procurement.services import procurement_record_update

    for amount in ("10.00", "20.00", "30.00"):
        procurement_record_update(
            actor=clerk,
            record=logged,
            data=purchase(recognised, amount=Decimal(amount)),
            as_of=AS_OF,
        )
    client.force_login(clerk)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("procurement:record_detail", args=[logged.pk])).content.decode()
    history = body[body.index('data-testid="history"') :]
    assert history.count("Corrected") == 3
    assert "Logged" in history
    assert "20.00 → 30.00" in history


def test_the_export_holds_exactly_what_the_filters_show(
    client, clerk, unit_a, recognised, supplier_org_2
):
    import io

    from openpyxl import load_workbook

    record(unit_a, recognised, purchased_on=datetime.date(2026, 10, 9), invoice_no="A1")
    record(
        unit_a,
        recognised,
        purchased_on=datetime.date(2026, 8, 9),
        invoice_no="A2",
        channel="outlet",
    )
    record(unit_a, recognised, purchased_on=datetime.date(2026, 8, 10), invoice_no="A3")
    client.force_login(clerk)
    page = client.get(reverse("procurement:ledger"), {"year": 2026, "quarter": 3})
    assert 'data-testid="ledger-export"' in page.content.decode()
    response = client.get(reverse("procurement:ledger_export"), {"year": 2026, "quarter": 3})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(r[10] for r in rows) == ["A2", "A3"]
    assert rows[0][5] == 1234.5  # the factory amount, as a number
    assert sheet.cell(row=2, column=6).number_format == "#,##0.00"
    assert sheet["A1"].value == "采购日期"


def test_another_unit_s_clerk_exports_none_of_unit_a_s_records(client, clerk_b, unit_a, recognised):
    import io

    from openpyxl import load_workbook

    record(unit_a, recognised)
    client.force_login(clerk_b)
    response = client.get(reverse("procurement:ledger_export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 1
