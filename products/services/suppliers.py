"""Business actions of suppliers (供应商/经营主体): an organisation registers itself, the city
office (市协作办) activates or refuses it, and the supplier keeps its profile, its bases
(供深基地) and its products current, with their photos.

The rules come from the programme (domain.md): only vetted suppliers count, so a registration
waits for the city office; one account per unified social credit code (统一社会信用代码,
GB 32100-2015, check character verified); the catalogue (名库) publishes per product its price,
supply volume, market season (上市周期) and poverty-reduction capacity (带贫能力).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.models import Membership, Organisation, Region, Role
from portal.notifications import members_of, members_with_role, notify
from portal.roles import actor_of
from portal.uploads import inspect_upload
from portal.validators import validate_credit_code

from ..models import Product, ProductPhoto, Supplier, SupplierBase

logger = logging.getLogger(__name__)
User = get_user_model()
SupplierStatus = Supplier.Status

# Photos shown on a product's catalogue page: pictures only, never a PDF.
PHOTO_CONTENT_TYPES = frozenset({"image/jpeg", "image/png"})
# Enough to show a product from every side; more only slows the catalogue page on a phone.
MAX_PHOTOS_PER_PRODUCT = 8
# A telephone or mobile number as people write it: digits, spaces, +, - and brackets.
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 \-()]{5,30}$")

# The supplier's standing, moved only by the city office: status → statuses it may go to.
# Pending → active is the activation, pending → exited the refusal of a registration.
SUPPLIER_TRANSITIONS: dict[str, frozenset[str]] = {
    SupplierStatus.PENDING: frozenset({SupplierStatus.ACTIVE, SupplierStatus.EXITED}),
    SupplierStatus.ACTIVE: frozenset({SupplierStatus.SUSPENDED, SupplierStatus.EXITED}),
    SupplierStatus.SUSPENDED: frozenset({SupplierStatus.ACTIVE, SupplierStatus.EXITED}),
    SupplierStatus.EXITED: frozenset(),
}


# --- who may act ---------------------------------------------------------------------------


def _city_office_only(actor) -> None:
    if not actor_of(actor).is_city_office:
        raise PermissionDenied(_("Only the city coordination office may do this."))


def _own_supplier(actor, supplier: Supplier) -> None:
    """The supplier's own data is written by its own staff only (never by an office or a
    reviewer), and not once the supplier has exited the programme."""
    who = actor_of(actor)
    if who.role != Role.SUPPLIER or who.organisation_id != supplier.pk:
        raise PermissionDenied(_("Only the supplier itself may change its data."))
    if supplier.status == SupplierStatus.EXITED:
        raise ApplicationError(
            _("This supplier has exited the programme: its data can no longer be changed.")
        )


# --- registration and activation -----------------------------------------------------------


def _clean_credit_code(value: str) -> str:
    """Normalise the code (upper case, no spaces), check its check character, and refuse a
    code some organisation already holds: one account per code."""
    code = (value or "").replace(" ", "").strip().upper()
    try:
        validate_credit_code(code)
    except ValidationError as error:
        raise ValidationError({"credit_code": error.messages}) from error
    holder = Organisation.objects.filter(credit_code=code).only("kind").first()
    if holder is not None:
        if holder.kind == Organisation.Kind.SUPPLIER:
            message = _(
                "A supplier with the credit code %(code)s is already registered. Sign in with "
                "its account, or ask the city coordination office for help."
            )
        else:
            message = _("An organisation with the credit code %(code)s already has an account.")
        raise ValidationError({"credit_code": message % {"code": code}})
    return code


def _clean_region(region: Region | None) -> Region:
    if region is None or region.level != Region.Level.COUNTY:
        raise ValidationError(
            {"region": _("Choose the county or district where the supplier is registered.")}
        )
    return region


def _clean_phone(value: str, *, field: str = "contact_phone") -> str:
    phone = (value or "").strip()
    if phone and not PHONE_PATTERN.match(phone):
        raise ValidationError(
            {field: _("Give a telephone or mobile number of digits, e.g. 0776-1234567.")}
        )
    return phone


@dataclass(frozen=True)
class Registration:
    """What an organisation gives when it signs up."""

    name: str
    credit_code: str
    region: Region | None
    legal_representative: str
    contact_name: str
    contact_phone: str
    email: str
    address: str
    username: str
    password: str


def _registration_errors(data: Registration) -> tuple[dict, str]:
    errors: dict[str, list[str]] = {}

    def check(step):
        try:
            return step()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            return None

    code = check(lambda: _clean_credit_code(data.credit_code))
    check(lambda: _clean_region(data.region))
    check(lambda: _clean_phone(data.contact_phone))
    for field in ("name", "legal_representative", "contact_name", "contact_phone", "address"):
        if not getattr(data, field).strip():
            errors.setdefault(field, []).append(_("This field is required."))
    try:
        validate_email(data.email)
    except ValidationError:
        errors.setdefault("email", []).append(_("Give a valid e-mail address."))
    username = data.username.strip()
    if User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(
            _("The username “%(username)s” is taken: choose another.") % {"username": username}
        )
    candidate = User(username=username, email=data.email, first_name=data.contact_name)
    try:
        validate_password(data.password, user=candidate)
    except ValidationError as error:
        errors.setdefault("password", []).extend(error.messages)
    return errors, code or ""


@transaction.atomic
def supplier_register(*, actor=None, data: Registration) -> Supplier:
    """An organisation signs itself up (``actor`` is the anonymous visitor): a supplier that
    awaits the city office's activation, with one active account for its contact person.

    domain.md: only vetted suppliers count, so the city office reviews every registration;
    one account per unified social credit code. The city office is notified with a link to
    the page where it activates the supplier.
    """
    errors, code = _registration_errors(data)
    if errors:
        raise ValidationError(errors)
    supplier = Supplier(
        kind=Organisation.Kind.SUPPLIER,
        name=data.name.strip(),
        credit_code=code,
        region=data.region,
        legal_representative=data.legal_representative.strip(),
        contact_name=data.contact_name.strip(),
        contact_phone=data.contact_phone.strip(),
        address=data.address.strip(),
        status=SupplierStatus.PENDING,
    )
    supplier.full_clean()
    supplier.save()
    user = User(
        username=data.username.strip(),
        email=data.email.strip(),
        first_name=data.contact_name.strip()[:150],
        is_active=True,
    )
    user.set_password(data.password)
    user.full_clean(exclude=["password"])
    user.save()
    membership = Membership(user=user, organisation=supplier, role=Role.SUPPLIER)
    membership.full_clean()
    membership.save()
    notify(
        recipients=members_with_role(Role.CITY_OFFICE),
        title=_("A supplier awaits activation: %(name)s") % {"name": supplier.name},
        body=_(
            "“%(name)s” (credit code %(code)s) registered in the portal. Check its details "
            "and activate it, or refuse it with a reason."
        )
        % {"name": supplier.name, "code": supplier.credit_code},
        link=reverse("products:supplier_detail", args=[supplier.pk]),
    )
    logger.info("supplier %s registered itself as user %s", supplier.pk, user.pk)
    return supplier


@transaction.atomic
def supplier_create(
    *,
    actor,
    name: str,
    credit_code: str,
    region: Region | None,
    legal_representative: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
) -> Supplier:
    """The city office registers a supplier it has vetted itself: active at once, without an
    account (its staff sign up or are given one separately)."""
    _city_office_only(actor)
    errors: dict[str, list[str]] = {}
    code = ""
    for field, step in (
        ("credit_code", lambda: _clean_credit_code(credit_code)),
        ("region", lambda: _clean_region(region)),
        ("contact_phone", lambda: _clean_phone(contact_phone)),
    ):
        try:
            value = step()
        except ValidationError as error:
            errors.update(error.message_dict)
        else:
            if field == "credit_code":
                code = value
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    supplier = Supplier(
        kind=Organisation.Kind.SUPPLIER,
        name=name.strip(),
        credit_code=code,
        region=region,
        legal_representative=legal_representative.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        address=address.strip(),
        status=SupplierStatus.ACTIVE,
        activated_at=timezone.now(),
    )
    supplier.full_clean()
    supplier.save()
    logger.info("supplier %s registered by user %s", supplier.pk, actor.pk)
    return supplier


def _locked_supplier(supplier: Supplier) -> Supplier:
    return Supplier.objects.select_for_update().get(pk=supplier.pk)


@transaction.atomic
def supplier_activate(*, actor, supplier: Supplier) -> Supplier:
    """The city office activates a registration it has checked: from now on the supplier's
    products may be bought and certified. Its staff are notified."""
    _city_office_only(actor)
    supplier = _locked_supplier(supplier)
    if supplier.status != SupplierStatus.PENDING:
        raise ApplicationError(
            _("Only a supplier awaiting activation can be activated; this one is “%(status)s”.")
            % {"status": supplier.get_status_display()}
        )
    supplier.status = SupplierStatus.ACTIVE
    supplier.activated_at = timezone.now()
    supplier.full_clean()
    supplier.save(update_fields=["status", "activated_at"])
    notify(
        recipients=members_of(supplier.pk),
        title=_("Your supplier account is activated"),
        body=_(
            "The city coordination office activated “%(name)s”. You can now keep your "
            "products and bases current and apply for certification."
        )
        % {"name": supplier.name},
        link=reverse("products:my_products"),
    )
    logger.info("supplier %s activated by user %s", supplier.pk, actor.pk)
    return supplier


@transaction.atomic
def supplier_refuse(*, actor, supplier: Supplier, reason: str) -> Supplier:
    """The city office refuses a registration, with the reason, which is sent to the
    supplier's staff; the supplier is marked exited (a new attempt is a new registration
    after the office has cleared the code)."""
    _city_office_only(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the registration is refused.")})
    supplier = _locked_supplier(supplier)
    if supplier.status != SupplierStatus.PENDING:
        raise ApplicationError(
            _("Only a supplier awaiting activation can be refused; this one is “%(status)s”.")
            % {"status": supplier.get_status_display()}
        )
    supplier.status = SupplierStatus.EXITED
    supplier.full_clean()
    supplier.save(update_fields=["status"])
    notify(
        recipients=members_of(supplier.pk),
        title=_("Your supplier registration was not accepted"),
        body=_("The city coordination office did not accept “%(name)s”. Reason: %(reason)s")
        % {"name": supplier.name, "reason": reason},
        link=reverse("products:my_products"),
    )
    logger.info("supplier %s refused by user %s: %s", supplier.pk, actor.pk, reason)
    return supplier


@transaction.atomic
def supplier_status_set(*, actor, supplier: Supplier, status: str, reason: str = "") -> Supplier:
    """The city office moves a supplier's standing (API ``PATCH suppliers/{id}`` with
    ``status``): activation and refusal as above; suspending, reinstating and exiting an
    active supplier (动态退出) with a reason for the first and the last."""
    _city_office_only(actor)
    if status not in SupplierStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    supplier = _locked_supplier(supplier)
    if supplier.status == status:
        return supplier
    if status not in SUPPLIER_TRANSITIONS[supplier.status]:
        raise ApplicationError(
            _("A supplier that is “%(from)s” cannot become “%(to)s”.")
            % {"from": supplier.get_status_display(), "to": SupplierStatus(status).label}
        )
    if supplier.status == SupplierStatus.PENDING:
        if status == SupplierStatus.ACTIVE:
            return supplier_activate(actor=actor, supplier=supplier)
        return supplier_refuse(actor=actor, supplier=supplier, reason=reason)
    reason = (reason or "").strip()
    if status != SupplierStatus.ACTIVE and not reason:
        raise ValidationError({"reason": _("Give the reason for this change.")})
    previous = supplier.get_status_display()
    supplier.status = status
    if status == SupplierStatus.ACTIVE and supplier.activated_at is None:
        supplier.activated_at = timezone.now()
    supplier.full_clean()
    supplier.save(update_fields=["status", "activated_at"])
    notify(
        recipients=members_of(supplier.pk),
        title=_("Your supplier account is now “%(status)s”")
        % {"status": SupplierStatus(status).label},
        body=_("The city coordination office changed “%(name)s” from “%(from)s”.")
        % {"name": supplier.name, "from": previous}
        + (f" {reason}" if reason else ""),
        link=reverse("products:my_products"),
    )
    logger.info("supplier %s set to %s by user %s: %s", supplier.pk, status, actor.pk, reason)
    return supplier


# --- the supplier's own upkeep -------------------------------------------------------------


@transaction.atomic
def supplier_profile_update(
    *,
    actor,
    supplier: Supplier,
    legal_representative: str,
    contact_name: str,
    contact_phone: str,
    address: str,
) -> Supplier:
    """The supplier keeps its contact details current. Its name and credit code are those of
    its business licence: a change there is a new registration."""
    _own_supplier(actor, supplier)
    supplier = _locked_supplier(supplier)
    errors = {}
    try:
        _clean_phone(contact_phone)
    except ValidationError as error:
        errors.update(error.message_dict)
    if not (contact_name or "").strip():
        errors["contact_name"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    supplier.legal_representative = (legal_representative or "").strip()
    supplier.contact_name = contact_name.strip()
    supplier.contact_phone = (contact_phone or "").strip()
    supplier.address = (address or "").strip()
    supplier.full_clean()
    supplier.save(
        update_fields=["legal_representative", "contact_name", "contact_phone", "address"]
    )
    return supplier


@dataclass(frozen=True)
class BaseData:
    """A production base as the supplier describes it; its status is the office's."""

    name: str
    region: Region | None
    category: str
    address: str = ""
    area_mu: Decimal | None = None


