"""The public outlet finder (issue 5, point 4): only active outlets, its filters and search, the
map's data, tiles only when configured, the outlet's page with what it carries, bounded
queries."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outlets.models import Outlet, OutletPhoto
from outlets.selectors import finder_map_points, finder_outlets
from portal.periods import today
from products.models import CertificationScheme, Product
from tests import factories as f

pytestmark = pytest.mark.django_db

FINDER = reverse("outlets:finder")
DAY = datetime.timedelta(days=1)
TILES = "https://tiles.example.test/{z}/{x}/{y}.png"
POINTS = re.compile(r'<script id="outlet-map-points" type="application/json">(.*?)</script>', re.S)


@pytest.fixture(autouse=True)
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.PORTAL_MAP_TILE_URL = ""
    settings.PORTAL_MAP_ATTRIBUTION = ""
    with translation.override("en"):
        yield


def page(outlet: Outlet, query: str = "") -> str:
    return reverse("outlets:finder_outlet", args=[outlet.pk]) + query


def located(**fields) -> Outlet:
    """An active outlet with coordinates (in 福田区 unless told)."""
    return f.OutletFactory(latitude=Decimal("22.541000"), longitude=Decimal("114.055000"), **fields)


def certified(**product_fields) -> Product:
    """A listed product in the catalogue today (a recognition certificate valid today)."""
    product = f.ProductFactory(**product_fields)
    f.CertificateFactory(
        product=product,
        scheme=CertificationScheme.objects.get(code="recognition"),
        valid_from=today() - 100 * DAY,
        valid_until=today() + 300 * DAY,
    )
    return product


def listed_names(response) -> set[str]:
    return {outlet.name for outlet in response.context["page"].object_list}


def map_points(response) -> list[dict]:
    match = POINTS.search(response.content.decode())
    assert match, "the map's JSON is not in the page"
    return json.loads(match.group(1))


# --- Only active outlets ---------------------------------------------------------------------


@pytest.fixture
def statuses():
    return {
        "active": f.OutletFactory(name="福田口岸消费帮扶专柜"),
        "suspended": f.OutletFactory(name="暂停的专柜", status=Outlet.Status.SUSPENDED),
        "exited": f.OutletFactory(
            name="退出的专柜", status=Outlet.Status.EXITED, exited_on=datetime.date(2026, 3, 1)
        ),
    }


def test_only_active_outlets_are_listed(client, statuses):
    response = client.get(FINDER)
    assert response.status_code == 200
    assert listed_names(response) == {"福田口岸消费帮扶专柜"}
    assert response.context["total"] == 1
    html = response.content.decode()
    assert "暂停的专柜" not in html and "退出的专柜" not in html


@pytest.mark.parametrize("status", ["suspended", "exited"])
def test_a_suspended_or_exited_outlet_has_no_page(client, statuses, status):
    assert client.get(page(statuses[status])).status_code == 404


def test_an_active_outlet_has_a_page_and_an_unknown_one_is_404(client, statuses):
    assert client.get(page(statuses["active"])).status_code == 200
    assert client.get(reverse("outlets:finder_outlet", args=[999999])).status_code == 404


def test_suspended_and_exited_outlets_are_not_on_the_map(client, statuses):
    for outlet in statuses.values():
        outlet.latitude, outlet.longitude = Decimal("22.5"), Decimal("114.0")
        outlet.save()
    points = map_points(client.get(FINDER, {"view": "map"}))
    assert [point["name"] for point in points] == ["福田口岸消费帮扶专柜"]


def test_the_finder_is_public_with_no_left_navigation_even_signed_in(client, clerk):
    f.OutletFactory()
    client.force_login(clerk)
    for url in (FINDER, FINDER + "?view=map", page(Outlet.objects.get())):
        response = client.get(url)
        assert response.status_code == 200
        assert 'class="side-nav"' not in response.content.decode()


# --- Filters and search ----------------------------------------------------------------------


@pytest.fixture
def city_outlets():
    return {
        "futian_counter": f.OutletFactory(
            name="福田区人民医院专柜",
            district=f.region(f.FUTIAN),
            kind=Outlet.Kind.COUNTER,
            venue=Outlet.Venue.HOSPITAL,
            address="深圳市福田区笋岗西路3002号",
        ),
        "futian_hall": f.OutletFactory(
            name="福田消费帮扶馆",
            district=f.region(f.FUTIAN),
            kind=Outlet.Kind.HALL,
            venue=Outlet.Venue.STANDALONE,
            address="深圳市福田区深南大道6008号",
        ),
        "nanshan_zone": f.OutletFactory(
            name="南山天虹帮扶专区",
            district=f.region(f.NANSHAN),
            kind=Outlet.Kind.ZONE,
            venue=Outlet.Venue.SUPERMARKET,
            address="深圳市南山区南海大道2163号",
        ),
    }


def test_the_district_filter_keeps_that_districts_outlets(client, city_outlets):
    response = client.get(FINDER, {"district": f.NANSHAN})
    assert listed_names(response) == {"南山天虹帮扶专区"}


def test_the_district_filter_offers_the_citys_districts(client, city_outlets):
    choices = dict(client.get(FINDER).context["filters"].fields["district"].choices)
    assert choices[f.FUTIAN] == "福田区" and choices[f.NANSHAN] == "南山区"
    assert f.TIANYANG not in choices  # a district of a paired region, not of the city


def test_the_kind_filter_keeps_that_kind(client, city_outlets):
    response = client.get(FINDER, {"kind": Outlet.Kind.HALL})
    assert listed_names(response) == {"福田消费帮扶馆"}


def test_filters_combine(client, city_outlets):
    response = client.get(FINDER, {"district": f.FUTIAN, "kind": Outlet.Kind.ZONE})
    assert listed_names(response) == set()
    assert 'data-testid="empty-state"' in response.content.decode()


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("天虹", {"南山天虹帮扶专区"}),  # the name
        ("深南大道", {"福田消费帮扶馆"}),  # the address
        ("hospital", {"福田区人民医院专柜"}),  # the host venue's words, in English
        ("医院", {"福田区人民医院专柜"}),  # … and in Chinese
        ("商超", {"南山天虹帮扶专区"}),  # the venue's Chinese label, not in name or address
        ("福田 深南", {"福田消费帮扶馆"}),  # every word must match
        ("罗湖", set()),
    ],
)
def test_the_search_looks_in_name_address_and_venue(client, city_outlets, q, expected):
    assert listed_names(client.get(FINDER, {"q": q})) == expected


def test_an_unknown_district_is_an_error_that_selects_nothing(client, city_outlets):
    response = client.get(FINDER, {"district": "999999"})
    assert response.status_code == 200
    assert listed_names(response) == set()
    assert 'data-testid="error-summary"' in response.content.decode()


def test_the_list_shows_each_outlets_facts_and_a_totals_line(client):
    f.OutletFactory(
        name="福田区人民医院专柜",
        kind=Outlet.Kind.COUNTER,
        venue=Outlet.Venue.HOSPITAL,
        address="深圳市福田区笋岗西路3002号",
        opened_on=datetime.date(2025, 6, 18),
    )
    html = client.get(FINDER).content.decode()
    for text in ("福田区人民医院专柜", "Counter (专柜)", "福田区", "笋岗西路3002号", "Hospital"):
        assert text in html
    assert "2025-06-18" in html
    assert "1 outlet open" in html


def test_the_list_is_paginated_24_a_page(client):
    for n in range(30):
        f.OutletFactory(name=f"专柜{n:02d}")
    first = client.get(FINDER)
    assert len(first.context["page"].object_list) == 24
    assert first.context["total"] == 30
    assert len(client.get(FINDER, {"page": 2}).context["page"].object_list) == 6


def test_an_empty_finder_says_what_to_do_next(client):
    html = client.get(FINDER).content.decode()
    assert 'data-testid="empty-state"' in html
    assert reverse("products:catalogue") in html


# --- The map ---------------------------------------------------------------------------------


def test_the_map_holds_exactly_the_filtered_outlets_with_coordinates(client):
    here = located(name="福田有坐标专柜", district=f.region(f.FUTIAN))
    located(name="南山有坐标专区", district=f.region(f.NANSHAN), kind=Outlet.Kind.ZONE)
    f.OutletFactory(name="福田无坐标专柜", district=f.region(f.FUTIAN))
    response = client.get(FINDER, {"view": "map", "district": f.FUTIAN})
    points = map_points(response)
    assert [point["name"] for point in points] == ["福田有坐标专柜"]
    [point] = points
    assert point["lat"] == pytest.approx(22.541) and point["lng"] == pytest.approx(114.055)
    assert point["kind"] == "counter" and point["kind_label"] == "Counter (专柜)"
    assert point["url"].startswith(page(here))  # the popup leads to the outlet's page …
    assert "district=440304" in point["url"]  # … which leads back to the same map
    # The list stays complete: the outlet without coordinates is listed and counted.
    assert listed_names(response) == {"福田有坐标专柜", "福田无坐标专柜"}
    assert response.context["located"] == 1 and response.context["unlocated"] == 1
    assert "1 outlet has no coordinates yet" in response.content.decode()


def test_the_map_follows_the_search(client):
    located(name="天虹专区", kind=Outlet.Kind.ZONE)
    located(name="口岸专柜")
    points = map_points(client.get(FINDER, {"view": "map", "q": "天虹"}))
    assert [point["name"] for point in points] == ["天虹专区"]


def test_the_list_view_carries_no_map(client):
    located()
    html = client.get(FINDER).content.decode()
    assert "outlet-map-points" not in html
    assert "leaflet" not in html


def test_with_no_coordinates_the_map_view_draws_no_map_and_says_why(client):
    f.OutletFactory()
    response = client.get(FINDER, {"view": "map"})
    html = response.content.decode()
    assert "outlet-map-points" not in html
    assert "1 outlet has no coordinates yet" in html
    assert len(response.context["page"].object_list) == 1


def test_without_a_tile_url_the_map_requests_no_tiles(client):
    outlet = located()
    for url in (FINDER + "?view=map", page(outlet)):
        html = client.get(url).content.decode()
        assert "vendor/leaflet/leaflet.js" in html  # the map is drawn, from our own files
        assert "data-tile-url" not in html
        assert "{z}" not in html


def test_with_a_tile_url_the_map_draws_its_tiles(client, settings):
    settings.PORTAL_MAP_TILE_URL = TILES
    settings.PORTAL_MAP_ATTRIBUTION = "© 深圳市规划和自然资源局"
    outlet = located()
    for url in (FINDER + "?view=map", page(outlet)):
        html = client.get(url).content.decode()
        assert f'data-tile-url="{TILES}"' in html
        assert "深圳市规划和自然资源局" in html
    assert "data-tile-url" not in client.get(FINDER).content.decode()  # the list asks none


def test_the_map_is_vendored_not_from_a_cdn(client):
    located()
    html = client.get(FINDER, {"view": "map"}).content.decode()
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html)


# --- The outlet's page -----------------------------------------------------------------------


def test_the_outlet_page_shows_its_facts(client, supplier_org):
    outlet = located(
        name="福田区人民医院专柜",
        venue=Outlet.Venue.HOSPITAL,
        address="深圳市福田区笋岗西路3002号",
        opened_on=datetime.date(2025, 6, 18),
        operator=supplier_org,
    )
    response = client.get(page(outlet))
    html = response.content.decode()
    for text in (
        "福田区人民医院专柜",
        "Counter (专柜)",
        "福田区",
        "笋岗西路3002号",
        "Hospital",
        "2025-06-18",
        "百色市田阳区农业发展有限公司",
    ):
        assert text in html
    assert 'data-testid="outlet-map"' in html
    assert "22.54100, 114.05500" in html  # to look up in any map app, tiles or none
    assert 'class="side-nav"' not in html


def test_an_outlet_without_coordinates_has_no_map(client):
    html = client.get(page(f.OutletFactory())).content.decode()
    assert 'data-testid="outlet-map"' not in html
    assert "leaflet" not in html


def test_products_carried_link_to_the_catalogue_only_while_in_it(client, supplier_org):
    in_catalogue = certified(name="田阳香芒", supplier=supplier_org, price=Decimal("68.00"))
    uncertified = f.ProductFactory(name="未认证的荔枝", supplier=supplier_org)
    suspended_supplier = certified(
        name="供应商暂停的芒果", supplier=f.SupplierFactory(status="suspended")
    )
    exited = certified(name="已退出的腊肉", status=Product.Status.EXITED)
    outlet = f.OutletFactory()
    outlet.products.set([in_catalogue, uncertified, suspended_supplier, exited])

    response = client.get(page(outlet))
    html = response.content.decode()
    linked = re.findall(r'href="/[^"]*catalogue/(\d+)/"', html)
    assert linked == [str(in_catalogue.pk)]
    assert "田阳香芒" in html and "¥68.00" in html and "百色市田阳区农业发展有限公司" in html
    assert str(in_catalogue.get_category_display()) in html
    # Carried but not in the catalogue now: named, not linked.
    assert "未认证的荔枝" in html and "供应商暂停的芒果" in html
    assert html.count("Not in the catalogue now") == 2
    # An exited product is not to be sold: the page does not name it.
    assert "已退出的腊肉" not in html


def test_the_list_counts_the_listed_products_carried(client):
    outlet = f.OutletFactory()
    outlet.products.set(
        [f.ProductFactory(), certified(), f.ProductFactory(status=Product.Status.SUSPENDED)]
    )
    f.OutletFactory()  # carries nothing
    counts = {o.pk: o.product_count for o in finder_outlets()}
    assert counts[outlet.pk] == 2
    assert sorted(counts.values()) == [0, 2]


def test_each_page_counts_its_own_outlets_products_and_the_count_reads_outlets_alone(client):
    """``product_count`` is a subquery per outlet: the counts of the second page are its
    outlets' own, and counting the list does not go through the products carried."""
    from django.db import connection

    listed = [f.ProductFactory() for _ in range(3)]
    suspended = f.ProductFactory(status=Product.Status.SUSPENDED)
    carried = {}
    for i in range(30):
        outlet = f.OutletFactory(name=f"专柜{i:02d}", district=f.region(f.FUTIAN))
        outlet.products.set([*listed[: i % 4], suspended])
        carried[outlet.name] = i % 4
    f.OutletFactory(status=Outlet.Status.SUSPENDED).products.set(listed)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(FINDER, {"page": 2})
    page = response.context["page"]
    assert response.context["total"] == 30 and len(page.object_list) == 6
    assert {o.name: o.product_count for o in page.object_list} == {
        name: n for name, n in carried.items() if name >= "专柜24"
    }
    [count] = [q["sql"] for q in captured if q["sql"].upper().startswith("SELECT COUNT(")]
    assert "outlet_products" not in count


