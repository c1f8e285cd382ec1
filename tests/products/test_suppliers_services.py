"""Suppliers register, the city office activates or refuses them, and each supplier keeps its
own profile, bases, products and photos (products.services.suppliers)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.errors import ApplicationError
from portal.models import Membership, Notification, Role
from products.models import Product, ProductPhoto, Supplier, SupplierBase
from products.selectors import held_schemes, supplier_list, with_current_certifications
from products.services.suppliers import (
    Registration,
    supplier_activate,
    supplier_create,
    supplier_refuse,
    supplier_register,
    supplier_status_set,
)
from products.services.upkeep import (
    BaseData,
    ProductData,
    base_create,
    base_update,
    product_create,
    product_photo_add,
    product_photo_remove,
    product_update,
    supplier_profile_update,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% a leaflet\n"


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def registration(**changes) -> Registration:
    values = {
        "name": "田东县香芒种植专业合作社",
        "credit_code": f.credit_code("451022"),
        "region": f.region(f.TIANYANG),
        "legal_representative": "黄文明",
        "contact_name": "黄丽",
        "contact_phone": "0776-5212345",
        "email": "huangli@example.cn",
        "address": "广西百色市田阳区那坡镇",
        "username": "tiandong_mango",
        "password": "Mango-harvest-2026",
    }
    values.update(changes)
    return Registration(**values)


def messages_of(error: ValidationError, field: str) -> str:
    return " ".join(error.value.message_dict[field])


def product_data(**changes) -> ProductData:
    values = {
        "name": "田阳香芒",
        "category": "fruit",
        "region": f.region(f.TIANYANG),
        "price": Decimal("68.00"),
        "supply_volume": Decimal("1200"),
        "season": "6–9月",
        "households_lifted": 120,
    }
    values.update(changes)
    return ProductData(**values)


# --- registration -------------------------------------------------------------------------


def test_an_organisation_registers_and_awaits_activation(city_officer):
    supplier = supplier_register(data=registration())
    assert supplier.status == Supplier.Status.PENDING
    assert supplier.activated_at is None
    membership = Membership.objects.select_related("user").get(organisation=supplier)
    assert membership.role == Role.SUPPLIER
    user = membership.user
    assert user.is_active and user.email == "huangli@example.cn"
    assert user.check_password("Mango-harvest-2026")
    note = Notification.objects.get(recipient=city_officer)
    assert supplier.name in note.title
    assert note.link == f"/products/suppliers/{supplier.pk}/"


def test_the_credit_code_is_normalised():
    code = f.credit_code("451022")
    supplier = supplier_register(data=registration(credit_code=f" {code.lower()} "))
    assert supplier.credit_code == code


def test_a_wrong_check_character_is_refused():
    code = f.credit_code("451022")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationError) as error:
        supplier_register(data=registration(credit_code=wrong))
    assert "check character" in messages_of(error, "credit_code")
    assert not Supplier.objects.filter(credit_code=wrong).exists()
    assert not get_user_model().objects.filter(username="tiandong_mango").exists()


def test_one_account_per_credit_code(supplier_org, unit_a):
    with pytest.raises(ValidationError) as error:
        supplier_register(data=registration(credit_code=supplier_org.credit_code))
    assert "already registered" in messages_of(error, "credit_code")
    with pytest.raises(ValidationError) as error:
        supplier_register(data=registration(credit_code=unit_a.credit_code))
    assert "already has an account" in messages_of(error, "credit_code")


def test_a_weak_password_is_refused():
    with pytest.raises(ValidationError) as error:
        supplier_register(data=registration(password="12345678"))
    assert "password" in error.value.message_dict
    assert Supplier.objects.count() == 0


def test_a_taken_username_is_refused(supplier):
    with pytest.raises(ValidationError) as error:
        supplier_register(data=registration(username="SUPPLIER"))
    assert "taken" in messages_of(error, "username")
    assert Supplier.objects.filter(status="pending").count() == 0


def test_obviously_bad_input_is_refused_field_by_field():
    with pytest.raises(ValidationError) as error:
        supplier_register(
            data=registration(
                email="not-an-address",
                contact_phone="call me",
                region=f.region("440300"),  # a city, not a county
                name="  ",
            )
        )
    assert {"email", "contact_phone", "region", "name"} <= set(error.value.message_dict)


# --- activation by the city office --------------------------------------------------------


@pytest.fixture
def pending():
    supplier = supplier_register(data=registration())
    return supplier


def test_the_city_office_activates_a_pending_supplier(city_officer, pending):
    supplier_activate(actor=city_officer, supplier=pending)
    pending.refresh_from_db()
    assert pending.status == Supplier.Status.ACTIVE
    assert pending.activated_at is not None
    applicant = get_user_model().objects.get(username="tiandong_mango")
    assert Notification.objects.filter(recipient=applicant, title__icontains="activated").exists()
    with pytest.raises(ApplicationError):
        supplier_activate(actor=city_officer, supplier=pending)


def test_the_city_office_refuses_with_a_reason(city_officer, pending):
    with pytest.raises(ValidationError):
        supplier_refuse(actor=city_officer, supplier=pending, reason="  ")
    supplier_refuse(actor=city_officer, supplier=pending, reason="营业执照与名称不符")
    pending.refresh_from_db()
    assert pending.status == Supplier.Status.EXITED
    applicant = get_user_model().objects.get(username="tiandong_mango")
    note = Notification.objects.get(recipient=applicant)
    assert "营业执照与名称不符" in note.body


@pytest.mark.parametrize("persona", ["reviewer", "district_officer", "supplier", "clerk"])
def test_only_the_city_office_activates_or_refuses(request, persona, pending):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        supplier_activate(actor=actor, supplier=pending)
    with pytest.raises(PermissionDenied):
        supplier_refuse(actor=actor, supplier=pending, reason="不符")
    pending.refresh_from_db()
    assert pending.status == Supplier.Status.PENDING


def test_status_moves_follow_the_table(city_officer, supplier_org):
    with pytest.raises(ValidationError):
        supplier_status_set(actor=city_officer, supplier=supplier_org, status="suspended")
    supplier_status_set(
        actor=city_officer, supplier=supplier_org, status="suspended", reason="质量抽检不合格"
    )
    supplier_status_set(actor=city_officer, supplier=supplier_org, status="active")
    supplier_status_set(actor=city_officer, supplier=supplier_org, status="exited", reason="退出")
    with pytest.raises(ApplicationError):
        supplier_status_set(actor=city_officer, supplier=supplier_org, status="active")


def test_the_city_office_registers_a_supplier_directly(city_officer, reviewer):
    code = f.credit_code("451022")
    supplier = supplier_create(
        actor=city_officer, name="田东县芒果合作社", credit_code=code, region=f.region("451022")
    )
    assert supplier.status == Supplier.Status.ACTIVE and supplier.activated_at
    with pytest.raises(PermissionDenied):
        supplier_create(
            actor=reviewer, name="x", credit_code=f.credit_code(), region=f.region("451022")
        )


def test_the_list_puts_pending_first_and_counts(city_officer, supplier_org, pending):
    f.ProductFactory(supplier=supplier_org)
    rows = list(supplier_list(user=city_officer))
    assert rows[0] == pending
    assert {r.pk: r.product_count for r in rows}[supplier_org.pk] == 1
    assert list(supplier_list(user=city_officer, q=pending.credit_code)) == [pending]


# --- the supplier's own upkeep ------------------------------------------------------------


def test_the_supplier_edits_its_profile_but_not_others(supplier, supplier_org, supplier_2):
    supplier_profile_update(
        actor=supplier,
        supplier=supplier_org,
        legal_representative="李四",
        contact_name="王五",
        contact_phone="13800138000",
        address="百色市右江区",
    )
    supplier_org.refresh_from_db()
    assert supplier_org.contact_name == "王五"
    with pytest.raises(PermissionDenied):
        supplier_profile_update(
            actor=supplier_2,
            supplier=supplier_org,
            legal_representative="",
            contact_name="x",
            contact_phone="",
            address="",
        )


@pytest.mark.parametrize("persona", ["reviewer", "city_officer", "district_officer"])
def test_offices_and_reviewers_cannot_edit_supplier_data(request, persona, supplier_org):
    actor = request.getfixturevalue(persona)
    product = f.ProductFactory(supplier=supplier_org)
    with pytest.raises(PermissionDenied):
        product_update(actor=actor, product=product, data=product_data(name="改名"))
    with pytest.raises(PermissionDenied):
        base_create(
            actor=actor,
            supplier=supplier_org,
            data=BaseData(name="基地", region=f.region(f.TIANYANG), category="fruit"),
        )


def test_bases_are_created_and_corrected(supplier, supplier_org, supplier_2):
    data = BaseData(
        name="那坡芒果基地", region=f.region(f.TIANYANG), category="fruit", area_mu=Decimal("850")
    )
    base = base_create(actor=supplier, supplier=supplier_org, data=data)
    assert base.status == SupplierBase.Status.ACTIVE
    with pytest.raises(ValidationError) as error:
        base_create(actor=supplier, supplier=supplier_org, data=data)
    assert "already have a base" in messages_of(error, "name")
    with pytest.raises(ValidationError) as error:
        base_update(
            actor=supplier,
            base=base,
            data=BaseData(name="x", region=base.region, category="fruit", area_mu=Decimal(-1)),
        )
    assert "area_mu" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        base_update(actor=supplier_2, base=base, data=data)


def test_products_are_created_with_their_catalogue_facts(supplier, supplier_org):
    product = product_create(actor=supplier, supplier=supplier_org, data=product_data())
    assert product.status == Product.Status.LISTED
    assert product.price == Decimal("68.00") and product.season == "6–9月"
    with pytest.raises(ValidationError) as error:
        product_create(actor=supplier, supplier=supplier_org, data=product_data())
    assert "already have a product named" in messages_of(error, "name")


def test_negative_numbers_are_refused_with_clear_messages(supplier, supplier_org):
    with pytest.raises(ValidationError) as error:
        product_create(
            actor=supplier,
            supplier=supplier_org,
            data=product_data(
                price=Decimal("-1"), supply_volume=Decimal("-5"), households_lifted=-3
            ),
        )
    found = error.value.message_dict
    assert found["price"] == ["The price may not be negative."]
    assert found["supply_volume"] == ["The supply volume may not be negative."]
    assert found["households_lifted"] == ["The number of households may not be negative."]


def test_a_product_may_name_only_an_own_base(supplier, supplier_org, supplier_org_2):
    foreign = SupplierBase.objects.create(
        supplier=supplier_org_2, name="喀什基地", region=f.region("653101")
    )
    with pytest.raises(ValidationError) as error:
        product_create(actor=supplier, supplier=supplier_org, data=product_data(base=foreign))
    assert "own bases" in messages_of(error, "base")


def test_an_exited_supplier_changes_nothing(city_officer, supplier, supplier_org):
    supplier_status_set(actor=city_officer, supplier=supplier_org, status="exited", reason="退出")
    supplier_org.refresh_from_db()
    with pytest.raises(ApplicationError):
        product_create(actor=supplier, supplier=supplier_org, data=product_data())


# --- photos -------------------------------------------------------------------------------


@pytest.fixture
def mango(supplier_org):
    return f.ProductFactory(supplier=supplier_org, name="田阳香芒")


def test_photos_are_jpeg_or_png_and_removable(supplier, mango):
    photo = product_photo_add(
        actor=supplier,
        product=mango,
        file=SimpleUploadedFile("芒果.jpg", JPEG, content_type="image/jpeg"),
    )
    assert photo.content_type == "image/jpeg" and len(photo.sha256) == 64
    product_photo_add(
        actor=supplier, product=mango, file=SimpleUploadedFile("b.png", PNG, "image/png")
    )
    product_photo_remove(actor=supplier, photo=photo)
    assert list(mango.photos.values_list("content_type", flat=True)) == ["image/png"]


@pytest.mark.parametrize(
    ("name", "content"), [("宣传册.pdf", PDF), ("note.jpg", b"just some text, not a picture")]
)
def test_a_pdf_or_text_is_not_a_photo(supplier, mango, name, content):
    with pytest.raises(ValidationError) as error:
        product_photo_add(
            actor=supplier,
            product=mango,
            file=SimpleUploadedFile(name, content, content_type="image/jpeg"),
        )
    assert "file" in error.value.message_dict
    assert ProductPhoto.objects.count() == 0


def test_a_too_large_photo_is_refused(settings, supplier, mango):
    settings.PORTAL_MAX_UPLOAD_BYTES = 32
    with pytest.raises(ValidationError) as error:
        product_photo_add(
            actor=supplier, product=mango, file=SimpleUploadedFile("big.jpg", JPEG, "image/jpeg")
        )
    assert "larger than" in messages_of(error, "file")


def test_another_supplier_cannot_add_photos(supplier_2, mango):
    with pytest.raises(PermissionDenied):
        product_photo_add(
            actor=supplier_2, product=mango, file=SimpleUploadedFile("a.jpg", JPEG, "image/jpeg")
        )


# --- certificates held now ----------------------------------------------------------------


def test_held_schemes_are_the_valid_certificates_covering_the_day(mango):
    f.CertificateFactory(product=mango)  # recognition, 2025-01-01..2026-12-31
    f.CertificateFactory(
        product=mango,
        number="SZP-2024-000001",
        scheme_id="szp",
        valid_from=datetime.date(2024, 1, 1),
        valid_until=datetime.date(2024, 12, 31),
    )
    f.CertificateFactory(product=mango, number="SZP-2025-000009", scheme_id="szp", status="revoked")
    products = with_current_certifications(Product.objects.all(), as_of=datetime.date(2026, 3, 1))
    assert held_schemes(products.get()) == ["recognition"]
