"""Business actions of suppliers (供应商/经营主体): an organisation registers itself and the city
office (市协作办) activates or refuses it, or moves its standing later. The supplier's upkeep
of its profile, bases and products is in ``upkeep``.

The rules come from the programme (domain.md): only vetted suppliers count, so a registration
waits for the city office; one account per unified social credit code (统一社会信用代码,
GB 32100-2015, check character verified); the catalogue (名库) publishes per product its price,
supply volume, market season (上市周期) and poverty-reduction capacity (带贫能力).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.history import stamp, step_reason
from portal.models import Membership, Organisation, Region, Role
from portal.notifications import members_of, members_with_role, notify
from portal.roles import actor_of
from portal.validators import validate_credit_code

from ..models import Supplier

logger = logging.getLogger(__name__)
User = get_user_model()
SupplierStatus = Supplier.Status

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
    user = User(
        username=data.username.strip(),
        email=data.email.strip(),
        first_name=data.contact_name.strip()[:150],
        is_active=True,
    )
    user.set_password(data.password)
    user.full_clean(exclude=["password"])
    user.save()
    # The account comes first, so that the supplier's history names who registered it.
    stamp(supplier, actor=user, reason=_("Registered by the supplier itself"))
    supplier.save()
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
    stamp(supplier, actor=actor, reason=_("Registered by the city coordination office"))
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
    stamp(supplier, actor=actor, reason=_("Activated by the city coordination office"))
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
    stamp(supplier, actor=actor, reason=step_reason(_("Registration refused"), reason))
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
    step = {
        SupplierStatus.ACTIVE: _("Reinstated"),
        SupplierStatus.SUSPENDED: _("Suspended"),
        SupplierStatus.EXITED: _("Exited"),
    }[status]
    stamp(supplier, actor=actor, reason=step_reason(step, reason))
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
