"""The public product page of 一品一码 at city scale: ``/p/<code>/`` of the product bought most,
signed out, as a member of the public scanning its label reads it. Its queries are bounded (the
product, its certificates, its monitoring, its photos) whatever the purchases and certificates;
the measurement shows it stays a public page's time at 10^6 records."""

from __future__ import annotations

from .measure import Measurement


def trace_page(bench) -> None:
    from django.db.models import Count

    from procurement.models import ProcurementRecord
    from products.models import Product

    top = (
        ProcurementRecord.objects.filter(product__isnull=False)
        .values("product")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("product", flat=True)[:1]
    )
    product = Product.objects.get(pk=top[0])
    url = f"/p/{product.trace_code}/"

    def check(response) -> str:
        return "ok" if product.name in response.content.decode() else "product name missing"

    samples, verdict, details = bench.page("trace_page", bench.public, url, check=check)
    bench.record(Measurement("trace_page", samples, check=verdict, details=details))
