"""Hostile text (issue 7, point 4): HTML and JavaScript typed into a name, a poverty link or a
bulletin come back escaped on every page that shows them; control characters and very long
strings posted to the pages and the API give a form error (or a clean save), never a server
error, and a NUL byte never reaches the database.
"""

import datetime
import inspect
from decimal import Decimal

import pytest
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import reverse
from django.utils import translation
from rest_framework import serializers
from rest_framework.test import APIClient

from outlets.models import Outlet
from portal.models import Role
from portal.periods import today
from procurement.models import ProcurementRecord
from products.models import CertificationApplication, CertificationScheme, Product
from reporting.models import Bulletin
from tests import factories as f

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
ESCAPED = {
    SCRIPT: "&lt;script&gt;alert(1)&lt;/script&gt;",
    IMG: "&lt;img src=x onerror=alert(1)&gt;",
}
DAY = datetime.timedelta(days=1)
NUL = "百色\x00芒果"
LONG = "芒" * 10_000
ODD = ["田阳\x1b[31m香芒", "田阳\u202egnam香芒"]  # an escape sequence, a right-to-left override


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_escaped(response, *raws):
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    for raw in raws:
        assert raw not in body
        assert ESCAPED[raw] in body, raw


# --- hostile data ---------------------------------------------------------------------------


@pytest.fixture
def world():
    """A supplier named with a script, its product with an image tag, a unit and an outlet
    named likewise, a purchase, a supplier's application and a city office."""
    supplier = f.SupplierFactory(name=SCRIPT)
    product = f.ProductFactory(
        supplier=supplier, name=IMG, specification=SCRIPT, status=Product.Status.LISTED
    )
    f.CertificateFactory(
        product=product,
        scheme=CertificationScheme.objects.get(code="recognition"),
        valid_from=today() - 100 * DAY,
        valid_until=today() + 300 * DAY,
    )
    unit = f.BudgetUnitFactory(name=IMG, region=f.region(f.FUTIAN))
    record = f.RecordFactory(
        budget_unit=unit,
        supplier=supplier,
        product=product,
        purchased_on=today() - DAY,
        invoice_no=SCRIPT,
    )
    outlet = f.OutletFactory(
        name=SCRIPT, address=IMG, operator=supplier, opened_on=datetime.date(2024, 1, 1)
    )
    outlet.products.add(product)
    return {
        "supplier": supplier,
        "product": product,
        "unit": unit,
        "record": record,
        "outlet": outlet,
        "seller": f.member(Role.SUPPLIER, supplier, "script_supplier"),
        "clerk": f.member(Role.UNIT_CLERK, unit, "img_clerk"),
        "city": f.member(Role.CITY_OFFICE, f.OrganisationFactory(), "escaping_city"),
    }


def test_the_ledger_and_the_record_page(client, world):
    client.force_login(world["clerk"])
    assert_escaped(client.get(reverse("procurement:ledger")), SCRIPT, IMG)
    page = client.get(reverse("procurement:record_detail", args=[world["record"].pk]))
    assert_escaped(page, SCRIPT, IMG)


def test_the_catalogue_and_the_product_page(client, world):
    assert_escaped(client.get(reverse("products:catalogue")), SCRIPT, IMG)
    page = client.get(reverse("products:catalogue_product", args=[world["product"].pk]))
    assert_escaped(page, SCRIPT, IMG)


def test_the_supplier_list_and_page(client, world):
    client.force_login(world["city"])
    assert_escaped(client.get(reverse("products:suppliers")), SCRIPT)
    page = client.get(reverse("products:supplier_detail", args=[world["supplier"].pk]))
    assert_escaped(page, SCRIPT)


def test_the_outlet_finder_and_page(client, world):
    assert_escaped(client.get(reverse("outlets:finder")), SCRIPT)
    page = client.get(reverse("outlets:finder_outlet", args=[world["outlet"].pk]))
    assert_escaped(page, SCRIPT, IMG)


def test_the_registry_and_the_outlet_page(client, world):
    client.force_login(world["city"])
    assert_escaped(client.get(reverse("outlets:manage")), SCRIPT, IMG)
    page = client.get(reverse("outlets:outlet_detail", args=[world["outlet"].pk]))
    assert_escaped(page, SCRIPT, IMG)


def test_the_compliance_page(client, world):
    client.force_login(world["city"])
    assert_escaped(client.get(reverse("procurement:compliance")), IMG)


def test_the_application_page_shows_the_poverty_link_escaped(client, world):
    client.force_login(world["seller"])
    response = client.post(
        reverse("products:application_create") + "?scheme=szp",
        {
            "scheme": "szp",
            "product": world["product"].pk,
            "standard_claimed": IMG,
            "poverty_link": SCRIPT,
            "households": "3",
        },
    )
    assert response.status_code == 302
    application = CertificationApplication.objects.get()
    assert application.poverty_link == SCRIPT  # kept as typed, escaped when shown
    page = client.get(reverse("products:application_detail", args=[application.pk]))
    assert_escaped(page, SCRIPT, IMG)
    assert_escaped(client.get(reverse("products:applications")), IMG)


