"""一品一码 (issue 10, point 4): a product's public page at its short URL, its QR code as SVG
and PNG, and the printable label.

All public, no sign-in and no left navigation (ui.md: public pages work well on a phone, since
that is what scans the code). ``short_urlpatterns`` are served at the site's root
(``portal.urls``): ``/p/<code>/`` is what the QR code encodes, short enough to type from a
label. ``urlpatterns`` (under ``/products/``) holds the label page.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from portal.periods import today

from ..trace import qr_png, qr_svg, trace_code_normalise, trace_path, trace_url
from ..trace_selectors import (
    EXITED,
    NO_CERTIFICATE,
    SUPPLIER_OUT,
    SUSPENDED,
    trace_code_exists,
    trace_label_product,
    trace_page,
)

# The public page changes when a certificate, a monitoring result or the product does, which
# is seldom: five minutes in the browser spares a visitor's reloads.
PAGE_MAX_AGE = 300
# A QR code depends on the code and the host only, and a product's code never changes.
QR_MAX_AGE = 86_400
# An A4 sheet of 70 × 42.3 mm sticky labels: 3 across, 7 down.
SHEET_LABELS = 21


def _code_or_404(code: str) -> str:
    normal = trace_code_normalise(code)
    if normal is None:
        raise Http404
    return normal


def _browser_cache(response: HttpResponse, max_age: int) -> HttpResponse:
    """The visitor's browser may keep the page a few minutes; a shared cache may not, since
    every page carries the visitor's own CSRF token (the language switch) and, signed in, the
    header with their name."""
    patch_cache_control(response, private=True, max_age=max_age)
    return response


@require_GET
def product_trace(request: HttpRequest, code: str) -> HttpResponse:
    """The product's public page. A code typed in lower case, or with O for 0, moves for good
    to its one spelling, so that caches and links share one address."""
    normal = _code_or_404(code)
    if normal != code:
        return redirect(trace_path(normal), permanent=True)
    page = trace_page(code=normal, as_of=today())
    if page is None:
        raise Http404
    response = render(
        request,
        "products/trace/product.html",
        {
            "page": page,
            "product": page.product,
            "trace_url": trace_url(request, normal),
            "reasons": set(page.reasons),
            "EXITED": EXITED,
            "SUSPENDED": SUSPENDED,
            "SUPPLIER_OUT": SUPPLIER_OUT,
            "NO_CERTIFICATE": NO_CERTIFICATE,
            "navigation": (),  # a public page: no left navigation, signed in or not
        },
    )
    return _browser_cache(response, PAGE_MAX_AGE)


def _qr(code: str, *, content: bytes, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{code}.{extension}"'
    # The image is the same for everyone on this host: no cookie, no user in it.
    patch_cache_control(response, public=True, max_age=QR_MAX_AGE)
    return response


def _existing(code: str) -> str:
    normal = _code_or_404(code)
    if not trace_code_exists(normal):
        raise Http404
    return normal


@require_GET
def product_trace_qr_svg(request: HttpRequest, code: str) -> HttpResponse:
    """The QR code of the product's short URL, as SVG (scales to any print size)."""
    normal = _existing(code)
    url = trace_url(request, normal)
    svg = qr_svg(url, title=url)
    return _qr(normal, content=svg, content_type="image/svg+xml", extension="svg")


@require_GET
def product_trace_qr_png(request: HttpRequest, code: str) -> HttpResponse:
    """The same QR code as a PNG image, for tools that take no SVG."""
    normal = _existing(code)
    png = qr_png(trace_url(request, normal))
    return _qr(normal, content=png, content_type="image/png", extension="png")


@require_GET
def trace_label(request: HttpRequest, code: str) -> HttpResponse:
    """The printable label: the product's name, its short URL written out and the QR code; one
    label, or with ``?sheet=1`` an A4 sheet of them. Public, like everything on it: suppliers
    print it for their crates and packaging, the office for the outlets."""
    normal = _code_or_404(code)
    if normal != code:
        query = request.GET.urlencode()
        target = reverse("products:trace_label", kwargs={"code": normal})
        return redirect(f"{target}?{query}" if query else target)
    product = trace_label_product(normal)
    if product is None:
        raise Http404
    sheet = request.GET.get("sheet") == "1"
    response = render(
        request,
        "products/trace/label.html",
        {
            "product": product,
            "trace_url": trace_url(request, normal),
            "sheet": sheet,
            "labels": range(SHEET_LABELS if sheet else 1),
            "navigation": (),
        },
    )
    return _browser_cache(response, PAGE_MAX_AGE)


urlpatterns = [
    path("trace/<str:code>/label/", trace_label, name="trace_label"),
]

short_urlpatterns = [
    path("p/<str:code>/", product_trace, name="product_trace"),
    path("p/<str:code>/qr.svg", product_trace_qr_svg, name="product_trace_qr_svg"),
    path("p/<str:code>/qr.png", product_trace_qr_png, name="product_trace_qr_png"),
]
