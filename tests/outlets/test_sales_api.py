"""The sales API: ``outlet-sales/`` (list, report, correct), ``outlet-sales/missing/`` and
``outlet-sales/import/``, on the services of the pages."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from outlets.imports import HEADERS
from outlets.models import OutletSalesReport
from outlets.selectors import Month
from portal.periods import today
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/v1/outlet-sales/"


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


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def body(outlet, month, amount="1234.50"):
    return {"outlet": outlet.pk, "year": month.year, "month": month.month, "amount": amount}


def test_report_then_correct(supplier, district_officer, outlet, last_month):
    response = api_for(supplier).post(URL, body(outlet, last_month), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["amount"] == "1234.50"
    assert data["previous_amount"] is None
    assert data["district"] == f.FUTIAN
    response = api_for(district_officer).post(URL, body(outlet, last_month, "99"), format="json")
    assert response.status_code == 200
    assert response.json()["previous_amount"] == "1234.50"
    assert OutletSalesReport.objects.get().amount == Decimal("99")


def test_refusals_are_400_403_and_404(clerk, supplier_2, district_officer, outlet, last_month):
    assert api_for(clerk).post(URL, body(outlet, last_month), format="json").status_code == 403
    assert api_for(clerk).get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)
    assert api_for(supplier_2).post(URL, body(outlet, last_month), format="json").status_code == 404
    nanshan = f.OutletFactory(district=f.region(f.NANSHAN), opened_on=datetime.date(2024, 1, 1))
    response = api_for(district_officer).post(URL, body(nanshan, last_month), format="json")
    assert response.status_code == 404
    response = api_for(district_officer).post(URL, body(outlet, last_month, "-1"), format="json")
    assert response.status_code == 400
    assert "negative" in response.json()["amount"][0]
    future = Month.of(today()).next()
    response = api_for(district_officer).post(URL, body(outlet, future), format="json")
    assert response.status_code == 400
    assert "month" in response.json()
    assert not OutletSalesReport.objects.exists()


def test_the_list_is_scoped_and_filtered(district_officer, city_officer, outlet):
    nanshan = f.OutletFactory(district=f.region(f.NANSHAN))
    OutletSalesReport.objects.create(outlet=outlet, year=2026, month=1, amount=1)
    OutletSalesReport.objects.create(outlet=outlet, year=2026, month=2, amount=2)
    OutletSalesReport.objects.create(outlet=nanshan, year=2026, month=2, amount=3)
    data = api_for(district_officer).get(URL).json()
    assert data["count"] == 2
    assert {r["outlet"] for r in data["results"]} == {outlet.pk}
    city = api_for(city_officer)
    assert city.get(URL).json()["count"] == 3
    assert city.get(URL, {"month": 2}).json()["count"] == 2
    assert city.get(URL, {"district": f.NANSHAN}).json()["results"][0]["amount"] == "3.00"
    assert city.get(URL, {"outlet": outlet.pk, "year": 2026}).json()["count"] == 2
    report = OutletSalesReport.objects.get(outlet=nanshan)
    assert api_for(district_officer).get(f"{URL}{report.pk}/").status_code == 404


def _list_queries(user, count, django_assert_max_num_queries):
    for n in range(count):
        outlet = f.OutletFactory()
        OutletSalesReport.objects.create(outlet=outlet, year=2026, month=1, amount=n)
    api = api_for(type(user).objects.get(pk=user.pk))  # a fresh user: its role not cached
    with django_assert_max_num_queries(5) as queries:
        assert api.get(URL).status_code == 200
    return len(queries)


def test_the_list_runs_the_same_queries_at_3_and_30_reports(
    city_officer, django_assert_max_num_queries
):
    small = _list_queries(city_officer, 3, django_assert_max_num_queries)
    large = _list_queries(city_officer, 27, django_assert_max_num_queries)
    assert small == large


def test_missing_lists_the_outlets_without_a_report(district_officer, outlet, last_month):
    other = f.OutletFactory(name="已报送", opened_on=datetime.date(2024, 1, 1))
    OutletSalesReport.objects.create(
        outlet=other, year=last_month.year, month=last_month.month, amount=5
    )
    data = api_for(district_officer).get(f"{URL}missing/").json()
    assert [r["id"] for r in data["results"]] == [outlet.pk]
    data = api_for(district_officer).get(f"{URL}missing/", {"year": 2023, "month": 6}).json()
    assert data["count"] == 0  # before either opened


def csv_file(rows) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return SimpleUploadedFile("sales.csv", text.getvalue().encode("gb18030"))


def test_import_answers_like_procurement_imports(district_officer, outlet, last_month):
    api = api_for(district_officer)
    month = {"year": last_month.year, "month": last_month.month}
    good = csv_file([[outlet.pk, outlet.name, "福田区", "专柜", "", "1,000"]])
    response = api.post(f"{URL}import/", {**month, "file": good}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0}
    bad = csv_file(
        [
            [outlet.pk, outlet.name, "福田区", "专柜", "", "2000"],
            ["", "没有这个专柜", "福田区", "专柜", "", "abc"],
        ]
    )
    response = api.post(f"{URL}import/", {**month, "file": bad}, format="multipart")
    assert response.status_code == 400
    data = response.json()
    assert data["created"] == 0
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(3, "专柜名称"), (3, "销售额(元)")]
    assert OutletSalesReport.objects.get().amount == Decimal("1000")
    assert api_for(district_officer).post(f"{URL}import/", month).status_code in (400, 415)
