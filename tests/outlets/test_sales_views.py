"""The sales pages: the month's list with its inline forms, the missing reports, the import page
and the template download."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from outlets.imports import HEADERS
from outlets.models import OutletSalesReport
from outlets.selectors import Month
from portal.periods import today
from tests import factories as f

pytestmark = pytest.mark.django_db

SALES = reverse("outlets:sales")


@pytest.fixture(autouse=True)
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def last_month():
    return Month.of(today()).previous()


@pytest.fixture
def outlet(supplier_org):
    return f.OutletFactory(
        name="福田口岸消费帮扶专柜", operator=supplier_org, opened_on=datetime.date(2024, 1, 1)
    )


def signed_in(client, user):
    client.force_login(user)
    return client


def post_amount(client, outlet, month, amount, query=""):
    return client.post(
        f"{SALES}?{query}",
        {"outlet": outlet.pk, "year": month.year, "month": month.month, "amount": amount},
    )


def test_the_page_shows_the_month_s_outlets_and_the_missing_ones(
    client, district_officer, outlet, last_month
):
    reported = f.OutletFactory(name="已报送专柜", opened_on=datetime.date(2024, 1, 1))
    OutletSalesReport.objects.create(
        outlet=reported, year=last_month.year, month=last_month.month, amount=Decimal("8888.80")
    )
    f.OutletFactory(
        name="南山专柜", district=f.region(f.NANSHAN), opened_on=datetime.date(2024, 1, 1)
    )
    response = signed_in(client, district_officer).get(SALES)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="sales-month"' in html
    assert f'data-testid="sales-amount-{outlet.pk}"' in html
    assert f'data-testid="save-sales-{outlet.pk}"' in html
    assert 'data-testid="missing-count" data-count="1"' in html
    assert "Not reported" in html
    assert "¥8,888.80" in html
    assert "南山专柜" not in html
    assert response.context["month"] == last_month


def test_reporting_from_the_row_saves_and_returns_to_the_month(
    client, supplier, outlet, last_month
):
    query = f"year={last_month.year}&month={last_month.month}"
    response = post_amount(signed_in(client, supplier), outlet, last_month, "12,345.6", query)
    assert response.status_code == 302
    assert response["Location"] == f"{SALES}?{query}"
    assert OutletSalesReport.objects.get().amount == Decimal("12345.60")
    response = post_amount(client, outlet, last_month, "100", query)
    page = client.get(response["Location"])
    assert "was ¥12,345.60" in page.content.decode()


def test_a_refused_amount_is_shown_on_its_row(client, district_officer, outlet, last_month):
    response = post_amount(signed_in(client, district_officer), outlet, last_month, "-5")
    assert response.status_code == 200
    assert "cannot be negative" in response.content.decode()
    assert not OutletSalesReport.objects.exists()


def test_a_future_month_is_refused(client, district_officer, outlet):
    future = Month.of(today()).next()
    response = signed_in(client, district_officer).get(
        SALES, {"year": future.year, "month": future.month}
    )
    assert response.status_code == 400
    response = post_amount(client, outlet, future, "5")
    assert "has not begun" in response.content.decode()
    assert not OutletSalesReport.objects.exists()


def test_who_may_use_the_page(client, clerk, reviewer, supplier_2, district_officer, last_month):
    for user in (clerk, reviewer):
        client.force_login(user)
        assert client.get(SALES).status_code == 403
        assert client.get(reverse("outlets:sales_import")).status_code == 403
        assert client.get(reverse("outlets:sales_template")).status_code == 403
    elsewhere = f.OutletFactory(district=f.region(f.NANSHAN), opened_on=datetime.date(2024, 1, 1))
    for user in (district_officer, supplier_2):
        client.force_login(user)
        assert post_amount(client, elsewhere, last_month, "5").status_code == 404
    assert not OutletSalesReport.objects.exists()
    client.logout()
    assert client.get(SALES).status_code == 302


def test_the_city_office_filters_by_district_and_sees_missing_by_district(
    client, city_officer, outlet
):
    f.OutletFactory(
        name="南山专柜", district=f.region(f.NANSHAN), opened_on=datetime.date(2024, 1, 1)
    )
    response = signed_in(client, city_officer).get(SALES)
    html = response.content.decode()
    assert 'data-count="2"' in html
    assert "福田区 1" in html and "南山区 1" in html
    response = client.get(SALES, {"district": f.NANSHAN, "show": "missing"})
    html = response.content.decode()
    assert "南山专柜" in html and outlet.name not in html


def test_a_supplier_operating_nothing_sees_what_to_expect(client, supplier_2):
    response = signed_in(client, supplier_2).get(SALES)
    assert response.status_code == 200
    assert 'data-testid="empty-state"' in response.content.decode()


def _page_queries(client, user, count, django_assert_max_num_queries):
    for n in range(count):
        outlet = f.OutletFactory(opened_on=datetime.date(2024, 1, 1))
        if n % 2:
            month = Month.of(today()).previous()
            OutletSalesReport.objects.create(
                outlet=outlet, year=month.year, month=month.month, amount=n
            )
    client.force_login(user)
    with django_assert_max_num_queries(10) as queries:
        assert client.get(SALES).status_code == 200
    return len(queries)


def test_the_page_runs_the_same_queries_at_3_and_30_outlets(
    client, city_officer, django_assert_max_num_queries
):
    small = _page_queries(client, city_officer, 3, django_assert_max_num_queries)
    large = _page_queries(client, city_officer, 27, django_assert_max_num_queries)
    assert small == large


def test_import_page_saves_all_or_nothing(client, district_officer, outlet, last_month):
    signed_in(client, district_officer)
    page = client.get(reverse("outlets:sales_import"))
    assert 'data-testid="import-form"' in page.content.decode()
    header = ",".join(HEADERS)
    bad = f"{header}\n{outlet.pk},,,,,-3\n".encode()
    data = {"year": last_month.year, "month": last_month.month}
    response = client.post(
        reverse("outlets:sales_import"), {**data, "file": SimpleUploadedFile("s.csv", bad)}
    )
    assert response.status_code == 400
    assert 'data-testid="import-problems"' in response.content.decode()
    assert not OutletSalesReport.objects.exists()
    response = client.post(
        reverse("outlets:sales_import"),
        {**data, "file": SimpleUploadedFile("s.csv", bad)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400  # htmx-config in base.html swaps 4xx answers too
    assert "negative" in response.content.decode()
    good = f"{header}\n{outlet.pk},,,,,300\n".encode()
    response = client.post(
        reverse("outlets:sales_import"),
        {**data, "file": SimpleUploadedFile("s.csv", good)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(SALES)
    assert OutletSalesReport.objects.get().amount == 300


def test_the_template_download_lists_the_user_s_outlets(client, supplier, outlet, last_month):
    f.OutletFactory(name="别家的专柜", opened_on=datetime.date(2024, 1, 1))
    response = signed_in(client, supplier).get(
        reverse("outlets:sales_template"), {"year": last_month.year, "month": last_month.month}
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = [row[1].value for row in book.worksheets[0].iter_rows(min_row=2)]
    assert names == [outlet.name]