def test_a_bulletin_edited_with_markup(client, world):
    bulletin = Bulletin.objects.create(
        year=2026, quarter=3, title="2026年第三季度通报", body="正文", created_by=world["city"]
    )
    client.force_login(world["city"])
    edit = reverse("reporting:bulletin_edit", args=[bulletin.pk])
    response = client.post(edit, {"title": IMG, "body": f"第一段{SCRIPT}\n\n第二段"})
    assert response.status_code == 302
    assert_escaped(
        client.get(reverse("reporting:bulletin_detail", args=[bulletin.pk])), SCRIPT, IMG
    )
    assert_escaped(client.get(reverse("reporting:bulletins")), IMG)


# --- control characters and very long strings ------------------------------------------------


def product_form(name: str) -> dict:
    return {
        "name": name,
        "category": "fruit",
        "region": f.TIANYANG,
        "price": "68.00",
        "price_unit": "箱",
        "supply_volume": "100",
        "supply_unit": "吨/年",
        "households_lifted": "5",
        "specification": "5斤/箱",
    }


def no_nul_anywhere():
    for model, fields in (
        (Product, ["name", "specification", "description"]),
        (ProcurementRecord, ["invoice_no", "unit"]),
        (Outlet, ["name", "address"]),
        (Bulletin, ["title", "body"]),
        (CertificationApplication, ["poverty_link", "standard_claimed"]),
    ):
        # Compared in Python: SQLite cuts a LIKE pattern at a NUL, so __contains would not do.
        for row in model.objects.values_list(*fields):
            assert not any("\x00" in value for value in row if value), (model, row)


@pytest.mark.parametrize("field", ["name", "specification", "description"])
def test_the_product_page_refuses_a_nul_byte(client, supplier, field):
    client.force_login(supplier)
    data = product_form("田阳香芒")
    data[field] = NUL
    response = client.post(reverse("products:my_product_create"), data)
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.context["form"].errors[field]
    assert not Product.objects.exists()


def test_the_product_page_refuses_a_name_of_ten_thousand_characters(client, supplier):
    client.force_login(supplier)
    response = client.post(reverse("products:my_product_create"), product_form(LONG))
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not Product.objects.exists()


@pytest.mark.parametrize("name", ODD)
def test_the_product_page_saves_other_control_characters_cleanly(client, supplier, name):
    client.force_login(supplier)
    response = client.post(reverse("products:my_product_create"), product_form(name))
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert Product.objects.get().name == name
    no_nul_anywhere()


@pytest.mark.parametrize(
    ("name", "refused"), [(NUL, True), (LONG, True), (ODD[0], False), (ODD[1], False)]
)
def test_the_products_api(supplier, name, refused):
    body = {
        "name": name,
        "category": "fruit",
        "region": f.TIANYANG,
        "price": "68.00",
        "description": NUL if name is LONG else "",
    }
    response = api_for(supplier).post("/api/v1/products/", body, format="json")
    if refused:
        assert response.status_code == 400
        assert "name" in response.json()
    else:
        assert response.status_code in (201, 400)
    no_nul_anywhere()


