"""The public catalogue (名库): listed products holding a valid certificate, for everyone.

No sign-in and no left navigation (ui.md: public pages). The page, its Excel export, the
product page and the API all read through ``catalogue_products`` in ``products.selectors``.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET

from portal.periods import today

from ..exports import MAX_CATALOGUE_EXPORT_ROWS, XLSX, catalogue_workbook
from ..forms.catalogue import FILTER_KEYS, CatalogueFilterForm
from ..selectors import catalogue_product_page, catalogue_products, catalogue_region_options
from ..trace import trace_url

CATALOGUE_PAGE_SIZE = 24


def _filtered(request: HttpRequest, as_of):
    """The filter form and the products it selects, for the page and its export alike. Invalid
    filters select nothing and say why, rather than silently showing everything."""
    form = CatalogueFilterForm(request.GET or None, regions=catalogue_region_options(as_of=as_of))
    if not form.is_bound:
        return form, catalogue_products(as_of=as_of)
    if not form.is_valid():
        return form, catalogue_products(as_of=as_of).none()
    return form, catalogue_products(as_of=as_of, filters=form.filters())


def _kept_filters(request: HttpRequest) -> str:
    """The list's query string, reduced to its filters, to come back to the same list."""
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        if request.GET.get(key):
            kept[key] = request.GET[key]
    return kept.urlencode()


def _photos_served() -> bool:
    """Photos are shown through the suppliers' public photo view; until that view exists the
    pages render without them."""
    try:
        reverse("products:product_photo", args=[1])
    except NoReverseMatch:
        return False
    return True


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    as_of = today()
    form, products = _filtered(request, as_of)
    page = Paginator(products, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(request.GET.get(key) for key in FILTER_KEYS if key not in ("page", "sort"))
    return render(
        request,
        "products/catalogue.html",
        {
            "filters": form,
            "filtered": filtered,
            "page": page,
            "total": page.paginator.count,
            "as_of": as_of,
            "kept": _kept_filters(request),
            "export_cap": MAX_CATALOGUE_EXPORT_ROWS,
            "navigation": (),  # a public page: no left navigation, signed in or not
        },
    )


@require_GET
def catalogue_export(request: HttpRequest) -> FileResponse:
    """Exactly the products the catalogue's filters select, in the page's order, as .xlsx."""
    as_of = today()
    _form, products = _filtered(request, as_of)
    return FileResponse(
        catalogue_workbook(products, as_of=as_of),
        as_attachment=True,
        filename=f"消费帮扶产品名库-{as_of.isoformat()}.xlsx",
        content_type=XLSX,
    )


@require_GET
def catalogue_product(request: HttpRequest, pk: int) -> HttpResponse:
    """A product's public page; 404 unless it is in the catalogue today."""
    as_of = today()
    product = get_object_or_404(catalogue_product_page(as_of=as_of), pk=pk)
    return render(
        request,
        "products/catalogue_product.html",
        {
            "product": product,
            "as_of": as_of,
            "kept": _kept_filters(request),
            "photos_served": _photos_served(),
            # 一品一码: the short address the product's label prints, and its QR code.
            "trace_url": trace_url(request, product.trace_code),
            "navigation": (),
        },
    )


urlpatterns = [
    path("catalogue/", catalogue, name="catalogue"),
    path("catalogue/export/", catalogue_export, name="catalogue_export"),
    path("catalogue/<int:pk>/", catalogue_product, name="catalogue_product"),
]
