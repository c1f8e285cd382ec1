"""Scoped reads of report runs: the city office reads all, a district office its own
district's runs, nobody else any."""

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from outlets.selectors import outlet_for_user
from portal.money import ZERO
from portal.notifications import notification_for_user
from portal.periods import Quarter, year_bounds
from portal.roles import actor_of
from procurement.selectors import (
    annual_target_for_user,
    budget_unit_for_user,
    declaration_for_user,
    monthly_total_for_user,
    quota_policy_for_user,
    submission_for_user,
)
from products.models import Certificate, CertificationApplication, Product, Supplier
from products.selectors import application_for_user, certificate_for_user, product_for_user

from .models import ReportRun


def report_run_for_user(user) -> QuerySet[ReportRun]:
    actor = actor_of(user)
    qs = ReportRun.objects.select_related("district")
    if actor.is_city_office:
        return qs
    if actor.is_district_office:
        return qs.filter(district_id=actor.district_code)
    return qs.none()


def home_figures(*, user, as_of) -> dict:
    """The few figures each role's home page opens with, all computed in the database
    through the scoped querysets, so a role sees totals of what it may see only."""
    actor = actor_of(user)
    first, last = year_bounds(as_of.year)
    figures: dict = {"year": as_of.year, "quarter": Quarter.of(as_of)}
    if actor.is_unit or actor.is_office:
        # From the running totals (procurement.totals): the year's counted purchases of the
        # units the user may read, without adding up a city's million purchases.
        assistance = (
            monthly_total_for_user(user)
            .filter(month__range=(first, last))
            .aggregate(total=Coalesce(Sum("amount"), ZERO), count=Coalesce(Sum("records"), 0))
        )
        agri = (
            declaration_for_user(user)
            .filter(year=as_of.year)
            .aggregate(total=Coalesce(Sum("agri_total"), ZERO))["total"]
        )
        figures.update(
            required_share=quota_policy_for_user(user)
            .filter(year=as_of.year)
            .values_list("ratio", flat=True)
            .first(),
            assistance_total=assistance["total"],
            record_count=assistance["count"],
            agri_total=agri,
            share=(assistance["total"] / agri) if agri else None,
        )
    if actor.is_unit:
        submitted = set(
            submission_for_user(user)
            .filter(year=as_of.year, status="submitted")
            .values_list("quarter", flat=True)
        )
        figures["quarters"] = [
            {
                "quarter": Quarter(as_of.year, q),
                "submitted": q in submitted,
                "ended": Quarter(as_of.year, q).has_ended(as_of=as_of),
            }
            for q in (1, 2, 3, 4)
        ]
    if actor.is_office:
        figures["units_total"] = budget_unit_for_user(user).count()
        target = annual_target_for_user(user).filter(year=as_of.year)
        target = (
            target.filter(district_id=actor.district_code)
            if actor.is_district_office
            else (target.filter(district__isnull=True))
        )
        figures["target"] = target.values_list("amount", flat=True).first()
        figures["target_progress"] = (
            figures["assistance_total"] / figures["target"] if figures["target"] else None
        )
        figures["outlets_active"] = outlet_for_user(user).filter(status="active").count()
    figures["unread_notifications"] = (
        notification_for_user(user).filter(read_at__isnull=True).count()
    )
    if actor.is_supplier:
        figures["supplier_status"] = (
            Supplier.objects.filter(pk=actor.organisation_id)
            .values_list("status", flat=True)
            .first()
        )
        figures["products"] = (
            product_for_user(user)
            .filter(supplier_id=actor.organisation_id)
            .aggregate(
                listed=Count("id", filter=Q(status=Product.Status.LISTED)),
                total=Count("id"),
            )
        )
        figures["certificates_valid"] = (
            certificate_for_user(user).filter(status=Certificate.Status.VALID).count()
        )
    if actor.is_supplier or actor.is_city:
        figures["applications"] = application_for_user(user).aggregate(
            waiting=Count(
                "id",
                filter=Q(
                    status__in=[
                        CertificationApplication.Status.SUBMITTED,
                        CertificationApplication.Status.UNDER_REVIEW,
                    ]
                ),
            ),
            drafts=Count("id", filter=Q(status=CertificationApplication.Status.DRAFT)),
        )
    return figures
