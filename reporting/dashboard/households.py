"""The households the city's spending reached (issue 10, point 4: 一品一码, from any purchase the
chain back to the county it helped).

A purchase names a product; the product its region of origin and the poor households it
lifts (``Product.households_lifted``, 带贫能力). The households reached in a period are the
sum of ``households_lifted`` over the distinct certified products the visible units bought
in it (records not rejected): a product bought a thousand times lifts its households once.

"Certified" is the purchases' own rule (``products.selectors.COUNTING_CERTIFICATE_STATUSES``):
the product held a certificate that vouches for purchases (valid, or since expired; never
suspended or revoked) whose period overlaps the dashboard's. Purchases naming no product
reach no household we can name and count for none.

One query, grouped by region of origin: the database walks the products (10^4), asking of
each whether one purchase in scope exists (an index probe on the records' product, not a scan
of the 10^6 records) and whether a certificate covers the period; Python adds up the
counties' rows (bounded by the country's ~2,800 counties) for the total.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Sum

from procurement.models import ProcurementRecord
from procurement.selectors import scope_by_unit
from products.models import Certificate, Product
from products.selectors import COUNTING_CERTIFICATE_STATUSES

from .rows import CountyHouseholds
from .scope import DashboardScope


def reached_products(user, scope: DashboardScope):
    """The distinct certified products the user's visible units bought in the scope's period
    (and district), records not rejected."""
    bought = (
        scope_by_unit(ProcurementRecord.objects.order_by(), user, unit_field="budget_unit")
        .filter(
            product=OuterRef("pk"),
            purchased_on__range=(scope.first, scope.last),
        )
        .exclude(status=ProcurementRecord.Status.REJECTED)
    )
    if scope.district:
        bought = bought.filter(budget_unit__region_id=scope.district)
    certified = Certificate.objects.order_by().filter(
        product=OuterRef("pk"),
        status__in=COUNTING_CERTIFICATE_STATUSES,
        valid_from__lte=scope.last,
        valid_until__gte=scope.first,
    )
    return Product.objects.order_by().filter(Exists(bought), Exists(certified))


def households_reached(user, scope: DashboardScope) -> tuple[int, list[CountyHouseholds]]:
    """The households reached in all, and by region of origin (county), most first."""
    rows = (
        reached_products(user, scope)
        .values(
            "region_id",
            "region__name",
            "region__parent__name",
            "region__parent__parent__name",
        )
        .annotate(households=Sum("households_lifted"), products=Count("pk"))
    )
    counties = [
        CountyHouseholds(
            code=row["region_id"],
            name=row["region__name"],
            area="".join(
                name
                for name in (row["region__parent__parent__name"], row["region__parent__name"])
                if name
            ),
            products=row["products"],
            households=row["households"] or 0,
        )
        for row in rows
    ]
    counties.sort(key=lambda row: (-row.households, row.code))
    return sum(row.households for row in counties), counties
