"""Scoped reads of suppliers, bases, products and certification.

api.md: every signed-in user may read active suppliers, bases and products (a clerk must pick
them); a supplier reads its own whatever their status; offices and reviewers read all.
Applications and their documents are the supplier's and the city's business only.
"""

from django.db.models import Q, QuerySet

from portal.roles import actor_of

from .models import (
    ApplicationDocument,
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Evaluation,
    Product,
    Supplier,
    SupplierBase,
)


def _active_or_own(qs: QuerySet, user, *, active: Q, owner_field: str) -> QuerySet:
    actor = actor_of(user)
    if actor.is_city or actor.is_district_office:
        return qs
    if actor.is_supplier:
        return qs.filter(active | Q(**{owner_field: actor.organisation_id}))
    if actor.is_member:
        return qs.filter(active)
    return qs.none()


def supplier_for_user(user) -> QuerySet[Supplier]:
    qs = Supplier.objects.select_related("region")
    return _active_or_own(qs, user, active=Q(status=Supplier.Status.ACTIVE), owner_field="pk")


def base_for_user(user) -> QuerySet[SupplierBase]:
    qs = SupplierBase.objects.select_related("supplier", "region")
    active = Q(status=SupplierBase.Status.ACTIVE, supplier__status=Supplier.Status.ACTIVE)
    return _active_or_own(qs, user, active=active, owner_field="supplier_id")


def product_for_user(user) -> QuerySet[Product]:
    qs = Product.objects.select_related("supplier", "region", "base")
    active = Q(status=Product.Status.LISTED, supplier__status=Supplier.Status.ACTIVE)
    return _active_or_own(qs, user, active=active, owner_field="supplier_id")


def application_for_user(user) -> QuerySet[CertificationApplication]:
    """The city office and reviewers read every application; a supplier its own."""
    actor = actor_of(user)
    qs = CertificationApplication.objects.select_related("supplier", "scheme", "product", "base")
    if actor.is_city:
        return qs
    if actor.is_supplier:
        return qs.filter(supplier_id=actor.organisation_id)
    return qs.none()


def document_for_user(user) -> QuerySet[ApplicationDocument]:
    return ApplicationDocument.objects.filter(application__in=application_for_user(user))


def evaluation_for_user(user) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(application__in=application_for_user(user))


def certificate_for_user(user) -> QuerySet[Certificate]:
    """Certificates are public facts of the catalogue, but a supplier's page lists its own."""
    actor = actor_of(user)
    qs = Certificate.objects.select_related("scheme", "supplier", "product", "base")
    if actor.is_supplier:
        return qs.filter(supplier_id=actor.organisation_id)
    if actor.is_member:
        return qs
    return qs.none()


# A certificate that has since expired still covered the days of its validity; a suspended or
# revoked one no longer vouches for any day (api.md: "held a valid recognition on the date").
COUNTING_CERTIFICATE_STATUSES = (Certificate.Status.VALID, Certificate.Status.EXPIRED)


def recognition_cover(*, supplier_ids, first, last) -> dict[int, list[tuple]]:
    """For each supplier, the (valid_from, valid_until) periods of its recognition
    certificates that overlap [first, last]: one query for any number of purchases."""
    periods: dict[int, list[tuple]] = {}
    rows = Certificate.objects.filter(
        supplier_id__in=set(supplier_ids),
        scheme_id=CertificationScheme.Code.RECOGNITION,
        status__in=COUNTING_CERTIFICATE_STATUSES,
        valid_from__lte=last,
        valid_until__gte=first,
    ).values_list("supplier_id", "valid_from", "valid_until")
    for supplier_id, valid_from, valid_until in rows:
        periods.setdefault(supplier_id, []).append((valid_from, valid_until))
    return periods


def held_recognition(cover: dict[int, list[tuple]], supplier_id: int, day) -> bool:
    return any(start <= day <= end for start, end in cover.get(supplier_id, ()))