def _check_base(data: BaseData, *, supplier: Supplier, base: SupplierBase | None) -> None:
    errors: dict[str, list[str]] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    else:
        clash = SupplierBase.objects.filter(supplier=supplier, name=name)
        if base is not None:
            clash = clash.exclude(pk=base.pk)
        if clash.exists():
            errors["name"] = [
                _("You already have a base named “%(name)s”.") % {"name": name},
            ]
    if data.region is None:
        errors["region"] = [_("Choose the region where the base lies.")]
    if data.area_mu is not None and data.area_mu <= 0:
        errors["area_mu"] = [_("The area must be more than 0 mu.")]
    if errors:
        raise ValidationError(errors)


def _apply_base(base: SupplierBase, data: BaseData) -> SupplierBase:
    base.name = data.name.strip()
    base.region = data.region
    base.category = data.category
    base.address = (data.address or "").strip()
    base.area_mu = data.area_mu
    base.full_clean()
    base.save()
    return base


@transaction.atomic
def base_create(*, actor, supplier: Supplier, data: BaseData) -> SupplierBase:
    """The supplier records one of its production bases (供深基地)."""
    _own_supplier(actor, supplier)
    _check_base(data, supplier=supplier, base=None)
    return _apply_base(SupplierBase(supplier=supplier), data)


