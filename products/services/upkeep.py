"""The supplier's own upkeep: its profile, its bases (供深基地) and its products with their
photos, as the catalogue (名库) publishes them: price, supply volume, market season (上市周期)
and poverty-reduction capacity (带贫能力). A supplier writes only its own, and nothing once
it has exited; offices and reviewers never edit a supplier's data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from portal.history import stamp
from portal.models import Region
from portal.uploads import delete_file_on_commit, photo_add

from ..models import Product, ProductPhoto, Supplier, SupplierBase
from .suppliers import _clean_phone, _locked_supplier, _own_supplier

# Enough to show a product from every side; more only slows the catalogue page on a phone.
MAX_PHOTOS_PER_PRODUCT = 8


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
    stamp(supplier, actor=actor, reason=_("Profile updated"))
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


def editable_values(instance: SupplierBase | Product, data_class: type) -> dict:
    """The current values of what a supplier edits (the fields of ``data_class``), foreign keys
    as their ids: what the edit form starts from and what an API PATCH completes."""
    return {
        field.name: getattr(instance, instance._meta.get_field(field.name).attname)
        for field in dataclasses.fields(data_class)
    }


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


def _apply_base(base: SupplierBase, data: BaseData, *, actor, reason: str) -> SupplierBase:
    base.name = data.name.strip()
    base.region = data.region
    base.category = data.category
    base.address = (data.address or "").strip()
    base.area_mu = data.area_mu
    base.full_clean()
    stamp(base, actor=actor, reason=reason)
    base.save()
    return base


@transaction.atomic
def base_create(*, actor, supplier: Supplier, data: BaseData) -> SupplierBase:
    """The supplier records one of its production bases (供深基地)."""
    _own_supplier(actor, supplier)
    _check_base(data, supplier=supplier, base=None)
    return _apply_base(SupplierBase(supplier=supplier), data, actor=actor, reason=_("Base added"))


@transaction.atomic
def base_update(*, actor, base: SupplierBase, data: BaseData) -> SupplierBase:
    """The supplier corrects one of its bases; the status stays the office's."""
    base = (
        SupplierBase.objects.select_for_update(of=("self",))
        .select_related("supplier")
        .get(pk=base.pk)
    )
    _own_supplier(actor, base.supplier)
    _check_base(data, supplier=base.supplier, base=base)
    return _apply_base(base, data, actor=actor, reason=_("Base details changed"))


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


def _apply_product(product: Product, data: ProductData, *, actor, reason: str) -> Product:
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
    stamp(product, actor=actor, reason=reason)
    product.save()
    return product


@transaction.atomic
def product_create(*, actor, supplier: Supplier, data: ProductData) -> Product:
    """The supplier adds a product to its catalogue entry; one name per supplier
    (``product_name_unique``)."""
    _own_supplier(actor, supplier)
    _check_product(data, supplier=supplier, product=None)
    return _apply_product(Product(supplier=supplier), data, actor=actor, reason=_("Product added"))


@transaction.atomic
def product_update(*, actor, product: Product, data: ProductData) -> Product:
    """The supplier keeps a product's facts current (price, supply, season, households
    lifted); its status is the office's (动态退出)."""
    product = (
        Product.objects.select_for_update(of=("self",))
        .select_related("supplier")
        .get(pk=product.pk)
    )
    _own_supplier(actor, product.supplier)
    _check_product(data, supplier=product.supplier, product=product)
    return _apply_product(product, data, actor=actor, reason=_("Product details changed"))


@transaction.atomic
def product_photo_add(
    *, actor, product: Product, file: UploadedFile, caption: str = ""
) -> ProductPhoto:
    """The supplier adds a photo (JPEG or PNG, checked by content and size) for the
    product's catalogue page."""
    product = (
        Product.objects.select_for_update(of=("self",))
        .select_related("supplier")
        .get(pk=product.pk)
    )
    _own_supplier(actor, product.supplier)
    return photo_add(
        ProductPhoto,
        product=product,
        file=file,
        caption=caption,
        actor=actor,
        existing=product.photos.count(),
        limit=MAX_PHOTOS_PER_PRODUCT,
        too_many=_("A product has at most %(count)s photos: remove one first."),
    )


@transaction.atomic
def product_photo_remove(*, actor, photo: ProductPhoto) -> None:
    """The supplier removes a photo; the file goes once the removal is committed."""
    photo = ProductPhoto.objects.select_related("product__supplier").get(pk=photo.pk)
    _own_supplier(actor, photo.product.supplier)
    photo.delete()
    delete_file_on_commit(photo.file)
