"""The 832 reconciliation's page, downloads and API: who uploads, who reads what, errors per
row and column with nothing stored, and bounded query counts."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from procurement.models import OrderImport, PlatformOrder
from procurement.reconciliation_file import HEADERS

from .test_reconciliation import csv_bytes, logged, order, upload

pytestmark = pytest.mark.django_db

PAGE = "procurement:reconciliation"
PAGE_QUERIES = 10
API_QUERIES = 4


def _file(rows, name="832订单.csv", **kwargs):
    return SimpleUploadedFile(name, csv_bytes(rows, **kwargs))


def _rows(unit, count, *, prefix="DD", day=10):
    return [
        order(
            unit,
            订单编号=f"{prefix}{n:05d}",
            下单时间=f"2026-03-{day:02d} 09:{n % 60:02d}",
            **{"订单金额(元)": f"{100 + n}.00"},
        )
        for n in range(count)
    ]


# --- the page ------------------------------------------------------------------------------


def test_a_clerk_uploads_its_export_and_sees_the_match(client, clerk, unit_a):
    logged(unit_a, invoice_no="DD2026031000001")
    client.force_login(clerk)
    page = client.get(reverse(PAGE))
    assert page.status_code == 200
    assert 'data-testid="order-upload"' in page.content.decode()
    response = client.post(reverse(PAGE), {"file": _file([order(unit_a)])}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(PAGE)
    body = response.content.decode()
    assert "Orders read: 1; new: 1; already known: 0" in body
    assert "Newly matched with logged purchases: 1;" in body
    result = client.get(reverse(PAGE), {"year": 2026, "state": "matched"}).content.decode()
    assert "DD2026031000001" in result
    assert "832订单.csv" in result  # the list of imports


def test_a_bad_file_shows_every_problem_and_stores_nothing(client, clerk, unit_a, unit_b):
    client.force_login(clerk)
    rows = [order(unit_a, 下单时间="yesterday"), order(unit_b, 订单编号="DD2")]
    response = client.post(reverse(PAGE), {"file": _file(rows)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was imported: 2 problems were found." in body
    assert "下单时间" in body and "采购单位" in body
    assert not PlatformOrder.objects.exists()
    assert not OrderImport.objects.exists()


def test_an_oversized_upload_is_refused_before_reading(client, clerk, unit_a, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 100
    client.force_login(clerk)
    response = client.post(reverse(PAGE), {"file": _file(_rows(unit_a, 5))})
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not PlatformOrder.objects.exists()


def test_the_district_office_reads_its_district_without_uploading(
    client, district_officer, city_officer, unit_a, unit_b
):
    upload(city_officer, [order(unit_a), order(unit_b, 订单编号="DD-B")])
    client.force_login(district_officer)
    page = client.get(reverse(PAGE), {"year": 2026, "state": "only_platform"})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="order-upload"' not in body
    assert "DD2026031000001" in body
    assert "DD-B" not in body
    assert client.post(reverse(PAGE), {"file": _file([order(unit_a)])}).status_code == 403
    # the orders of unknown units are the city office's to see
    unknown = client.get(reverse(PAGE), {"year": 2026, "state": "unknown_unit"})
    assert 'data-testid="state-unknown_unit"' not in unknown.content.decode()


def test_the_city_office_sees_the_orders_of_unknown_units(client, city_officer, unit_a):
    client.force_login(city_officer)
    rows = [order(unit_a), order(unit_a, 订单编号="DD-X", 采购单位="外省某局")]
    client.post(reverse(PAGE), {"file": _file(rows, encoding="gb18030")})
    body = client.get(reverse(PAGE), {"year": 2026, "state": "unknown_unit"}).content.decode()
    assert "DD-X" in body and "外省某局" in body
    assert "City-wide" in body


def test_suppliers_and_reviewers_may_not_open_the_page(client, supplier, reviewer):
    for user in (supplier, reviewer):
        client.force_login(user)
        assert client.get(reverse(PAGE)).status_code == 403
        assert client.get(reverse("procurement:reconciliation_template")).status_code == 403


def test_matching_again_from_the_page(client, clerk, approver, unit_a):
    upload(clerk, [order(unit_a)])
    logged(unit_a, invoice_no="DD2026031000001")
    client.force_login(approver)
    assert client.post(reverse("procurement:reconciliation_match")).status_code == 403
    client.force_login(clerk)
    assert client.get(reverse("procurement:reconciliation_match")).status_code == 405
    response = client.post(reverse("procurement:reconciliation_match"), follow=True)
    assert "1 order matched with a logged purchase" in response.content.decode()
    assert PlatformOrder.objects.get().record is not None


def test_the_template_has_the_export_s_columns(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("procurement:reconciliation_template"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [cell.value for cell in book.worksheets[0][1]] == list(HEADERS)


def test_the_export_holds_exactly_the_state_shown(client, city_officer, unit_a):
    logged(unit_a, invoice_no="DD2026031000001")
    logged(unit_a, invoice_no="LONE", amount=Decimal("9.00"))
    upload(city_officer, [order(unit_a), order(unit_a, 订单编号="DD2", **{"订单金额(元)": "5"})])
    client.force_login(city_officer)
    for state, expected in (("matched", "DD2026031000001"), ("only_platform", "DD2")):
        response = client.get(
            reverse("procurement:reconciliation_export"), {"year": 2026, "state": state}
        )
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert [row[1] for row in rows] == [expected]
    response = client.get(
        reverse("procurement:reconciliation_export"), {"year": 2026, "state": "only_logged"}
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[10] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["LONE"]


@pytest.mark.parametrize("rows", [3, 60])
def test_the_page_runs_a_bounded_number_of_queries(
    client, city_officer, clerk, unit_a, unit_b, rows, django_assert_max_num_queries
):
    orders = (
        _rows(unit_a, rows)
        + _rows(unit_b, rows, prefix="B")
        + [order(unit_a, 订单编号="U1", 采购单位="外省某局")]
    )
    for n in range(rows):  # half of unit A's orders logged, and as many purchases no order backs
        if n % 2:
            logged(unit_a, invoice_no=f"DD{n:05d}", amount=Decimal(f"{100 + n}.00"))
        logged(unit_b, invoice_no=f"LONE{n}", amount=Decimal("7.00"))
    upload(city_officer, orders)
    for user in (city_officer, clerk):
        client.force_login(user)
        for state in ("matched", "only_platform", "only_logged", "unknown_unit"):
            with django_assert_max_num_queries(PAGE_QUERIES):
                response = client.get(reverse(PAGE), {"year": 2026, "state": state})
            assert response.status_code == 200
    client.force_login(city_officer)
    body = client.get(reverse(PAGE), {"year": 2026, "state": "only_platform"}).content.decode()
    if rows > 50:
        assert "Page 1 of 2" in body


# --- the API -------------------------------------------------------------------------------


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


IMPORTS = "/api/v1/procurement/reconciliation/imports/"
RESULT = "/api/v1/procurement/reconciliation/"


def test_the_api_imports_an_export(clerk, unit_a):
    logged(unit_a, invoice_no="DD2026031000001")
    response = _api(clerk).post(IMPORTS, {"file": _file([order(unit_a)])}, format="multipart")
    assert response.status_code == 201
    assert response.json() == {
        "id": OrderImport.objects.get().pk,
        "created": 1,
        "orders": 1,
        "new_orders": 1,
        "already_known": 0,
        "unknown_units": 0,
        "matched": 1,
        "flagged": 0,
    }


def test_the_api_answers_a_bad_export_with_every_problem(clerk, unit_a):
    rows = [order(unit_a, **{"订单金额(元)": "abc"})]
    response = _api(clerk).post(IMPORTS, {"file": _file(rows)}, format="multipart")
    assert response.status_code == 400
    assert response.json()["created"] == 0
    assert response.json()["errors"][0]["row"] == 2
    assert response.json()["errors"][0]["column"] == "订单金额(元)"
    assert not PlatformOrder.objects.exists()


def test_the_api_refuses_an_upload_by_others(district_officer, supplier, approver, unit_a):
    for user in (district_officer, supplier, approver):
        response = _api(user).post(IMPORTS, {"file": _file([order(unit_a)])}, format="multipart")
        assert response.status_code == 403
    assert not PlatformOrder.objects.exists()


def test_the_api_lists_imports_in_scope(clerk, clerk_b, city_officer, unit_a):
    upload(clerk, [order(unit_a)])
    upload(city_officer, [order(unit_a, 订单编号="DD2")])
    assert _api(clerk).get(IMPORTS).json()["count"] == 1
    assert _api(clerk_b).get(IMPORTS).json()["count"] == 0
    assert _api(city_officer).get(IMPORTS).json()["count"] == 2


def test_the_api_lists_each_state(clerk, clerk_b, unit_a):
    matched = logged(unit_a, invoice_no="DD2026031000001")
    lone = logged(
        unit_a, invoice_no="LONE", amount=Decimal("8.00"), purchased_on=datetime.date(2026, 4, 2)
    )
    upload(clerk, [order(unit_a), order(unit_a, 订单编号="DD2", **{"订单金额(元)": "3.30"})])
    api = _api(clerk)
    rows = api.get(RESULT, {"year": 2026}).json()["results"]
    assert [(r["state"], r["order"]["order_no"], r["record"]["id"]) for r in rows] == [
        ("matched", "DD2026031000001", matched.pk)
    ]
    assert rows[0]["order"]["amount"] == "1280.50"
    only = api.get(RESULT, {"state": "only_platform", "year": 2026, "month": 3}).json()
    assert [r["order"]["order_no"] for r in only["results"]] == ["DD2"]
    assert only["results"][0]["record"] is None
    logged_only = api.get(RESULT, {"state": "only_logged", "year": 2026, "month": 4}).json()
    assert [r["record"]["id"] for r in logged_only["results"]] == [lone.pk]
    assert api.get(RESULT, {"state": "only_logged", "year": 2026, "month": 3}).json()["count"] == 0
    other = _api(clerk_b)
    for state in ("matched", "only_platform", "only_logged", "unknown_unit"):
        assert other.get(RESULT, {"state": state}).json()["count"] == 0


def test_the_api_validates_its_filters(clerk):
    api = _api(clerk)
    assert api.get(RESULT, {"month": 3}).status_code == 400
    assert api.get(RESULT, {"state": "everything"}).status_code == 400
    assert api.get(RESULT, {"year": 1900}).status_code == 400


def test_the_api_list_runs_a_bounded_number_of_queries(
    city_officer, unit_a, django_assert_max_num_queries
):
    for n in range(0, 60, 2):
        logged(unit_a, invoice_no=f"DD{n:05d}", amount=Decimal(f"{100 + n}.00"))
    upload(city_officer, _rows(unit_a, 60))
    api = _api(city_officer)
    for state in ("matched", "only_platform", "only_logged", "unknown_unit"):
        with django_assert_max_num_queries(API_QUERIES):
            assert api.get(RESULT, {"state": state, "year": 2026}).status_code == 200


def test_an_office_narrows_the_result_by_words_of_a_unit_s_name(
    client, city_officer, unit_a, unit_b
):
    logged(unit_a, invoice_no="A-ONLY", amount=Decimal("11.00"))
    logged(unit_b, invoice_no="B-ONLY", amount=Decimal("22.00"))
    client.force_login(city_officer)
    wanted = {"year": 2026, "state": "only_logged"}
    everyone = client.get(reverse(PAGE), wanted)
    assert everyone.context["totals"]["count"] == 2
    narrowed = client.get(reverse(PAGE), {**wanted, "q": "南山区"})
    assert narrowed.context["totals"] == {"count": 1, "amount": Decimal("22.00")}
    body = narrowed.content.decode()
    assert "B-ONLY" in body and "A-ONLY" not in body