@transaction.atomic
def base_update(*, actor, base: SupplierBase, data: BaseData) -> SupplierBase:
    """The supplier corrects one of its bases; the status stays the office's."""
    base = SupplierBase.objects.select_for_update().select_related("supplier").get(pk=base.pk)
    _own_supplier(actor, base.supplier)
    _check_base(data, supplier=base.supplier, base=base)
    return _apply_base(base, data)


@dataclass(frozen=True)
class ProductData:
    """A product's catalogue facts (Guangzhou's 名库: 品种, 价格, 供应量, 上市周期, 带贫能力)."""

    name: str
    category: str
    region: Region | None
    price: Decimal | None
    base: SupplierBase | None = None
    specification: str = ""
    price_unit: str = "件"
    supply_volume: Decimal = Decimal(0)
    supply_unit: str = "吨/年"
    season: str = ""
    households_lifted: int = 0
    description: str = ""


def _check_product(data: ProductData, *, supplier: Supplier, product: Product | None) -> None:
    errors: dict[str, list[str]] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    else:
        clash = Product.objects.filter(supplier=supplier, name=name)
        if product is not None:
            clash = clash.exclude(pk=product.pk)
        if clash.exists():
            errors["name"] = [
                _(
                    "You already have a product named “%(name)s”: edit that one, or give this "
                    "one a distinct name (e.g. with its specification)."
                )
                % {"name": name}
            ]
    if data.region is None:
        errors["region"] = [_("Choose the region the product comes from.")]
    if data.price is None:
        errors["price"] = [_("Give the price in yuan.")]
    elif data.price < 0:
        errors["price"] = [_("The price may not be negative.")]
    if data.supply_volume is not None and data.supply_volume < 0:
        errors["supply_volume"] = [_("The supply volume may not be negative.")]
    if data.households_lifted is not None and data.households_lifted < 0:
        errors["households_lifted"] = [_("The number of households may not be negative.")]
    if data.base is not None and data.base.supplier_id != supplier.pk:
        errors["base"] = [_("Choose one of your own bases.")]
    if errors:
        raise ValidationError(errors)


