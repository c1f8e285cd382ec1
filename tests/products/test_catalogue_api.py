"""The public catalogue's API (api.md ``catalogue/``): no login, the page's rule and filters."""

import datetime

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.periods import today
from products.models import Certificate, CertificationScheme, Product, Supplier
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/v1/catalogue/"
DAY = datetime.timedelta(days=1)
KASHGAR = "653101"


@pytest.fixture(autouse=True)
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def certified(*, scheme="recognition", product=None, **product_fields):
    product = product or f.ProductFactory(**product_fields)
    f.CertificateFactory(
        product=product,
        scheme=CertificationScheme.objects.get(code=scheme),
        valid_from=today() - 100 * DAY,
        valid_until=today() + 300 * DAY,
    )
    return product


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_anyone_reads_the_catalogue_in_the_products_shape():
    mango = certified(
        name="田阳香芒",
        price="68.00",
        supply_volume="1500",
        season="6–9月",
        households_lifted=120,
        supplier=f.SupplierFactory(name="田阳农业发展有限公司"),
    )
    certified(product=mango, scheme="szp")
    response = APIClient().get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    [row] = body["results"]
    assert row["id"] == mango.pk
    assert row["supplier"] == mango.supplier_id
    assert row["supplier_name"] == "田阳农业发展有限公司"
    assert row["region"] == f.TIANYANG
    assert row["region_name"] == "广西壮族自治区百色市田阳区"
    assert row["price"] == "68.00"
    assert row["supply_volume"] == "1500.00"
    assert row["season"] == "6–9月"
    assert row["households_lifted"] == 120
    assert row["status"] == "listed"
    assert row["category"] == "fruit"
    assert row["base"] is None
    assert row["certifications"] == ["recognition", "szp"]
    numbers = {c["number"] for c in row["certificates"]}
    assert numbers == set(
        Certificate.objects.filter(product=mango).values_list("number", flat=True)
    )
    assert row["certificates"][0]["valid_until"] == (today() + 300 * DAY).isoformat()


def test_only_listed_products_of_active_suppliers_with_a_certificate_valid_today_appear():
    certified(name="在库")
    certified(name="暂停产品", status=Product.Status.SUSPENDED)
    certified(name="退出产品", status=Product.Status.EXITED)
    certified(name="待激活供应商", supplier=f.SupplierFactory(status=Supplier.Status.PENDING))
    for status in ("suspended", "revoked", "expired"):
        product = certified(name=f"证书{status}")
        Certificate.objects.filter(product=product).update(status=status)
    f.CertificateFactory(
        product__name="证书已过期", valid_from=today() - 400 * DAY, valid_until=today() - DAY
    )
    f.CertificateFactory(
        product__name="证书未生效", valid_from=today() + DAY, valid_until=today() + 400 * DAY
    )
    f.ProductFactory(name="无证书")
    assert names(APIClient().get(URL)) == {"在库"}


def test_a_signed_in_caller_or_one_with_a_stale_token_is_served_the_same(clerk):
    certified(name="田阳香芒")
    token = Token.objects.create(user=clerk)
    signed = APIClient()
    signed.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert names(signed.get(URL)) == {"田阳香芒"}
    stale = APIClient()
    stale.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert names(stale.get(URL)) == {"田阳香芒"}


def test_the_catalogue_is_read_only():
    assert APIClient().post(URL, {"name": "x"}, format="json").status_code == 405


def test_one_product_of_the_catalogue_and_404_for_others():
    mango = certified(name="田阳香芒")
    hidden = certified(name="暂停", status=Product.Status.SUSPENDED)
    api = APIClient()
    assert api.get(f"{URL}{mango.pk}/").json()["name"] == "田阳香芒"
    assert api.get(f"{URL}{hidden.pk}/").status_code == 404


def test_filters_scheme_category_region_search_and_season():
    certified(name="田阳香芒", scheme="szp", category="fruit", season="6–9月")
    certified(
        name="喀什香馕",
        category="processed",
        region=f.region(KASHGAR),
        season="全年",
        supplier=f.SupplierFactory(name="喀什古城食品有限公司"),
    )
    certified(name="百色红茶", category="tea", specification="高山红茶", season="4–5月")
    api = APIClient()
    assert names(api.get(URL, {"scheme": "szp"})) == {"田阳香芒"}
    assert names(api.get(URL, {"category": "tea"})) == {"百色红茶"}
    assert names(api.get(URL, {"region": "450000"})) == {"田阳香芒", "百色红茶"}
    assert names(api.get(URL, {"region": "653100"})) == {"喀什香馕"}
    assert names(api.get(URL, {"region": f.TIANYANG})) == {"田阳香芒", "百色红茶"}
    assert names(api.get(URL, {"q": "古城"})) == {"喀什香馕"}
    assert names(api.get(URL, {"q": "高山"})) == {"百色红茶"}
    assert names(api.get(URL, {"season": 8})) == {"田阳香芒", "喀什香馕"}
    assert names(api.get(URL, {"season": 4, "category": "tea"})) == {"百色红茶"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"scheme": "base"}, "scheme"),
        ({"category": "cars"}, "category"),
        ({"region": "45"}, "region"),
        ({"season": 13}, "season"),
    ],
)
def test_an_invalid_filter_is_a_400_naming_the_field(query, field):
    response = APIClient().get(URL, query)
    assert response.status_code == 400
    assert field in response.json()


def build(count):
    for n in range(count):
        product = certified(
            name=f"产品{n:03d}", region=f.region([f.TIANYANG, KASHGAR][n % 2]), season="全年"
        )
        certified(product=product, scheme="szp")


@pytest.mark.parametrize("query", [{}, {"scheme": "szp", "region": "450000", "season": 7}])
def test_the_list_runs_the_same_number_of_queries_at_any_size(query, django_assert_max_num_queries):
    build(3)
    api = APIClient()
    with django_assert_max_num_queries(4) as few:
        api.get(URL, query)
    build(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get(URL, query)
    assert response.status_code == 200