def test_the_products_api_refuses_a_nul_in_the_description(supplier):
    body = {"name": "田阳香芒", "category": "fruit", "region": f.TIANYANG, "price": "1.00"}
    response = api_for(supplier).post(
        "/api/v1/products/", {**body, "description": NUL}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["description"] == ["Null characters are not allowed."]
    assert not Product.objects.exists()


def test_the_record_page_and_api_refuse_a_nul_byte(client, clerk, supplier_org):
    client.force_login(clerk)
    response = client.post(
        reverse("procurement:record_create"),
        {
            "supplier": supplier_org.pk,
            "purchased_on": today().isoformat(),
            "amount": "100.00",
            "channel": "platform_832",
            "purpose": "canteen",
            "invoice_no": NUL,
            "unit": "\x00",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Null characters are not allowed." in errors["invoice_no"]
    assert "Null characters are not allowed." in errors["unit"]
    response = api_for(clerk).post(
        "/api/v1/procurement/records/",
        {
            "purchased_on": today().isoformat(),
            "supplier": supplier_org.pk,
            "amount": "100.00",
            "channel": "platform_832",
            "purpose": "canteen",
            "invoice_no": NUL,
            "unit": LONG,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["invoice_no"] == ["Null characters are not allowed."]
    assert "unit" in response.json()
    assert not ProcurementRecord.objects.exists()


def test_the_outlet_page_and_api_refuse_a_nul_byte(client, city_officer):
    client.force_login(city_officer)
    response = client.post(
        reverse("outlets:outlet_create"),
        {"kind": "counter", "name": NUL, "district": f.FUTIAN, "address": LONG, "venue": "other"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Null characters are not allowed." in errors["name"] and errors["address"]
    response = api_for(city_officer).post(
        "/api/v1/outlets/",
        {"kind": "counter", "name": NUL, "district": f.FUTIAN, "address": "福华路\x00"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"name", "address"}
    assert not Outlet.objects.exists()


def test_the_bulletin_page_refuses_a_nul_and_takes_a_long_text(client, city_officer):
    bulletin = Bulletin.objects.create(
        year=2026, quarter=3, title="通报", body="正文", created_by=city_officer
    )
    client.force_login(city_officer)
    edit = reverse("reporting:bulletin_edit", args=[bulletin.pk])
    refused = client.post(edit, {"title": "通报", "body": NUL})
    assert refused.status_code == 200
    assert "Null characters are not allowed." in refused.context["form"].errors["body"]
    assert client.post(edit, {"title": "通报", "body": LONG}).status_code in (200, 302)
    assert client.post(edit, {"title": LONG, "body": "正文"}).status_code == 200
    no_nul_anywhere()


def test_the_application_page_refuses_a_nul_in_the_poverty_link(client, supplier, supplier_org):
    product = f.ProductFactory(supplier=supplier_org, name="田阳香芒")
    client.force_login(supplier)
    response = client.post(
        reverse("products:application_create") + "?scheme=szp",
        {"scheme": "szp", "product": product.pk, "poverty_link": NUL, "households": "1"},
    )
    assert response.status_code == 200
    assert not CertificationApplication.objects.exists()


@pytest.mark.parametrize(
    ("name", "persona"),
    [
        ("products:catalogue", None),
        ("outlets:finder", None),
        ("products:suppliers", "city_officer"),
        ("outlets:manage", "city_officer"),
        ("procurement:ledger", "clerk"),
    ],
)
@pytest.mark.parametrize("q", ["\x00", "芒\x00果", LONG, "\x1b\u202e", "%_\\'\""])
def test_a_hostile_search_is_never_a_server_error(client, request, name, persona, q):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(name), {"q": q})
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("q", ["\x00", LONG, "\x1b\u202e"])
def test_a_hostile_api_filter_is_never_a_server_error(q):
    response = APIClient().get("/api/v1/outlets/", {"q": q})
    assert response.status_code in (200, 400)


def _serializer_classes():
    import importlib

    for module in (
        "outlets.api.outlets",
        "outlets.api.sales",
        "portal.serializers",
        "procurement.api.serializers",
        "products.api.serializers",
        "products.api.supplier_serializers",
        "reporting.api.dashboard",
        "reporting.api.reports",
    ):
        importlib.import_module(module)

    seen = set()
    pending = [serializers.Serializer]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.split(".")[0] in {
                "portal",
                "products",
                "procurement",
                "outlets",
                "reporting",
            }:
                seen.add(sub)
    return sorted(seen, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_every_writable_text_field_of_the_api_refuses_a_nul_byte():
    """DRF's CharField carries Django's ProhibitNullCharactersValidator: no input serializer
    of the portal lets a NUL through to PostgreSQL (which would answer with a 500)."""
    checked = 0
    for cls in _serializer_classes():
        if issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta"):
            continue  # a mixin, not a serializer of its own
        init = inspect.signature(cls.__init__).parameters
        serializer = cls(user=None) if "user" in init else cls()
        for name, field in serializer.fields.items():
            if isinstance(field, serializers.CharField) and not field.read_only:
                assert any(
                    isinstance(v, ProhibitNullCharactersValidator) for v in field.validators
                ), f"{cls.__module__}.{cls.__qualname__}.{name}"
                with pytest.raises(serializers.ValidationError):
                    field.run_validation(NUL)
                checked += 1
    assert checked >= 20


def test_the_money_fields_refuse_hostile_numbers(supplier):
    for price in ("1e999", "NaN", "Infinity", "-0", "9" * 40, "１２"):
        body = {"name": "田阳香芒", "category": "fruit", "region": f.TIANYANG, "price": price}
        response = api_for(supplier).post("/api/v1/products/", body, format="json")
        assert response.status_code in (201, 400), price
    assert all(p.price >= Decimal(0) for p in Product.objects.all())


@pytest.fixture
def laggard():
    """A unit named with an image tag that declared 2026's first three quarters and bought
    from a supplier named with a script: it falls short of the share."""
    unit = f.BudgetUnitFactory(name=IMG, region=f.region(f.FUTIAN))
    supplier = f.SupplierFactory(name=SCRIPT)
    for quarter in (1, 2, 3):
        f.DeclarationFactory(budget_unit=unit, quarter=quarter, agri_total=Decimal("100000.00"))
    f.RecordFactory(budget_unit=unit, supplier=supplier, purchased_on=datetime.date(2026, 8, 10))
    return unit


def test_the_dashboard_page(client, city_officer, laggard, monkeypatch):
    monkeypatch.setattr("reporting.views.dashboard.today", lambda: datetime.date(2026, 11, 23))
    client.force_login(city_officer)
    assert_escaped(client.get(reverse("reporting:dashboard"), {"year": 2026}), IMG)


def test_the_quarterly_report_pdf_text(laggard):
    from django.template.loader import render_to_string

    from reporting.reports.data import collect_figures
    from reporting.reports.pdf import pdf_context

    html = render_to_string(
        "reporting/report_pdf.html", pdf_context(collect_figures(year=2026, quarter=3))
    )
    assert IMG not in html and SCRIPT not in html
    assert ESCAPED[IMG] in html