def _apply_product(product: Product, data: ProductData) -> Product:
    product.name = data.name.strip()
    product.category = data.category
    product.region = data.region
    product.base = data.base
    product.specification = (data.specification or "").strip()
    product.price = data.price
    product.price_unit = (data.price_unit or "").strip() or "件"
    product.supply_volume = data.supply_volume or Decimal(0)
    product.supply_unit = (data.supply_unit or "").strip() or "吨/年"
    product.season = (data.season or "").strip()
    product.households_lifted = data.households_lifted or 0
    product.description = (data.description or "").strip()
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_create(*, actor, supplier: Supplier, data: ProductData) -> Product:
    """The supplier adds a product to its catalogue entry; one name per supplier
    (``product_name_unique``)."""
    _own_supplier(actor, supplier)
    _check_product(data, supplier=supplier, product=None)
    return _apply_product(Product(supplier=supplier), data)


@transaction.atomic
def product_update(*, actor, product: Product, data: ProductData) -> Product:
    """The supplier keeps a product's facts current (price, supply, season, households
    lifted); its status is the office's (动态退出)."""
    product = Product.objects.select_for_update().select_related("supplier").get(pk=product.pk)
    _own_supplier(actor, product.supplier)
    _check_product(data, supplier=product.supplier, product=product)
    return _apply_product(product, data)


