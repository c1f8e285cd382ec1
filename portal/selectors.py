"""Scoped reads of the shared core."""

from django.db.models import QuerySet

from .models import DistrictPairing, Membership, Organisation, Region
from .roles import actor_of


def region_for_user(user) -> QuerySet[Region]:
    """Regions are public reference data (GB/T 2260): everyone reads them all."""
    return Region.objects.select_related("parent")


def pairing_for_user(user) -> QuerySet[DistrictPairing]:
    """The pairings are public policy: everyone reads them all."""
    return DistrictPairing.objects.select_related("district", "region", "region__parent")


def organisation_for_user(user) -> QuerySet[Organisation]:
    """Offices read every organisation (a district office those in its district, plus the
    suppliers every member reads); anyone else reads their own and the suppliers."""
    actor = actor_of(user)
    qs = Organisation.objects.select_related("region")
    if actor.is_city:
        return qs
    if actor.is_district_office:
        return qs.filter(region_id=actor.district_code) | qs.filter(kind=Organisation.Kind.SUPPLIER)
    if actor.is_member:
        return qs.filter(pk=actor.organisation_id) | qs.filter(kind=Organisation.Kind.SUPPLIER)
    return qs.none()


def city_districts() -> QuerySet[Region]:
    """The districts of the city the portal serves (the children of PORTAL_CITY_CODE)."""
    from django.conf import settings

    return Region.objects.filter(parent_id=settings.PORTAL_CITY_CODE).order_by("code")


def membership_for_user(user) -> QuerySet[Membership]:
    """The city office reads every membership; anyone else only their own."""
    actor = actor_of(user)
    qs = Membership.objects.select_related("user", "organisation")
    if actor.is_city_office:
        return qs
    if actor.is_member:
        return qs.filter(user_id=actor.user_id)
    return qs.none()
