"""Monthly sales reports of the outlets (issue 5, point 2): the outlet's operator, the district
office of its district or the city office reports what the outlet sold of assistance products
in a month; a second report of the same month corrects the first.

The rules of one report live in ``check_sales``, which checks one row or a whole imported file
in a fixed number of queries, so the page, the API and the import share one implementation:

- a month may be reported from its first day on (the current month is a running figure the
  reporter corrects at its end); later months are refused;
- the outlet must have been active on at least one day of the month (``was_active_in``): not
  before its opening, not after its exit (动态退出: an exited outlet still reports the months it
  was open), not a month it spent wholly suspended;
- the amount is yuan, not negative, at most two decimals, and at most ``MAX_MONTHLY_SALES``.

A correction overwrites the amount; the previous amount is returned to the caller and logged
(``outlets.sales`` logger), since the report model keeps no history table.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.formatting import yuan
from portal.roles import actor_of

from ..models import Outlet, OutletSalesReport
from ..selectors import Month, may_report_sales, status_histories, was_active_in

logger = logging.getLogger("outlets.sales")

# An outlet's month above ¥10m is a typing error (a missing decimal point): the city centre, the
# largest outlet, sells a few million a month, and procurement.rules caps one purchase the same.
MAX_MONTHLY_SALES = Decimal("10000000.00")


@dataclass(frozen=True)
class SalesRow:
    """One month's sales of one outlet, as typed in the page, the API or a row of a file."""

    outlet: Outlet
    year: int
    month: int
    amount: Decimal | None


@dataclass
class SalesErrors:
    """What is wrong with one row: field (``month``, ``amount``) → messages."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)


@dataclass(frozen=True)
class SalesResult:
    """The saved report; ``previous`` is the amount it replaced (None for a first report)."""

    report: OutletSalesReport
    previous: Decimal | None

    @property
    def created(self) -> bool:
        return self.previous is None


def month_label(month: Month) -> str:
    """A month as the tables write it: 2026-03."""
    return str(month)


def month_error(*, month: Month, as_of: datetime.date) -> str | None:
    """Why ``month`` cannot be reported by anyone on ``as_of`` (it has not begun), or None."""
    if month > Month.of(as_of):
        return _(
            "%(month)s has not begun yet: a month's sales can be reported from its first day."
        ) % {"month": month_label(month)}
    return None


def amount_error(amount: Decimal | None) -> str | None:
    """Why an amount is not a month's sales in yuan, or None."""
    if amount is None or not amount.is_finite():
        return _("Give the month's sales in yuan, e.g. 12,345.60.")
    if amount < 0:
        return _("Sales cannot be negative; report 0 for a month without sales.")
    if -amount.as_tuple().exponent > 2:
        return _("Give the amount in yuan with at most 2 decimal places (fen).")
    if amount > MAX_MONTHLY_SALES:
        return _(
            "¥%(amount)s is more than an outlet sells in a month (at most ¥%(limit)s); "
            "check the decimal point."
        ) % {"amount": f"{amount:,.2f}", "limit": f"{MAX_MONTHLY_SALES:,.0f}"}
    return None


def _activity_error(outlet: Outlet, month: Month, history) -> str | None:
    if was_active_in(outlet, month, history):
        return None
    values = {"outlet": outlet.name, "month": month_label(month)}
    if outlet.opened_on is not None and outlet.opened_on > month.last_day:
        values["date"] = outlet.opened_on.isoformat()
        return _("“%(outlet)s” opened on %(date)s: it has no sales to report for %(month)s.") % (
            values
        )
    if outlet.exited_on is not None and outlet.exited_on < month.first_day:
        values["date"] = outlet.exited_on.isoformat()
        return _("“%(outlet)s” exited on %(date)s: it has no sales to report for %(month)s.") % (
            values
        )
    if outlet.status == Outlet.Status.EXITED and not history:
        return _("“%(outlet)s” has exited and its exit date is not recorded.") % values
    return (
        _(
            "“%(outlet)s” was not active at any time in %(month)s (suspended or exited): "
            "there are no sales to report."
        )
        % values
    )


def check_sales(rows: Sequence[SalesRow], *, as_of: datetime.date) -> list[SalesErrors]:
    """The month and amount rules of every row, in one query (the outlets' status changes)."""
    histories = status_histories({row.outlet.pk for row in rows})
    results = []
    for row in rows:
        errors = SalesErrors()
        try:
            month = Month(row.year, row.month)
        except (TypeError, ValueError):
            errors.add("month", _("Choose a month from 1 to 12."))
            month = None
        if month is not None:
            message = month_error(month=month, as_of=as_of) or _activity_error(
                row.outlet, month, histories.get(row.outlet.pk, [])
            )
            if message:
                errors.add("month", message)
        message = amount_error(row.amount)
        if message:
            errors.add("amount", message)
        results.append(errors)
    return results


def require_sales_reporter(user, outlet: Outlet) -> None:
    """Only the outlet's operator, the district office of its district or the city office
    reports its sales (issue 5, point 2)."""
    if not may_report_sales(user, outlet):
        raise PermissionDenied(
            _(
                "Only the outlet's operator, the coordination office of its district or the city "
                "office may report its sales."
            )
        )


def log_correction(*, user, report: OutletSalesReport, previous: Decimal) -> None:
    logger.info(
        "sales corrected: outlet=%s month=%s-%02d %s -> %s by user=%s",
        report.outlet_id,
        report.year,
        report.month,
        previous,
        report.amount,
        actor_of(user).user_id,
    )


@transaction.atomic
def sales_report_set(
    *,
    actor,
    outlet: Outlet,
    year: int,
    month: int,
    amount: Decimal,
    as_of: datetime.date,
) -> SalesResult:
    """Report (or correct) one outlet's sales of assistance products in one month.

    Issue 5, point 2: each active outlet's operator (or the district office) reports monthly
    sales. The rules are ``check_sales``'s; refusals are a ``ValidationError`` on ``month`` or
    ``amount``, a user who may not report this outlet gets ``PermissionDenied``."""
    require_sales_reporter(actor, outlet)
    (errors,) = check_sales([SalesRow(outlet, year, month, amount)], as_of=as_of)
    if errors:
        raise ValidationError(errors.errors)
    report = (
        OutletSalesReport.objects.select_for_update()
        .filter(outlet=outlet, year=year, month=month)
        .first()
    )
    previous = None
    if report is None:
        report = OutletSalesReport(outlet=outlet, year=year, month=month)
    else:
        previous = report.amount
    report.amount = amount
    report.reported_by = actor
    report.full_clean(validate_unique=False, validate_constraints=False)
    report.save()
    if previous is not None:
        log_correction(user=actor, report=report, previous=previous)
    return SalesResult(report=report, previous=previous)


def correction_message(result: SalesResult) -> str:
    """What the reporter reads after a save: the amount, and what it replaced."""
    report = result.report
    values = {
        "outlet": report.outlet.name,
        "month": month_label(Month(report.year, report.month)),
        "amount": yuan(report.amount),
    }
    if result.previous is None:
        return _("Reported: %(outlet)s sold %(amount)s in %(month)s.") % values
    values["previous"] = yuan(result.previous)
    return _("Corrected: %(outlet)s sold %(amount)s in %(month)s (was %(previous)s).") % values