@transaction.atomic
def product_photo_add(
    *, actor, product: Product, file: UploadedFile, caption: str = ""
) -> ProductPhoto:
    """The supplier adds a photo (JPEG or PNG, checked by content and size) for the
    product's catalogue page."""
    product = Product.objects.select_for_update().select_related("supplier").get(pk=product.pk)
    _own_supplier(actor, product.supplier)
    facts = inspect_upload(file, field="file")
    if facts.content_type not in PHOTO_CONTENT_TYPES:
        raise ValidationError(
            {"file": _("“%(name)s” is not a JPEG or PNG picture.") % {"name": file.name}}
        )
    if product.photos.count() >= MAX_PHOTOS_PER_PRODUCT:
        raise ApplicationError(
            _("A product has at most %(count)s photos: remove one first.")
            % {"count": MAX_PHOTOS_PER_PRODUCT}
        )
    photo = ProductPhoto(
        product=product,
        file=file,
        caption=(caption or "").strip()[:128],
        uploaded_by=actor,
        **facts.as_fields(),
    )
    photo.full_clean()
    photo.save()
    return photo


@transaction.atomic
def product_photo_remove(*, actor, photo: ProductPhoto) -> None:
    """The supplier removes a photo; the file goes once the removal is committed."""
    photo = ProductPhoto.objects.select_related("product__supplier").get(pk=photo.pk)
    _own_supplier(actor, photo.product.supplier)
    storage, name = photo.file.storage, photo.file.name
    photo.delete()
    transaction.on_commit(lambda: storage.delete(name))
