"""The offices' outlet registry: register and edit outlets, the products they carry and their
photos. Inspections (巡查) and suspension, reinstatement and exit (动态退出) are in
``oversight``, on the same rules of who may act.

Issue 5: "District offices register outlets in their district; the city office everywhere."
A district office acts only on the outlets of its own district: registering an outlet
elsewhere, moving one out of its district or touching another district's outlet is refused
(403); the pages and the API read outlets through ``outlet_for_user`` first, so another
district's outlet is not found (404) before it is refused.

Decisions kept here:

- **The "1+10" centres.** The network has one city centre and one centre per district (the
  demo's ten: nine districts and 大鹏新区, which sits in 龙岗区's code). The model does not mark
  the city centre, so the rule is: at most ``CENTRE_NETWORK_SIZE`` (1 + 10) live (not exited)
  centres in the city, and a district office may not open a second live centre in its district
  (the city office places the city centre and 大鹏新区's, which share a district with another
  centre). The checks run when an outlet becomes a centre or a centre moves district, so
  editing an existing centre's address never trips over its neighbours.
- **Operator.** Any organisation may run an outlet (a supplier, a hospital's canteen, a
  district office for its centre); a supplier only while it is active. Checked when the
  operator is chosen or changed.
- **Products carried.** Only listed products of active suppliers may be added; a product
  carried already and suspended since stays on the list until an office removes it (the
  public finder shows only what is in the catalogue).
- **Exit is final** and sets ``exited_on``: an exited outlet is a record, still counted in the
  periods it was open (``outlet_period_counts``); it is no longer edited, inspected or given
  photos or products. A comeback is a new registration.
- The opening date and an inspection's date are not in the future: the counts start from the
  opening date.
- **Audit trail** (issue 7, point 2): every save of an outlet writes a version
  (django-simple-history) with the acting user and the step ("Outlet registered", "Outlet
  edited", "Suspended: …"), set by ``portal.history.stamp`` because the API authenticates
  after the history middleware has run, and services may run outside a request.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.history import stamp
from portal.models import Organisation, Region
from portal.roles import actor_of
from portal.selectors import organisation_for_user
from portal.uploads import delete_file_on_commit, photo_add
from products.models import Product, Supplier

from ..models import Outlet, OutletPhoto
from ..reference_data import INSPECTION_CHECKLIST

Status = Outlet.Status

# "1+10": one city centre and ten district centres (issue 5).
CENTRE_NETWORK_SIZE = 11
# Enough to show the counter, its signage and its shelves; more only slows a phone down.
MAX_PHOTOS_PER_OUTLET = 8
MAX_PHOTOS_PER_INSPECTION = 8
# Statuses in which an outlet is still part of the network (not exited).
LIVE_STATUSES = (Status.ACTIVE, Status.SUSPENDED)
# Target status → the statuses it may come from. Exited is final.
STATUS_MOVES: dict[str, frozenset[str]] = {
    Status.SUSPENDED: frozenset({Status.ACTIVE}),
    Status.EXITED: frozenset({Status.ACTIVE, Status.SUSPENDED}),
    Status.ACTIVE: frozenset({Status.SUSPENDED}),
}
CHECK_PASSED, CHECK_FAILED = "passed", "failed"
CHECKLIST_CODES = tuple(code for code, _label in INSPECTION_CHECKLIST)


# --- who may act ----------------------------------------------------------------------------


def require_manager(actor, district_id: str | None) -> None:
    """The city office manages every outlet, a district office those of its own district."""
    who = actor_of(actor)
    if who.is_city_office:
        return
    if who.is_district_office:
        if district_id is not None and district_id != who.district_code:
            raise PermissionDenied(
                _("A district office registers and manages outlets in its own district only.")
            )
        return
    raise PermissionDenied(_("Only the city or a district coordination office manages outlets."))


def may_manage(user, outlet: Outlet) -> bool:
    """For buttons: whether ``user`` may act on ``outlet``."""
    who = actor_of(user)
    return who.is_city_office or (
        who.is_district_office and outlet.district_id == who.district_code
    )


def allowed_statuses(outlet: Outlet, user) -> list[str]:
    """The statuses ``user`` may move the outlet to now (for buttons and the API)."""
    if not may_manage(user, outlet):
        return []
    return [target for target, sources in STATUS_MOVES.items() if outlet.status in sources]


def _locked(outlet: Outlet) -> Outlet:
    return (
        Outlet.objects.select_for_update(of=("self",)).select_related("district").get(pk=outlet.pk)
    )


def _refuse_if_exited(outlet: Outlet) -> None:
    if outlet.status == Status.EXITED:
        raise ApplicationError(
            _(
                "“%(name)s” has exited, which is final: it is kept as a record and can no "
                "longer be changed."
            )
            % {"name": outlet.name}
        )


# --- register and edit ----------------------------------------------------------------------


@dataclass(frozen=True)
class OutletData:
    """An outlet as the office describes it; its status is changed by ``outlet_set_status``."""

    kind: str
    name: str
    district: Region | None
    address: str
    venue: str = Outlet.Venue.OTHER
    operator: Organisation | None = None
    opened_on: datetime.date | None = None
    floor_area: Decimal | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


EDITABLE_FIELDS = tuple(OutletData.__dataclass_fields__)


def editable_values(outlet: Outlet) -> dict:
    """The outlet's current values of what an office edits, foreign keys as their ids: what
    the edit form starts from and what an API PATCH completes."""
    return {name: getattr(outlet, outlet._meta.get_field(name).attname) for name in EDITABLE_FIELDS}


def _check_outlet(
    data: OutletData, *, actor, outlet: Outlet | None, as_of: datetime.date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = (data.name or "").strip()
    if data.kind not in Outlet.Kind.values:
        errors["kind"] = [_("Choose the kind of outlet from the list.")]
    if data.venue not in Outlet.Venue.values:
        errors["venue"] = [_("Choose the host venue from the list.")]
    if not name:
        errors["name"] = [_("This field is required.")]
    if not (data.address or "").strip():
        errors["address"] = [_("This field is required.")]
    if data.district is None:
        errors["district"] = [_("Choose the district where the outlet is.")]
    elif data.district.parent_id != settings.PORTAL_CITY_CODE:
        errors["district"] = [_("Choose one of the city's districts.")]
    elif name:
        clash = Outlet.objects.filter(district=data.district, name=name)
        if outlet is not None:
            clash = clash.exclude(pk=outlet.pk)
        if clash.exists():
            errors["name"] = [
                _("%(district)s already has an outlet named “%(name)s”.")
                % {"district": data.district.name, "name": name}
            ]
    if data.opened_on is not None and data.opened_on > as_of:
        errors["opened_on"] = [
            _("The opening date may not be in the future: register the outlet once it opens.")
        ]
    if data.floor_area is not None and data.floor_area <= 0:
        errors["floor_area"] = [_("The floor area must be more than 0 m².")]
    if (data.latitude is None) != (data.longitude is None):
        field = "longitude" if data.longitude is None else "latitude"
        errors[field] = [_("Give both the latitude and the longitude, or neither.")]
    else:
        if data.latitude is not None and not -90 <= data.latitude <= 90:
            errors["latitude"] = [_("The latitude lies between -90 and 90.")]
        if data.longitude is not None and not -180 <= data.longitude <= 180:
            errors["longitude"] = [_("The longitude lies between -180 and 180.")]
    if data.operator is not None and (outlet is None or outlet.operator_id != data.operator.pk):
        errors.update(_check_operator(actor, data.operator))
    return errors


def _check_operator(actor, operator: Organisation) -> dict[str, list[str]]:
    if not organisation_for_user(actor).filter(pk=operator.pk).exists():
        return {"operator": [_("Choose the operator from the list.")]}
    if operator.kind == Organisation.Kind.SUPPLIER:
        status = Supplier.objects.filter(pk=operator.pk).values_list("status", flat=True).first()
        if status != Supplier.Status.ACTIVE:
            return {
                "operator": [
                    _(
                        "“%(name)s” is not an active supplier: only an active supplier "
                        "may run an outlet."
                    )
                    % {"name": operator.name}
                ]
            }
    return {}


def _check_centre(data: OutletData, *, actor, outlet: Outlet | None) -> None:
    """The "1+10" network (see the module docstring), checked when an outlet becomes a
    centre or a centre moves district."""
    if data.kind != Outlet.Kind.CENTRE or data.district is None:
        return
    if outlet is not None and outlet.kind == data.kind and outlet.district_id == data.district.pk:
        return
    live = Outlet.objects.filter(kind=Outlet.Kind.CENTRE, status__in=LIVE_STATUSES)
    if outlet is not None:
        live = live.exclude(pk=outlet.pk)
    if live.count() >= CENTRE_NETWORK_SIZE:
        raise ApplicationError(
            _(
                "The city already has %(count)s assistance centres, the whole “1+10” network: "
                "exit one before registering another."
            )
            % {"count": CENTRE_NETWORK_SIZE}
        )
    if actor_of(actor).is_district_office and live.filter(district=data.district).exists():
        raise ApplicationError(
            _(
                "%(district)s has its assistance centre already: the “1+10” network has one "
                "centre per district. Ask the city office if another is needed."
            )
            % {"district": data.district.name}
        )


def _apply(outlet: Outlet, data: OutletData, *, actor, reason: str) -> Outlet:
    outlet.kind = data.kind
    outlet.name = data.name.strip()
    outlet.district = data.district
    outlet.address = data.address.strip()
    outlet.venue = data.venue
    outlet.operator = data.operator
    outlet.opened_on = data.opened_on
    outlet.floor_area = data.floor_area
    outlet.latitude = data.latitude
    outlet.longitude = data.longitude
    outlet.full_clean()
    stamp(outlet, actor=actor, reason=reason)
    outlet.save()
    return outlet


def _check_products(products: Iterable[Product], *, already: set[int]) -> list[Product]:
    chosen = list({p.pk: p for p in products}.values())
    new_ids = [p.pk for p in chosen if p.pk not in already]
    if new_ids:
        sellable = set(
            Product.objects.filter(
                pk__in=new_ids,
                status=Product.Status.LISTED,
                supplier__status=Supplier.Status.ACTIVE,
            ).values_list("pk", flat=True)
        )
        refused = [p.name for p in chosen if p.pk in set(new_ids) - sellable]
        if refused:
            raise ValidationError(
                {
                    "products": [
                        _("Only listed products of active suppliers may be carried: %(names)s.")
                        % {"names": "、".join(refused)}
                    ]
                }
            )
    return chosen


@transaction.atomic
def outlet_register(
    *,
    actor,
    data: OutletData,
    products: Iterable[Product] = (),
    as_of: datetime.date,
) -> Outlet:
    """An office registers an outlet (issue 5 point 1): a district office in its own district,
    the city office anywhere. It starts active."""
    require_manager(actor, data.district.pk if data.district else None)
    errors = _check_outlet(data, actor=actor, outlet=None, as_of=as_of)
    products = list(products)
    try:
        products = _check_products(products, already=set())
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    _check_centre(data, actor=actor, outlet=None)
    outlet = _apply(Outlet(status=Status.ACTIVE), data, actor=actor, reason=_("Outlet registered"))
    outlet.products.set(products)
    return outlet


@transaction.atomic
def outlet_update(
    *,
    actor,
    outlet: Outlet,
    data: OutletData,
    products: Iterable[Product] | None = None,
    as_of: datetime.date,
) -> Outlet:
    """An office corrects an outlet's facts (and, when given, the products it carries). A
    district office may not move an outlet out of its district; an exited outlet is final."""
    outlet = _locked(outlet)
    require_manager(actor, outlet.district_id)
    require_manager(actor, data.district.pk if data.district else None)
    _refuse_if_exited(outlet)
    errors = _check_outlet(data, actor=actor, outlet=outlet, as_of=as_of)
    if products is not None:
        products = list(products)
        already = set(outlet.products.values_list("pk", flat=True))
        try:
            products = _check_products(products, already=already)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    _check_centre(data, actor=actor, outlet=outlet)
    outlet = _apply(outlet, data, actor=actor, reason=_("Outlet edited"))
    if products is not None:
        outlet.products.set(products)
    return outlet


@transaction.atomic
def outlet_products_set(*, actor, outlet: Outlet, products: Iterable[Product]) -> Outlet:
    """The products the outlet carries: listed products of active suppliers (a product carried
    already and suspended since may stay until the office removes it)."""
    outlet = _locked(outlet)
    require_manager(actor, outlet.district_id)
    _refuse_if_exited(outlet)
    already = set(outlet.products.values_list("pk", flat=True))
    chosen = _check_products(products, already=already)
    if {p.pk for p in chosen} != already:
        outlet.products.set(chosen)
        # The many-to-many is not versioned: a version of the outlet names the step.
        stamp(
            outlet,
            actor=actor,
            reason=_("Products carried changed (%(count)s now)") % {"count": len(chosen)},
        )
        outlet.save()
    return outlet


# --- photos ---------------------------------------------------------------------------------


@transaction.atomic
def outlet_photo_add(
    *, actor, outlet: Outlet, file: UploadedFile, caption: str = ""
) -> OutletPhoto:
    """A photo of the outlet (JPEG or PNG, checked by content and size) for its page."""
    outlet = _locked(outlet)
    require_manager(actor, outlet.district_id)
    _refuse_if_exited(outlet)
    return photo_add(
        OutletPhoto,
        outlet=outlet,
        file=file,
        caption=caption,
        actor=actor,
        existing=outlet.photos.count(),
        limit=MAX_PHOTOS_PER_OUTLET,
        too_many=_("An outlet has at most %(count)s photos: remove one first."),
    )


@transaction.atomic
def outlet_photo_remove(*, actor, photo: OutletPhoto) -> None:
    """An office removes a photo; the file goes once the removal is committed."""
    photo = OutletPhoto.objects.select_related("outlet").get(pk=photo.pk)
    require_manager(actor, photo.outlet.district_id)
    photo.delete()
    delete_file_on_commit(photo.file)
