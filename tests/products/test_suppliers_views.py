"""The supplier's pages: registration, the city office's list and activation, and the
supplier's own products, bases and photos."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import Notification
from products.models import Product, ProductPhoto, Supplier, SupplierBase
from products.services.upkeep import product_photo_add
from tests import factories as f

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n% a leaflet\n"
MINE = reverse("products:my_products")
SUPPLIERS = reverse("products:suppliers")


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def browser(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def registration_form(**changes) -> dict:
    values = {
        "name": "田东县香芒种植专业合作社",
        "credit_code": f.credit_code("451022"),
        "region": "451003",
        "legal_representative": "黄文明",
        "contact_name": "黄丽",
        "contact_phone": "0776-5212345",
        "email": "huangli@example.cn",
        "address": "广西百色市田阳区那坡镇",
        "username": "tiandong_mango",
        "password": "Mango-harvest-2026",
        "password_again": "Mango-harvest-2026",
    }
    values.update(changes)
    return values


# --- registration -------------------------------------------------------------------------


def test_registration_page_is_public_and_leads_to_the_waiting_page(client, city_officer):
    url = reverse("products:register")
    page = client.get(url)
    assert page.status_code == 200
    assert "Unified social credit code" in page.content.decode()
    response = client.post(url, registration_form(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("products:register_done")
    assert "awaits activation by the city coordination office" in response.content.decode()
    supplier = Supplier.objects.get(name="田东县香芒种植专业合作社")
    assert supplier.status == "pending"
    assert Notification.objects.filter(recipient=city_officer).count() == 1


def test_registration_errors_are_shown_and_nothing_is_saved(client, supplier_org):
    wrong = registration_form(
        credit_code=supplier_org.credit_code, password="123", password_again="1234"
    )
    page = client.post(reverse("products:register"), wrong)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Nothing was saved" in body
    assert "The two passwords differ." in body
    assert Supplier.objects.count() == 1
    page = client.post(
        reverse("products:register"), registration_form(credit_code=supplier_org.credit_code)
    )
    assert "already registered" in page.content.decode()


def test_the_waiting_page_needs_a_registration(client):
    assert client.get(reverse("products:register_done")).status_code == 302


# --- the city office's list and activation ------------------------------------------------


@pytest.fixture
def pending(client):
    client.post(reverse("products:register"), registration_form())
    client.logout()
    return Supplier.objects.get(status="pending")


def test_the_list_shows_pending_first_with_actions_for_the_city_office(
    browser, city_officer, supplier_org, pending
):
    page = browser(city_officer).get(SUPPLIERS)
    body = page.content.decode()
    assert body.index(pending.name) < body.index(supplier_org.name)
    assert reverse("products:supplier_activate", args=[pending.pk]) in body
    filtered = browser(city_officer).get(SUPPLIERS, {"status": "active"}).content.decode()
    assert pending.name not in filtered and supplier_org.name in filtered
    searched = browser(city_officer).get(SUPPLIERS, {"q": supplier_org.credit_code})
    assert pending.name not in searched.content.decode()


@pytest.mark.parametrize("persona", ["reviewer", "district_officer"])
def test_reviewers_and_district_offices_read_without_acting(request, browser, persona, pending):
    client = browser(request.getfixturevalue(persona))
    page = client.get(SUPPLIERS)
    assert page.status_code == 200
    assert reverse("products:supplier_activate", args=[pending.pk]) not in page.content.decode()
    assert client.get(reverse("products:supplier_detail", args=[pending.pk])).status_code == 200
    assert client.post(reverse("products:supplier_activate", args=[pending.pk])).status_code == 403
    refuse = reverse("products:supplier_refuse", args=[pending.pk])
    assert client.post(refuse, {"reason": "不符"}).status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"


@pytest.mark.parametrize("persona", ["supplier", "clerk"])
def test_others_may_not_see_the_supplier_list(request, browser, persona, pending):
    client = browser(request.getfixturevalue(persona))
    assert client.get(SUPPLIERS).status_code == 403
    assert client.post(reverse("products:supplier_activate", args=[pending.pk])).status_code == 403


def test_the_city_office_activates_after_confirmation(browser, city_officer, pending):
    client = browser(city_officer)
    url = reverse("products:supplier_activate", args=[pending.pk])
    confirm = client.get(url)
    assert "Activate the supplier" in confirm.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    mail.outbox.clear()
    with_commit = client.post(url)
    assert with_commit.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "active" and pending.activated_at


def test_the_city_office_refuses_with_a_reason(browser, city_officer, pending):
    client = browser(city_officer)
    url = reverse("products:supplier_refuse", args=[pending.pk])
    assert "This field is required" in client.post(url, {"reason": ""}).content.decode()
    assert client.post(url, {"reason": "营业执照已注销"}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == "exited"


def test_the_detail_page_shows_bases_products_and_members(
    browser, city_officer, supplier, supplier_org
):
    SupplierBase.objects.create(
        supplier=supplier_org, name="那坡芒果基地", region=f.region("451003")
    )
    mango = f.ProductFactory(supplier=supplier_org, name="田阳香芒")
    f.CertificateFactory(product=mango, valid_until=datetime.date(2099, 12, 31))
    body = (
        browser(city_officer)
        .get(reverse("products:supplier_detail", args=[supplier_org.pk]))
        .content.decode()
    )
    assert "那坡芒果基地" in body and "田阳香芒" in body and 'data-scheme="recognition"' in body
    assert supplier.username in body


def test_the_supplier_list_runs_a_bounded_number_of_queries(
    browser, city_officer, django_assert_max_num_queries
):
    for _ in range(25):
        f.ProductFactory(supplier=f.SupplierFactory())
    client = browser(city_officer)
    with django_assert_max_num_queries(8):
        assert client.get(SUPPLIERS).status_code == 200


# --- the supplier's own upkeep ------------------------------------------------------------


def test_a_pending_supplier_sees_the_banner(client, pending):
    client.login(username="tiandong_mango", password="Mango-harvest-2026")
    body = client.get(MINE).content.decode()
    assert "awaiting activation by the city office" in body


def test_my_products_lists_status_and_certificates_held_now(
    browser, supplier, supplier_org, supplier_org_2
):
    mango = f.ProductFactory(supplier=supplier_org, name="田阳香芒")
    f.CertificateFactory(product=mango, valid_until=datetime.date(2099, 12, 31))
    f.ProductFactory(supplier=supplier_org_2, name="喀什香馕")
    body = browser(supplier).get(MINE).content.decode()
    assert "田阳香芒" in body and 'data-scheme="recognition"' in body and "Listed" in body
    assert "喀什香馕" not in body
    assert "awaiting activation" not in body


def test_my_products_runs_a_bounded_number_of_queries(
    browser, supplier, supplier_org, django_assert_max_num_queries
):
    base = SupplierBase.objects.create(
        supplier=supplier_org, name="基地", region=f.region("451003")
    )
    for n in range(25):
        product = f.ProductFactory(supplier=supplier_org, base=base, name=f"香芒{n}")
        f.CertificateFactory(product=product, valid_until=datetime.date(2099, 12, 31))
    client = browser(supplier)
    with django_assert_max_num_queries(10):
        assert client.get(MINE).status_code == 200


def test_the_supplier_adds_a_product_with_a_grouped_price(browser, supplier, supplier_org):
    client = browser(supplier)
    response = client.post(
        reverse("products:my_product_create"),
        {
            "name": "田阳香芒 5斤装",
            "category": "fruit",
            "region": "451003",
            "price": "1,234.5",
            "price_unit": "箱",
            "supply_volume": "1,200",
            "supply_unit": "吨/年",
            "season": "6–9月",
            "households_lifted": "120",
        },
    )
    assert response.status_code == 302
    product = Product.objects.get(supplier=supplier_org)
    assert str(product.price) == "1234.50"
    assert str(product.supply_volume) == "1200.00"


def test_negative_numbers_and_duplicate_names_are_refused_on_the_form(
    browser, supplier, supplier_org
):
    f.ProductFactory(supplier=supplier_org, name="田阳香芒")
    page = browser(supplier).post(
        reverse("products:my_product_create"),
        {
            "name": "田阳香芒",
            "category": "fruit",
            "region": "451003",
            "price": "-5",
            "price_unit": "箱",
            "supply_volume": "-1",
            "supply_unit": "吨/年",
            "households_lifted": "-2",
        },
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "The price may not be negative." in body
    assert Product.objects.filter(supplier=supplier_org).count() == 1
    page = browser(supplier).post(
        reverse("products:my_product_create"),
        {
            "name": "田阳香芒",
            "category": "fruit",
            "region": "451003",
            "price": "5",
            "price_unit": "箱",
            "supply_volume": "1",
            "supply_unit": "吨/年",
            "households_lifted": "2",
        },
    )
    assert "already have a product named" in page.content.decode()


def test_the_supplier_edits_its_profile_and_bases(browser, supplier, supplier_org):
    client = browser(supplier)
    response = client.post(
        reverse("products:my_profile"),
        {"legal_representative": "李四", "contact_name": "王五", "contact_phone": "13800138000"},
    )
    assert response.status_code == 302
    supplier_org.refresh_from_db()
    assert supplier_org.contact_name == "王五"
    response = client.post(
        reverse("products:my_base_create"),
        {"name": "那坡基地", "region": "451003", "category": "fruit", "area_mu": "1,200.5"},
    )
    assert response.status_code == 302
    base = SupplierBase.objects.get(supplier=supplier_org)
    assert str(base.area_mu) == "1200.5"
    edit = reverse("products:my_base_edit", args=[base.pk])
    client.post(edit, {"name": "那坡芒果基地", "region": "451003", "category": "fruit"})
    base.refresh_from_db()
    assert base.name == "那坡芒果基地" and base.area_mu is None


def test_a_supplier_cannot_touch_another_suppliers_data(browser, supplier, supplier_org_2):
    theirs = f.ProductFactory(supplier=supplier_org_2)
    base = SupplierBase.objects.create(
        supplier=supplier_org_2, name="喀什基地", region=f.region("653101")
    )
    client = browser(supplier)
    assert client.get(reverse("products:my_product_edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("products:my_product_edit", args=[theirs.pk]), {}).status_code == 404
    assert client.get(reverse("products:my_base_edit", args=[base.pk])).status_code == 404
    upload = SimpleUploadedFile("a.jpg", JPEG, content_type="image/jpeg")
    photo_url = reverse("products:my_photo_add", args=[theirs.pk])
    assert client.post(photo_url, {"file": upload}).status_code == 404
    photo = product_photo_add(
        actor=f.member("supplier", supplier_org_2),
        product=theirs,
        file=SimpleUploadedFile("b.jpg", JPEG, "image/jpeg"),
    )
    remove = reverse("products:my_photo_remove", args=[photo.pk])
    assert client.post(remove).status_code == 404
    assert ProductPhoto.objects.filter(pk=photo.pk).exists()


@pytest.mark.parametrize("persona", ["reviewer", "city_officer", "district_officer", "clerk"])
def test_others_cannot_reach_the_supplier_pages(request, browser, persona, supplier_org):
    client = browser(request.getfixturevalue(persona))
    product = f.ProductFactory(supplier=supplier_org)
    assert client.get(MINE).status_code == 403
    assert (
        client.post(reverse("products:my_product_edit", args=[product.pk]), {}).status_code == 403
    )
    assert client.post(reverse("products:my_profile"), {"contact_name": "x"}).status_code == 403


# --- photos -------------------------------------------------------------------------------


@pytest.fixture
def mango(supplier_org):
    return f.ProductFactory(supplier=supplier_org, name="田阳香芒")


def test_photo_upload_refuses_a_pdf_and_a_text_file(browser, supplier, mango):
    client = browser(supplier)
    url = reverse("products:my_photo_add", args=[mango.pk])
    for name, content in (("a.pdf", PDF), ("a.jpg", b"hello, not a picture")):
        page = client.post(url, {"file": SimpleUploadedFile(name, content, "image/jpeg")})
        assert page.status_code == 200
        assert "The photo was not added" in page.content.decode()
    assert not mango.photos.exists()


def test_photo_upload_refuses_a_too_large_file(settings, browser, supplier, mango):
    settings.PORTAL_MAX_UPLOAD_BYTES = 32
    page = browser(supplier).post(
        reverse("products:my_photo_add", args=[mango.pk]),
        {"file": SimpleUploadedFile("big.jpg", JPEG, "image/jpeg")},
    )
    assert "larger than" in page.content.decode()
    assert not mango.photos.exists()


def test_photos_are_added_shown_and_removed_after_confirmation(browser, supplier, mango):
    client = browser(supplier)
    response = client.post(
        reverse("products:my_photo_add", args=[mango.pk]),
        {"file": SimpleUploadedFile("芒果.jpg", JPEG, "image/jpeg"), "caption": "果园"},
    )
    assert response.status_code == 302
    photo = mango.photos.get()
    served = client.get(reverse("products:product_photo", args=[photo.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == JPEG
    remove = reverse("products:my_photo_remove", args=[photo.pk])
    assert "Remove the photo" in client.get(remove).content.decode()
    assert mango.photos.exists()
    assert client.post(remove).status_code == 302
    assert not mango.photos.exists()


def test_the_photo_view_is_public_only_for_listed_products_of_active_suppliers(
    client, supplier, supplier_2, mango
):
    photo = product_photo_add(
        actor=supplier, product=mango, file=SimpleUploadedFile("a.jpg", JPEG, "image/jpeg")
    )
    url = reverse("products:product_photo", args=[photo.pk])
    assert client.get(url).status_code == 200
    Product.objects.filter(pk=mango.pk).update(status="suspended")
    assert client.get(url).status_code == 404
    client.force_login(supplier_2)
    assert client.get(url).status_code == 404
    client.force_login(supplier)
    assert client.get(url).status_code == 200
