"""Scoped reads of budget units and everything they record.

A clerk or approver reads only their unit, a district office the units of its district,
the city office every unit; suppliers and reviewers read no unit's procurement.
"""

from django.db.models import QuerySet

from portal.roles import actor_of

from .models import (
    AnnualTarget,
    BudgetUnit,
    Declaration,
    ProcurementRecord,
    QuarterSubmission,
    QuotaPolicy,
    Voucher,
)


def _scope_by_unit(qs: QuerySet, user, *, unit_field: str) -> QuerySet:
    actor = actor_of(user)
    if actor.is_city_office:
        return qs
    if actor.is_district_office:
        return qs.filter(**{f"{unit_field}__region_id": actor.district_code})
    if actor.is_unit:
        return qs.filter(**{f"{unit_field}_id": actor.organisation_id})
    return qs.none()


def budget_unit_for_user(user) -> QuerySet[BudgetUnit]:
    actor = actor_of(user)
    qs = BudgetUnit.objects.select_related("region")
    if actor.is_city_office:
        return qs
    if actor.is_district_office:
        return qs.filter(region_id=actor.district_code)
    if actor.is_unit:
        return qs.filter(pk=actor.organisation_id)
    return qs.none()


def record_for_user(user) -> QuerySet[ProcurementRecord]:
    qs = ProcurementRecord.objects.select_related("budget_unit", "supplier", "product")
    return _scope_by_unit(qs, user, unit_field="budget_unit")


def declaration_for_user(user) -> QuerySet[Declaration]:
    return _scope_by_unit(
        Declaration.objects.select_related("budget_unit"), user, unit_field="budget_unit"
    )


def submission_for_user(user) -> QuerySet[QuarterSubmission]:
    return _scope_by_unit(
        QuarterSubmission.objects.select_related("budget_unit"), user, unit_field="budget_unit"
    )


def voucher_for_user(user) -> QuerySet[Voucher]:
    return _scope_by_unit(Voucher.objects.all(), user, unit_field="record__budget_unit")


def quota_policy_for_user(user) -> QuerySet[QuotaPolicy]:
    """The policy is public to every member: units must know the rule they are held to."""
    return QuotaPolicy.objects.all() if actor_of(user).is_member else QuotaPolicy.objects.none()


def annual_target_for_user(user) -> QuerySet[AnnualTarget]:
    actor = actor_of(user)
    qs = AnnualTarget.objects.select_related("district")
    if actor.is_city_office:
        return qs
    if actor.is_district_office:
        return qs.filter(district_id=actor.district_code)
    return qs.none()
