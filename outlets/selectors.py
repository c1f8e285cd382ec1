"""Scoped reads of outlets. The public reads active outlets; a district office manages the
outlets of its district, the city office every outlet; an operator reads its own."""

from django.db.models import Q, QuerySet

from portal.roles import actor_of

from .models import Inspection, Outlet, OutletSalesReport, OutletStatusChange


def outlet_public() -> QuerySet[Outlet]:
    """What the outlet finder shows anyone, signed in or not."""
    return Outlet.objects.select_related("district").filter(status=Outlet.Status.ACTIVE)


def outlet_for_user(user) -> QuerySet[Outlet]:
    """Outlets the user manages (offices) or operates (suppliers); the public finder for all."""
    actor = actor_of(user)
    qs = Outlet.objects.select_related("district", "operator")
    if actor.is_city_office:
        return qs
    if actor.is_district_office:
        return qs.filter(district_id=actor.district_code)
    if actor.is_supplier:
        return qs.filter(Q(status=Outlet.Status.ACTIVE) | Q(operator_id=actor.organisation_id))
    return qs.filter(status=Outlet.Status.ACTIVE)


def _managed(user) -> QuerySet[Outlet]:
    actor = actor_of(user)
    if actor.is_city_office:
        return Outlet.objects.all()
    if actor.is_district_office:
        return Outlet.objects.filter(district_id=actor.district_code)
    if actor.is_supplier:
        return Outlet.objects.filter(operator_id=actor.organisation_id)
    return Outlet.objects.none()


def sales_report_for_user(user) -> QuerySet[OutletSalesReport]:
    return OutletSalesReport.objects.select_related("outlet").filter(outlet__in=_managed(user))


def inspection_for_user(user) -> QuerySet[Inspection]:
    return Inspection.objects.select_related("outlet").filter(outlet__in=_managed(user))


def status_change_for_user(user) -> QuerySet[OutletStatusChange]:
    return OutletStatusChange.objects.select_related("outlet").filter(outlet__in=_managed(user))
