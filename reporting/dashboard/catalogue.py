"""The figures that do not read purchases: the outlets by kind and the certified products."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from outlets.models import Outlet
from outlets.selectors import outlet_for_user
from products.models import CertificationScheme, Product, Supplier
from products.selectors import certificate_for_user, certificates_valid_on

from .rows import KindCount, SchemeCount
from .scope import DashboardScope


def outlets(user, scope: DashboardScope) -> list[KindCount]:
    """Outlets by kind: active now, and opened in the period."""
    found = outlet_for_user(user)
    if scope.district:
        found = found.filter(district_id=scope.district)
    rows = (
        found.order_by()
        .values("kind")
        .annotate(
            active=Count("pk", filter=Q(status=Outlet.Status.ACTIVE)),
            opened=Count("pk", filter=Q(opened_on__range=(scope.first, scope.last))),
        )
    )
    counts = {row["kind"]: (row["active"], row["opened"]) for row in rows}
    return [KindCount(kind, *counts.get(kind, (0, 0))) for kind in Outlet.Kind.values]


def certified(user, as_of: datetime.date) -> tuple[int, list[SchemeCount]]:
    """Listed products of active suppliers holding a certificate valid today (the public
    catalogue's rule: ``products.selectors.certificates_valid_on``), in all and by scheme, in
    one pass over the certificates. Products are the city's, whatever the district: the
    offices read every certificate and every product."""
    schemes = [
        (code, label)
        for code, label in CertificationScheme.Code.choices
        if code != CertificationScheme.Code.BASE
    ]
    valid = certificate_for_user(user) & certificates_valid_on(as_of)
    counts = (
        valid.filter(
            product__status=Product.Status.LISTED,
            product__supplier__status=Supplier.Status.ACTIVE,
        )
        .order_by()
        .aggregate(
            total=Count("product_id", distinct=True),
            **{
                f"scheme_{index}": Count("product_id", distinct=True, filter=Q(scheme_id=code))
                for index, (code, _label) in enumerate(schemes)
            },
        )
    )
    return counts["total"], [
        SchemeCount(code, str(label), counts[f"scheme_{index}"])
        for index, (code, label) in enumerate(schemes)
    ]