def test_the_outlet_page_leads_back_to_the_finder_with_its_filters(client):
    outlet = f.OutletFactory(kind=Outlet.Kind.COUNTER)
    listing = client.get(FINDER, {"kind": "counter", "q": "专柜", "view": "map"}).content.decode()
    assert page(outlet) + "?q=%E4%B8%93%E6%9F%9C&amp;kind=counter&amp;view=map" in listing
    html = client.get(page(outlet, "?kind=counter&view=map&evil=1")).content.decode()
    assert f'href="{FINDER}?kind=counter&amp;view=map" data-testid="back-to-finder"' in html
    back_links = re.findall(rf'href="({re.escape(FINDER)}[^"]*)"', html)
    assert back_links and all("evil" not in link for link in back_links)


def test_photos_are_shown_only_through_the_photo_view(client):
    outlet = f.OutletFactory()
    photo = OutletPhoto.objects.create(
        outlet=outlet,
        file="outlets/2026/01/counter.jpg",
        original_name="counter.jpg",
        content_type="image/jpeg",
        size=10,
        sha256="0" * 64,
    )
    response = client.get(page(outlet))
    assert response.status_code == 200
    html = response.content.decode()
    assert "/media/" not in html and "counter.jpg" not in html
    if response.context["photos_served"]:
        assert reverse("outlets:outlet_photo", args=[photo.pk]) in html


