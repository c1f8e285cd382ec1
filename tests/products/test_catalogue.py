"""The public catalogue (名库): the rule of who appears, its filters, the page, the product page
and the Excel export (issue 4, point 6)."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.periods import today
from products.models import Certificate, CertificationScheme, Product, ProductPhoto, Supplier
from products.selectors import (
    catalogue_products,
    catalogue_region_options,
    season_months,
    seasons_covering,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 23)
DAY = datetime.timedelta(days=1)
KASHGAR = "653101"  # 新疆维吾尔自治区喀什地区喀什市
BAISE_YOUJIANG = "451002"  # 广西壮族自治区百色市右江区
CATALOGUE = reverse("products:catalogue")
EXPORT = reverse("products:catalogue_export")


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def certified(*, as_of=AS_OF, scheme="recognition", product=None, **product_fields):
    """A listed product of an active supplier with one certificate valid on ``as_of``."""
    product = product or f.ProductFactory(**product_fields)
    f.CertificateFactory(
        product=product,
        scheme=CertificationScheme.objects.get(code=scheme),
        valid_from=as_of - 100 * DAY,
        valid_until=as_of + 300 * DAY,
    )
    return product


def names(products) -> set[str]:
    return {product.name for product in products}


# --- The rule -----------------------------------------------------------------------------------


def test_a_listed_product_of_an_active_supplier_with_a_valid_certificate_appears():
    mango = certified(name="田阳香芒")
    assert list(catalogue_products(as_of=AS_OF)) == [mango]


@pytest.mark.parametrize("status", [Product.Status.SUSPENDED, Product.Status.EXITED])
def test_a_suspended_or_exited_product_leaves_the_catalogue(status):
    certified(name="田阳香芒", status=status)
    assert not catalogue_products(as_of=AS_OF).exists()


@pytest.mark.parametrize(
    "status", [Supplier.Status.PENDING, Supplier.Status.SUSPENDED, Supplier.Status.EXITED]
)
def test_a_supplier_that_is_not_active_takes_its_products_out(status):
    certified(supplier=f.SupplierFactory(status=status))
    assert not catalogue_products(as_of=AS_OF).exists()


@pytest.mark.parametrize(
    "status",
    [Certificate.Status.SUSPENDED, Certificate.Status.REVOKED, Certificate.Status.EXPIRED],
)
def test_a_certificate_that_is_not_valid_vouches_for_nothing(status):
    mango = certified()
    Certificate.objects.filter(product=mango).update(status=status)
    assert not catalogue_products(as_of=AS_OF).exists()


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "listed"),
    [
        (AS_OF - 400 * DAY, AS_OF - DAY, False),  # valid status, but the period is over
        (AS_OF + DAY, AS_OF + 400 * DAY, False),  # not begun yet
        (AS_OF, AS_OF + 400 * DAY, True),  # begins today
        (AS_OF - 400 * DAY, AS_OF, True),  # ends today
    ],
)
def test_the_certificate_period_must_cover_the_day(valid_from, valid_until, listed):
    f.CertificateFactory(valid_from=valid_from, valid_until=valid_until)
    assert catalogue_products(as_of=AS_OF).exists() is listed


def test_a_revoked_certificate_removes_the_product_at_once(client):
    mango = certified(as_of=today(), name="田阳香芒")
    assert "田阳香芒" in client.get(CATALOGUE).content.decode()
    Certificate.objects.filter(product=mango).update(status=Certificate.Status.REVOKED)
    assert "田阳香芒" not in client.get(CATALOGUE).content.decode()
    assert client.get(reverse("products:catalogue_product", args=[mango.pk])).status_code == 404


def test_a_product_with_one_valid_and_one_revoked_certificate_appears_once_with_the_valid_one():
    mango = certified(name="田阳香芒")
    f.CertificateFactory(
        product=mango,
        status=Certificate.Status.REVOKED,
        valid_from=AS_OF - DAY,
        valid_until=AS_OF + DAY,
    )
    certified(product=mango, scheme="szp")
    [listed] = catalogue_products(as_of=AS_OF)
    assert {c.scheme_id for c in listed.catalogue_certificates} == {"recognition", "szp"}
    assert all(c.status == "valid" for c in listed.catalogue_certificates)


# --- Filters and sorting ----------------------------------------------------------------------


def test_search_matches_the_name_the_supplier_and_the_variety():
    certified(name="田阳香芒", specification="台农一号")
    certified(name="喀什香馕", supplier=f.SupplierFactory(name="喀什古城食品有限公司"))
    certified(name="百色红茶")
    assert names(catalogue_products(as_of=AS_OF, filters={"q": "香芒"})) == {"田阳香芒"}
    assert names(catalogue_products(as_of=AS_OF, filters={"q": "台农"})) == {"田阳香芒"}
    assert names(catalogue_products(as_of=AS_OF, filters={"q": "古城"})) == {"喀什香馕"}


@pytest.mark.parametrize(
    ("words", "found"),
    [
        ("芒果", {"Tianyang 芒果干", "MANGO 礼盒"}),  # no case: a plain LIKE
        ("mango", {"MANGO 礼盒", "Guava"}),  # any case, in the name or the supplier
        ("TIANYANG", {"Tianyang 芒果干"}),
        ("tainong", {"Tianyang 芒果干"}),  # the variety
        ("Mango 礼", {"MANGO 礼盒"}),  # mixed words keep ignoring case
        ("100%", {"百色红茶"}),  # LIKE's wildcards are searched for as themselves
    ],
)
def test_search_ignores_case_whatever_the_words(words, found):
    plain = f.SupplierFactory(name="田阳农业发展有限公司")
    certified(name="Tianyang 芒果干", specification="TaiNong No. 1", supplier=plain)
    certified(name="MANGO 礼盒", specification="芒果 5 斤", supplier=plain)
    certified(name="Guava", supplier=f.SupplierFactory(name="Baise Mango Co."))
    certified(name="百色红茶", specification="100% 一芽一叶", supplier=plain)
    certified(name="百色绿茶", specification="1000 克", supplier=plain)
    assert names(catalogue_products(as_of=AS_OF, filters={"q": words})) == found


def test_the_scheme_filter_wants_a_valid_certificate_of_that_scheme():
    certified(name="田阳香芒", scheme="szp")
    certified(name="百色红茶", scheme="recognition")
    lapsed = certified(name="喀什香馕")
    f.CertificateFactory(
        product=lapsed,
        scheme=CertificationScheme.objects.get(code="szp"),
        status=Certificate.Status.SUSPENDED,
        valid_from=AS_OF - DAY,
        valid_until=AS_OF + DAY,
    )
    assert names(catalogue_products(as_of=AS_OF, filters={"scheme": "szp"})) == {"田阳香芒"}


def test_the_category_filter():
    certified(name="田阳香芒", category="fruit")
    certified(name="百色红茶", category="tea")
    assert names(catalogue_products(as_of=AS_OF, filters={"category": "tea"})) == {"百色红茶"}


def test_a_province_or_city_code_covers_the_counties_under_it():
    certified(name="田阳香芒", region=f.region(f.TIANYANG))
    certified(name="右江砂糖橘", region=f.region(BAISE_YOUJIANG))
    certified(name="喀什香馕", region=f.region(KASHGAR))

    def by(code):
        return names(catalogue_products(as_of=AS_OF, filters={"region": code}))

    assert by("450000") == {"田阳香芒", "右江砂糖橘"}
    assert by("451000") == {"田阳香芒", "右江砂糖橘"}
    assert by(f.TIANYANG) == {"田阳香芒"}
    assert by("650000") == {"喀什香馕"}
    assert by("440000") == set()


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("全年", set(range(1, 13))),
        ("6–9月", {6, 7, 8, 9}),
        ("6-9月", {6, 7, 8, 9}),
        ("11月–次年3月", {11, 12, 1, 2, 3}),
        ("11–次年2月", {11, 12, 1, 2}),
        ("12–4月", {12, 1, 2, 3, 4}),
        ("4月、9月", {4, 9}),
        ("5月中旬–7月", {5, 6, 7}),
        ("3月–次年3月", set(range(1, 13))),
        ("", set()),
        ("夏季", set()),
        ("13–14月", set()),
    ],
)
def test_season_texts_read_as_months(text, months):
    assert season_months(text) == months


def test_the_season_filter_keeps_products_on_the_market_in_that_month():
    certified(name="田阳香芒", season="6–9月")
    certified(name="砂糖橘", season="11月–次年3月")
    certified(name="喀什香馕", season="全年")
    certified(name="野生菌", season="雨季")  # names no month: never matched by a month
    assert set(seasons_covering(1)) == {"11月–次年3月", "全年"}

    def in_month(month):
        return names(catalogue_products(as_of=AS_OF, filters={"season": month}))

    assert in_month(7) == {"田阳香芒", "喀什香馕"}
    assert in_month(1) == {"砂糖橘", "喀什香馕"}
    assert in_month(10) == {"喀什香馕"}
    assert "野生菌" in names(catalogue_products(as_of=AS_OF))


def test_sorting_by_name_price_and_households():
    certified(name="A芒果", price="30.00", households_lifted=5)
    certified(name="B红茶", price="90.00", households_lifted=50)
    certified(name="C香馕", price="10.00", households_lifted=20)

    def order(sort):
        return [p.name for p in catalogue_products(as_of=AS_OF, filters={"sort": sort})]

    assert order("name") == ["A芒果", "B红茶", "C香馕"]
    assert order("price") == ["C香馕", "A芒果", "B红茶"]
    assert order("-price") == ["B红茶", "A芒果", "C香馕"]
    assert order("households") == ["B红茶", "C香馕", "A芒果"]


def test_the_region_select_offers_the_provinces_and_cities_products_come_from():
    certified(region=f.region(f.TIANYANG))
    certified(region=f.region(KASHGAR))
    certified(region=f.region("440305"), status=Product.Status.SUSPENDED)  # not in the catalogue
    options = {
        province.code: [city.code for city in cities]
        for province, cities in catalogue_region_options(as_of=AS_OF)
    }
    assert options == {"450000": ["451000"], "650000": ["653100"]}


# --- The page -----------------------------------------------------------------------------------


def test_the_page_is_public_and_lists_what_each_product_offers(client):
    certified(
        as_of=today(),
        name="田阳香芒",
        price="68.00",
        price_unit="件",
        supply_volume="1500",
        supply_unit="吨/年",
        season="6–9月",
        households_lifted=120,
        supplier=f.SupplierFactory(name="田阳农业发展有限公司"),
    )
    certified(as_of=today(), name="已暂停", status=Product.Status.SUSPENDED)
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "田阳香芒" in page
    assert "已暂停" not in page
    assert "田阳农业发展有限公司" in page
    assert "广西壮族自治区百色市田阳区" in page
    assert "¥68.00/件" in page
    assert "1,500 吨/年" in page
    assert "6–9月" in page
    assert "120 households" in page
    assert "帮扶产品认定" in page
    assert Certificate.objects.get(product__name="田阳香芒").number in page
    assert "1 product" in page
    assert 'class="side-nav"' not in page


def test_signed_in_users_see_the_public_page_without_the_left_navigation(client, clerk):
    certified(as_of=today(), name="田阳香芒")
    client.force_login(clerk)
    page = client.get(CATALOGUE).content.decode()
    assert "田阳香芒" in page
    assert 'class="side-nav"' not in page


def test_the_page_filters_and_keeps_the_filters_on_the_product_links(client):
    mango = certified(as_of=today(), name="田阳香芒", region=f.region(f.TIANYANG))
    certified(as_of=today(), name="喀什香馕", region=f.region(KASHGAR))
    response = client.get(CATALOGUE, {"region": "450000", "q": "香"})
    page = response.content.decode()
    assert "田阳香芒" in page
    assert "喀什香馕" not in page
    link = reverse("products:catalogue_product", args=[mango.pk])
    assert f'href="{link}?q=%E9%A6%99&amp;region=450000"' in page
    assert response.context["total"] == 1


def test_an_unknown_region_is_refused_with_a_reason_and_selects_nothing(client):
    certified(as_of=today(), name="田阳香芒")
    response = client.get(CATALOGUE, {"region": "440000"})
    assert response.context["total"] == 0
    assert response.context["filters"].errors["region"]
    assert 'data-testid="error-summary"' in response.content.decode()


def test_an_empty_catalogue_says_what_happens_next(client):
    page = client.get(CATALOGUE).content.decode()
    assert 'data-testid="empty-state"' in page
    assert "as soon as the city office certifies them" in page


def test_a_search_without_results_offers_to_clear_the_filters(client):
    certified(as_of=today(), name="田阳香芒")
    page = client.get(CATALOGUE, {"q": "不存在"}).content.decode()
    assert "No certified product matches these filters" in page
    assert "Clear filters" in page


def test_the_page_paginates(client):
    for n in range(30):
        certified(as_of=today(), name=f"产品{n:02d}")
    first = client.get(CATALOGUE)
    assert len(first.context["page"].object_list) == 24
    assert first.context["total"] == 30
    second = client.get(CATALOGUE, {"page": 2})
    assert len(second.context["page"].object_list) == 6


def build(count):
    """``count`` catalogue products from different regions, bases and schemes."""
    counties = [f.TIANYANG, BAISE_YOUJIANG, KASHGAR]
    for n in range(count):
        product = certified(
            as_of=today(),
            name=f"产品{n:03d}",
            region=f.region(counties[n % 3]),
            season="6–9月" if n % 2 else "全年",
        )
        certified(as_of=today(), product=product, scheme="szp")


@pytest.mark.parametrize(
    "query",
    [{}, {"q": "产品", "scheme": "szp", "region": "450000", "season": "7", "sort": "price"}],
)
def test_the_page_runs_the_same_number_of_queries_at_any_size(
    client, query, django_assert_max_num_queries
):
    build(3)
    with django_assert_max_num_queries(8) as few:
        client.get(CATALOGUE, query)
    build(33)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(CATALOGUE, query).status_code == 200


# --- The product page -------------------------------------------------------------------------


def test_the_product_page_shows_the_product_its_supplier_base_and_valid_certificates(client):
    supplier = f.SupplierFactory(name="田阳农业发展有限公司")
    base = supplier.bases.create(name="田阳芒果基地", region=f.region(f.TIANYANG))
    mango = certified(
        as_of=today(),
        name="田阳香芒",
        supplier=supplier,
        base=base,
        specification="台农一号",
        description="果肉细腻，香甜多汁。",
        households_lifted=120,
    )
    f.CertificateFactory(
        product=mango,
        number="SZP-REVOKED",
        status=Certificate.Status.REVOKED,
        valid_from=today() - DAY,
        valid_until=today() + DAY,
    )
    response = client.get(
        reverse("products:catalogue_product", args=[mango.pk]), {"q": "芒", "page": "2"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("田阳香芒", "台农一号", "田阳农业发展有限公司", "田阳芒果基地", "果肉细腻"):
        assert text in page
    assert "广西壮族自治区百色市田阳区" in page
    assert "Helps 120 households out of poverty" in page
    valid = Certificate.objects.get(product=mango, status="valid")
    assert valid.number in page
    assert valid.valid_until.isoformat() in page
    assert "SZP-REVOKED" not in page
    assert f'href="{CATALOGUE}?q=%E8%8A%92&amp;page=2" data-testid="back-to-catalogue"' in page
    assert 'class="side-nav"' not in page


@pytest.mark.parametrize(
    "change",
    [
        lambda p: Product.objects.filter(pk=p.pk).update(status="suspended"),
        lambda p: Supplier.objects.filter(pk=p.supplier_id).update(status="pending"),
        lambda p: Certificate.objects.filter(product=p).update(status="expired"),
        lambda p: Certificate.objects.filter(product=p).update(valid_until=today() - DAY),
    ],
)
def test_the_product_page_is_404_for_a_product_not_in_the_catalogue(client, change):
    mango = certified(as_of=today())
    url = reverse("products:catalogue_product", args=[mango.pk])
    assert client.get(url).status_code == 200
    change(mango)
    assert client.get(url).status_code == 404


def test_the_product_page_is_404_for_a_product_that_does_not_exist(client):
    assert client.get(reverse("products:catalogue_product", args=[999_999])).status_code == 404


def test_the_product_page_renders_with_photos(client):
    mango = certified(as_of=today())
    ProductPhoto.objects.create(
        product=mango,
        file="products/mango.jpg",
        caption="田阳香芒果园",
        original_name="mango.jpg",
        content_type="image/jpeg",
        size=10,
        sha256="0" * 64,
    )
    response = client.get(reverse("products:catalogue_product", args=[mango.pk]))
    assert response.status_code == 200
    if response.context["photos_served"]:
        assert "田阳香芒果园" in response.content.decode()


def test_the_product_page_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    supplier = f.SupplierFactory()
    base = supplier.bases.create(name="基地", region=f.region(f.TIANYANG))
    mango = certified(as_of=today(), supplier=supplier, base=base)
    certified(as_of=today(), product=mango, scheme="szp")
    with django_assert_max_num_queries(3):
        client.get(reverse("products:catalogue_product", args=[mango.pk]))


# --- The export -------------------------------------------------------------------------------


def rows_of(response):
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


def test_the_export_is_public_and_holds_exactly_the_filtered_rows(client):
    certified(as_of=today(), name="田阳香芒", category="fruit", price="68.00", season="6–9月")
    certified(as_of=today(), name="百色红茶", category="tea")
    certified(as_of=today(), name="已退出芒果", category="fruit", status=Product.Status.EXITED)
    response = client.get(EXPORT, {"category": "fruit"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    title, headers, *rows = rows_of(response)
    assert today().strftime("%Y年%m月%d日") in title[0]
    assert headers[:3] == ("序号", "产品名称", "类别")
    assert "认证及证书编号" in headers
    assert [row[1] for row in rows] == ["田阳香芒"]
    row = dict(zip(headers, rows[0], strict=True))
    assert row["价格(元)"] == 68
    assert row["上市周期"] == "6–9月"
    assert row["产地"] == "广西壮族自治区百色市田阳区"
    assert Certificate.objects.get(product__name="田阳香芒").number in row["认证及证书编号"]


def test_the_export_link_carries_the_page_filters(client):
    certified(as_of=today(), name="田阳香芒", category="fruit")
    page = client.get(CATALOGUE, {"category": "fruit", "sort": "price"}).content.decode()
    assert f'href="{EXPORT}?category=fruit&amp;sort=price"' in page


def test_the_export_caps_its_rows_and_says_so(client, monkeypatch):
    from products import exports

    monkeypatch.setattr(exports, "MAX_CATALOGUE_EXPORT_ROWS", 2)
    for n in range(3):
        certified(as_of=today(), name=f"产品{n}")
    _title, _headers, *rows = rows_of(client.get(EXPORT))
    assert [row[1] for row in rows[:2]] == ["产品0", "产品1"]
    assert "仅导出前2个产品" in rows[2][0]
    assert len(rows) == 3


def test_the_export_runs_the_same_number_of_queries_at_any_size(
    client, django_assert_max_num_queries
):
    build(3)
    with django_assert_max_num_queries(8) as few:
        rows_of(client.get(EXPORT, {"scheme": "szp"}))
    build(33)
    with django_assert_max_num_queries(len(few.captured_queries)):
        _title, _headers, *rows = rows_of(client.get(EXPORT, {"scheme": "szp"}))
    assert len(rows) == 36
