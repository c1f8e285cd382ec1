"""一品一码, the other way round (issue 10, point 4): from any purchase, the chain back to the
county it helped, on the purchase's page; and on the offices' dashboard, the households the
city's spending reached, in all and by county."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement.models import ProcurementRecord
from products.models import Certificate, CertificationScheme, Product
from reporting.dashboard import dashboard_data, dashboard_scope
from reporting.dashboard.rows import HOUSEHOLD_COUNTIES_SHOWN
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

YEAR = 2026
AS_OF = datetime.date(2026, 11, 23)
KASHGAR_CITY = "653101"  # 新疆维吾尔自治区喀什地区喀什市
YOUJIANG = "451002"  # 广西壮族自治区百色市右江区
LINGYUN = "451027"  # 广西壮族自治区百色市凌云县
WHOLE_YEAR = {"valid_from": datetime.date(YEAR, 1, 1), "valid_until": datetime.date(YEAR, 12, 31)}


def product_from(county: str, households: int, *, certificate: dict | None = None, **fields):
    """A product of ``county`` lifting ``households``, with a recognition certificate for the
    whole year unless told otherwise (``certificate=None`` keeps the default, ``{}`` none)."""
    product = f.ProductFactory(region=f.region(county), households_lifted=households, **fields)
    if certificate != {}:
        f.CertificateFactory(product=product, **{**WHOLE_YEAR, **(certificate or {})})
    return product


def bought(unit, product, day=(3, 15), **fields) -> ProcurementRecord:
    return f.RecordFactory(
        budget_unit=unit,
        supplier=product.supplier,
        product=product,
        purchased_on=datetime.date(YEAR, *day),
        **fields,
    )


def households_for(user, *, quarter=None, district=None, year=YEAR):
    scope = dashboard_scope(user=user, year=year, quarter=quarter, district=district, as_of=AS_OF)
    data = dashboard_data(user=user, scope=scope)
    return data.households_reached, [
        (row.code, row.households, row.products) for row in data.households_by_county
    ]


# --- The purchase's page ------------------------------------------------------------------------


def test_a_purchase_shows_its_chain_back_to_the_county_and_links_the_public_page(
    client, clerk, unit_a
):
    supplier = f.SupplierFactory(name="田阳芒果合作社")
    base = supplier.bases.create(name="田阳芒果示范基地", region=f.region(f.TIANYANG))
    mango = f.ProductFactory(supplier=supplier, base=base, name="田阳香芒", households_lifted=320)
    record = f.RecordFactory(budget_unit=unit_a, supplier=supplier, product=mango)
    client.force_login(clerk)
    response = client.get(reverse("procurement:record_detail", args=[record.pk]))
    assert response.status_code == 200
    chain = response.context["chain"]
    assert not chain.fallback
    assert (chain.product, chain.base, chain.households) == (mango, base, 320)
    assert [r.code for r in chain.origin] == ["451003", "451000", "450000"]

    html = response.content.decode()
    section = re.search(r'data-testid="purchase-chain">(.*?)</section>', html, re.S).group(1)
    steps = ["田阳香芒", "田阳芒果示范基地", "田阳芒果合作社", "田阳区", "百色市", "广西壮族自治区"]
    positions = [section.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "Helps 320 households out of poverty" in section
    assert f'href="/p/{mango.trace_code}/"' in section
    assert "Region of origin" in section
    assert 'data-testid="chain-fallback"' not in section


def test_a_purchase_naming_no_product_falls_back_to_the_suppliers_region_and_says_so(
    client, clerk, unit_a
):
    supplier = f.SupplierFactory(name="喀什香馕厂", region=f.region(KASHGAR_CITY))
    record = f.RecordFactory(budget_unit=unit_a, supplier=supplier, product=None)
    client.force_login(clerk)
    response = client.get(reverse("procurement:record_detail", args=[record.pk]))
    chain = response.context["chain"]
    assert chain.fallback and chain.product is None and chain.households is None
    assert [r.code for r in chain.origin] == [KASHGAR_CITY, "653100", "650000"]
    html = response.content.decode()
    assert "Supplier&#x27;s registered region" in html or "Supplier's registered region" in html
    assert 'data-testid="chain-fallback"' in html
    assert 'data-testid="chain-households"' not in html
    assert "/p/" not in html


@pytest.mark.parametrize("with_product", [True, False])
def test_the_chain_costs_one_query_more_than_the_page_without_it(
    client, clerk, unit_a, with_product, django_assert_max_num_queries, monkeypatch
):
    from products.trace_selectors import PurchaseChain

    supplier = f.SupplierFactory()
    product = f.ProductFactory(supplier=supplier) if with_product else None
    record = f.RecordFactory(budget_unit=unit_a, supplier=supplier, product=product)
    client.force_login(clerk)
    url = reverse("procurement:record_detail", args=[record.pk])
    client.get(url)  # the session and the caches warm up
    with monkeypatch.context() as patched:
        patched.setattr(
            "procurement.views.records.purchase_chain",
            lambda record: PurchaseChain(record.supplier, None, None, [], None, True),
        )
        with CaptureQueriesContext(connection) as without_chain:
            client.get(url)
    with django_assert_max_num_queries(len(without_chain.captured_queries) + 1):
        client.get(url)


# --- The dashboard: households reached ----------------------------------------------------------


def test_households_reached_count_each_certified_product_bought_once(city_officer, unit_a, unit_b):
    mango = product_from(f.TIANYANG, 320)
    tea = product_from(YOUJIANG, 45)
    nang = product_from(KASHGAR_CITY, 1000)
    bought(unit_a, mango, (1, 10))
    bought(unit_a, mango, (5, 2))  # the same product again: its households count once
    bought(unit_b, mango, (9, 9))
    bought(unit_b, tea, (7, 20))
    bought(unit_a, nang, (8, 1), status=ProcurementRecord.Status.REJECTED)  # rejected: none
    # Bought in another year, or not at all: not this year's reach.
    old = product_from(LINGYUN, 7000)
    f.RecordFactory(
        budget_unit=unit_a,
        supplier=old.supplier,
        product=old,
        purchased_on=datetime.date(YEAR - 1, 12, 31),
    )
    product_from(LINGYUN, 9000)
    # A purchase naming no product reaches no household we can name.
    f.RecordFactory(budget_unit=unit_a, supplier=nang.supplier, product=None)

    total, counties = households_for(city_officer)
    assert total == 320 + 45
    assert counties == [(f.TIANYANG, 320, 1), (YOUJIANG, 45, 1)]


def test_only_products_certified_in_the_period_count(city_officer, unit_a):
    revoked = product_from(f.TIANYANG, 100, certificate={"status": Certificate.Status.REVOKED})
    suspended = product_from(f.TIANYANG, 200, certificate={"status": "suspended"})
    never = product_from(f.TIANYANG, 400, certificate={})
    expired = product_from(
        f.TIANYANG,
        800,
        certificate={
            "status": Certificate.Status.EXPIRED,
            "valid_from": datetime.date(YEAR - 2, 1, 1),
            "valid_until": datetime.date(YEAR, 3, 31),
        },
    )
    stale = product_from(
        f.TIANYANG,
        1600,
        certificate={
            "valid_from": datetime.date(YEAR - 2, 1, 1),
            "valid_until": datetime.date(YEAR - 1, 12, 31),
        },
    )
    szp_only = product_from(
        f.TIANYANG, 3200, certificate={"scheme": CertificationScheme.objects.get(code="szp")}
    )
    for product in (revoked, suspended, never, expired, stale, szp_only):
        bought(unit_a, product)
    # Expired since, but it covered part of the year: it counts; so does a 圳品 certificate.
    assert households_for(city_officer) == (800 + 3200, [(f.TIANYANG, 4000, 2)])


def test_the_period_and_the_district_narrow_the_households(
    city_officer, district_officer, unit_a, unit_b
):
    mango = product_from(f.TIANYANG, 320)
    tea = product_from(YOUJIANG, 45)
    nang = product_from(KASHGAR_CITY, 1000)
    bought(unit_a, mango, (2, 1))  # 福田, Q1
    bought(unit_a, tea, (8, 1))  # 福田, Q3
    bought(unit_b, nang, (8, 2))  # 南山, Q3

    assert households_for(city_officer)[0] == 1365
    assert households_for(city_officer, quarter=3)[0] == 1045
    assert households_for(city_officer, district=f.NANSHAN)[0] == 1000
    assert households_for(city_officer, district=f.FUTIAN, quarter=1)[0] == 320
    # A district office reads its own district, whatever it asks for.
    assert households_for(district_officer, district=f.NANSHAN)[0] == 365
    assert households_for(district_officer, year=YEAR + 1) == (0, [])


def test_the_counties_come_most_households_first_with_their_province_and_city(city_officer, unit_a):
    for county, households in ((f.TIANYANG, 10), (YOUJIANG, 300), (KASHGAR_CITY, 20)):
        bought(unit_a, product_from(county, households))
    bought(unit_a, product_from(f.TIANYANG, 5))
    scope = dashboard_scope(user=city_officer, year=YEAR, as_of=AS_OF)
    data = dashboard_data(user=city_officer, scope=scope)
    assert [(r.name, r.area, r.products, r.households) for r in data.households_by_county] == [
        ("右江区", "广西壮族自治区百色市", 1, 300),
        ("喀什市", "新疆维吾尔自治区喀什地区", 1, 20),
        ("田阳区", "广西壮族自治区百色市", 2, 15),
    ]
    assert data.households_top_counties == data.households_by_county
    assert HOUSEHOLD_COUNTIES_SHOWN == 10


def test_the_households_cost_one_query_however_many_purchases_and_products(
    city_officer, unit_a, unit_b, django_assert_num_queries
):
    from reporting.dashboard.households import households_reached

    scope = dashboard_scope(user=city_officer, year=YEAR, as_of=AS_OF)
    bought(unit_a, product_from(f.TIANYANG, 1))
    with django_assert_num_queries(1):
        households_reached(city_officer, scope)
    for n, county in enumerate((f.TIANYANG, YOUJIANG, KASHGAR_CITY, LINGYUN) * 5):
        product = product_from(county, n)
        for unit in (unit_a, unit_b):
            bought(unit, product, (1 + n % 12, 1))
    with django_assert_num_queries(1):
        total, counties = households_reached(city_officer, scope)
    assert total == 1 + sum(range(20))
    assert len(counties) == 4


def test_the_dashboard_page_shows_the_households_reached_and_the_top_counties(
    client, city_officer, unit_a, monkeypatch
):
    monkeypatch.setattr("reporting.views.dashboard.today", lambda: AS_OF)
    bought(unit_a, product_from(f.TIANYANG, 320))
    bought(unit_a, product_from(YOUJIANG, 45))
    client.force_login(city_officer)
    html = client.get(reverse("reporting:dashboard"), {"year": YEAR}).content.decode()
    assert re.search(r'data-testid="households-reached">\s*365\s*<', html)
    table = re.search(r'data-testid="households-by-county">(.*?)</table>', html, re.S).group(1)
    assert table.count('data-testid="households-county"') == 2
    assert table.index("田阳区") < table.index("右江区")
    assert "Most households reached in 田阳区: 320" in html


def test_the_dashboard_page_says_when_no_household_was_reached(client, city_officer, monkeypatch):
    monkeypatch.setattr("reporting.views.dashboard.today", lambda: AS_OF)
    client.force_login(city_officer)
    html = client.get(reverse("reporting:dashboard"), {"year": YEAR}).content.decode()
    assert re.search(r'data-testid="households-reached">\s*0\s*<', html)
    assert "No household reached yet in this period" in html


def test_the_summary_api_gives_the_households_reached(client, city_officer, unit_a):
    bought(unit_a, product_from(f.TIANYANG, 320))
    bought(unit_a, product_from(YOUJIANG, 45))
    client.force_login(city_officer)
    data = client.get("/api/v1/dashboard/summary/", {"year": YEAR}).json()
    assert data["households_reached"] == 365
    assert [(row["region"], row["households"]) for row in data["households_by_county"]] == [
        (f.TIANYANG, 320),
        (YOUJIANG, 45),
    ]


def test_a_product_exited_later_still_counts_for_the_purchases_made_while_certified(
    city_officer, unit_a
):
    mango = product_from(f.TIANYANG, 320)
    bought(unit_a, mango)
    Product.objects.filter(pk=mango.pk).update(status=Product.Status.EXITED)
    assert households_for(city_officer)[0] == 320
