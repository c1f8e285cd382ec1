"""Scoped reads of the 832 reconciliation: the imports and orders a user may see, and the
result for a period: matched (order ↔ purchase), only on the platform (ordered, never logged),
only logged (a ``platform_832`` purchase no order backs) and orders of units the portal does
not know (the city office's alone).

A unit's staff read their own unit's, a district office its district's units', the city office
everything; suppliers and reviewers nothing. Periods read orders by their order time and
purchases by their purchase date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from portal.money import ZERO

from .models import Channel, OrderImport, PlatformOrder, ProcurementRecord
from .selectors import monthly_total_for_user, record_for_user, scope_by_unit

MATCHED, ONLY_PLATFORM, ONLY_LOGGED, UNKNOWN_UNIT = (
    "matched",
    "only_platform",
    "only_logged",
    "unknown_unit",
)
STATES = (MATCHED, ONLY_PLATFORM, ONLY_LOGGED, UNKNOWN_UNIT)
ORDER_STATES = {
    MATCHED: Q(record__isnull=False),
    ONLY_PLATFORM: Q(record__isnull=True, budget_unit__isnull=False),
    UNKNOWN_UNIT: Q(budget_unit__isnull=True),
}


def order_import_for_user(user) -> QuerySet[OrderImport]:
    """The imports a user may list: the city office all; a district office its units'; a
    unit's staff their unit's own (the city's exports hold other units' orders)."""
    qs = OrderImport.objects.select_related("budget_unit", "uploaded_by")
    return scope_by_unit(qs, user, unit_field="budget_unit")


def platform_order_for_user(user) -> QuerySet[PlatformOrder]:
    """The orders a user may read; those of unknown units only the city office."""
    return scope_by_unit(PlatformOrder.objects.all(), user, unit_field="budget_unit")


@dataclass(frozen=True)
class Period:
    """A year, or a month of it; None: every order and purchase."""

    year: int | None = None
    month: int | None = None

    def days(self) -> tuple[datetime.date, datetime.date] | None:
        if self.year is None:
            return None
        if self.month is None:
            return datetime.date(self.year, 1, 1), datetime.date(self.year, 12, 31)
        first = datetime.date(self.year, self.month, 1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        return first, following - datetime.timedelta(days=1)

    def order_filter(self) -> Q:
        days = self.days()
        if days is None:
            return Q()
        zone = timezone.get_default_timezone()
        start = datetime.datetime.combine(days[0], datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(
            days[1] + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        return Q(ordered_at__gte=start, ordered_at__lt=end)

    def record_filter(self) -> Q:
        days = self.days()
        return Q() if days is None else Q(purchased_on__range=days)


def _narrowed(qs: QuerySet, budget_unit: int | None, unit_name: str) -> QuerySet:
    """``qs`` narrowed to one unit (by id), or to the units whose name holds ``unit_name``."""
    if budget_unit is not None:
        qs = qs.filter(budget_unit_id=budget_unit)
    if unit_name:
        qs = qs.filter(budget_unit__name__icontains=unit_name)
    return qs


def scoped_orders(*, user, period: Period, budget_unit: int | None = None, unit_name: str = ""):
    orders = platform_order_for_user(user).filter(period.order_filter())
    return _narrowed(orders, budget_unit, unit_name)


def only_logged_records(
    *, user, period: Period, budget_unit: int | None = None, unit_name: str = ""
) -> QuerySet[ProcurementRecord]:
    """The counted ``platform_832`` purchases that no order backs."""
    records = (
        record_for_user(user)
        .filter(period.record_filter(), channel=Channel.PLATFORM_832, platform_order__isnull=True)
        .exclude(status=ProcurementRecord.Status.REJECTED)
    )
    return _narrowed(records, budget_unit, unit_name)


def state_rows(
    *, user, state: str, period: Period, budget_unit: int | None = None, unit_name: str = ""
) -> QuerySet:
    """The rows of one state, newest first, with what a list shows of each: orders (with
    their unit and matched purchase) or, for ``only_logged``, purchases."""
    if state == ONLY_LOGGED:
        return (
            only_logged_records(
                user=user, period=period, budget_unit=budget_unit, unit_name=unit_name
            )
            .select_related(None)
            .select_related("budget_unit", "supplier")
            .order_by("-purchased_on", "-pk")
        )
    return (
        scoped_orders(user=user, period=period, budget_unit=budget_unit, unit_name=unit_name)
        .filter(ORDER_STATES[state])
        .select_related("budget_unit", "record", "record__supplier")
        .order_by("-ordered_at", "-pk")
    )


def state_totals(
    *, user, period: Period, budget_unit: int | None = None, unit_name: str = ""
) -> dict[str, dict]:
    """Count and amount of each state, in two queries (one over the orders, one over the
    purchases)."""
    aggregates = {}
    for state, condition in ORDER_STATES.items():
        aggregates[f"{state}_count"] = Count("pk", filter=condition)
        aggregates[f"{state}_amount"] = Sum("amount", filter=condition)
    orders = (
        scoped_orders(user=user, period=period, budget_unit=budget_unit, unit_name=unit_name)
        .order_by()
        .aggregate(**aggregates)
    )
    logged = _only_logged_totals(
        user=user, period=period, budget_unit=budget_unit, unit_name=unit_name
    )
    totals = {
        state: {
            "count": orders[f"{state}_count"] or 0,
            "amount": orders[f"{state}_amount"] or ZERO,
        }
        for state in ORDER_STATES
    }
    totals[ONLY_LOGGED] = logged
    return totals


def _only_logged_totals(*, user, period: Period, budget_unit: int | None, unit_name: str) -> dict:
    """Count and amount of ``only_logged_records``, without reading the purchases: the
    ``platform_832`` purchases counted in the running totals (``procurement.totals``, months
    being whole in a period) less those an order backs (as many as there are orders). The
    city's year is 10^5 such purchases; its orders far fewer."""
    months = monthly_total_for_user(user).filter(channel=Channel.PLATFORM_832)
    days = period.days()
    if days is not None:
        months = months.filter(month__range=days)
    matched = (
        record_for_user(user)
        .select_related(None)
        .filter(period.record_filter(), channel=Channel.PLATFORM_832, platform_order__isnull=False)
        .exclude(status=ProcurementRecord.Status.REJECTED)
    )
    months = _narrowed(months, budget_unit, unit_name)
    matched = _narrowed(matched, budget_unit, unit_name)
    logged = months.aggregate(count=Sum("records", default=0), amount=Sum("amount", default=ZERO))
    backed = matched.order_by().aggregate(count=Count("pk"), amount=Sum("amount", default=ZERO))
    return {
        "count": logged["count"] - backed["count"],
        "amount": logged["amount"] - backed["amount"],
    }