# --- Bounded queries -------------------------------------------------------------------------


def _build(n: int, products: list[Product]) -> Outlet:
    kinds = list(Outlet.Kind)
    first = None
    for i in range(n):
        outlet = f.OutletFactory(
            kind=kinds[i % len(kinds)],
            district=f.region(f.FUTIAN if i % 2 else f.NANSHAN),
            latitude=Decimal("22.5") + Decimal(i) / 1000,
            longitude=Decimal("114.0"),
        )
        outlet.products.set(products)
        first = first or outlet
    return first


def _queries(client, url) -> int:
    from django.db import connection

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [FINDER, FINDER + "?view=map", FINDER + "?q=专柜&kind=counter"])
def test_the_finder_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, url):
    products = [certified(), certified(), f.ProductFactory()]
    _build(3, products)
    with django_assert_max_num_queries(4):
        small = _queries(client, url)
    _build(37, products)
    with django_assert_max_num_queries(4):
        large = _queries(client, url)
    assert small == large


def test_the_outlet_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    outlet = _build(1, [certified() for _ in range(3)])
    with django_assert_max_num_queries(3):
        small = _queries(client, page(outlet))
    outlet.products.add(*[certified() for _ in range(37)], *f.ProductFactory.create_batch(3))
    with django_assert_max_num_queries(3):
        large = _queries(client, page(outlet))
    assert small == large
    assert len(client.get(page(outlet)).context["products"]) == 43


def test_map_points_are_capped(settings, monkeypatch):
    from outlets import selectors

    monkeypatch.setattr(selectors, "FINDER_MAP_MAX_POINTS", 2)
    for _ in range(3):
        located()
    rows, count = finder_map_points()
    assert len(rows) == 2 and count == 3
