"""一品一码 (one product, one code): a product's short public address and the QR code printed on
its label.

Issue 10, point 4: each certified product has a public page at a stable short URL,
``/p/<trace_code>/``, and a printable QR code leading to it. The code is
``Product.trace_code`` (8 characters of ``TRACE_ALPHABET``, set once on creation); the QR code
encodes the absolute short URL, so a phone's camera opens the page without an app.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from .models import TRACE_ALPHABET
from .models.catalogue import TRACE_CODE_LENGTH

# Crockford's decoding of a code read off a label and typed by hand: the letters left out of
# the alphabet because they look like digits are read as those digits.
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})

# Error correction "M": about 15% of the symbol may be smudged, scratched or torn off a
# label on a crate and it still reads; "H" would make the symbol a version larger for little.
QR_ERROR = "m"
# A quiet zone of four modules all round, as ISO/IEC 18004 asks: scanners need it.
QR_BORDER = 4
# Pixels per module of the PNG: 8 gives a ~300 px image for a short URL, sharp when printed
# at 3–4 cm. The SVG has no size of its own; the page or the label gives it one.
QR_PNG_SCALE = 8


def trace_code_normalise(code: str) -> str | None:
    """The stored form of a code a visitor typed or a scanner read (upper case, look-alike
    letters read as digits), or None when it cannot be a product's code at all."""
    code = (code or "").strip().upper().translate(_LOOK_ALIKES)
    if len(code) != TRACE_CODE_LENGTH or any(char not in TRACE_ALPHABET for char in code):
        return None
    return code


def trace_path(code: str) -> str:
    """The short path of a product's public page, ``/p/<code>/``."""
    return reverse("product_trace", kwargs={"code": code})


def public_url(request: HttpRequest, path: str) -> str:
    """The absolute address of ``path`` as printed on paper (labels, certificates).

    ``settings.PORTAL_SITE_URL`` (e.g. ``https://xfbf.sz.gov.cn``), when a deployment sets one,
    is the canonical address, so that a page printed from an internal host name still leads
    the public to the public site; otherwise the scheme and host of the request (behind the
    TLS proxy, ``SECURE_PROXY_SSL_HEADER`` makes that https)."""
    site = settings.PORTAL_SITE_URL
    if site:
        return site.rstrip("/") + path
    return request.build_absolute_uri(path)


def trace_url(request: HttpRequest, code: str) -> str:
    """The absolute short URL a label prints and its QR code encodes."""
    return public_url(request, trace_path(code))


def certificate_verify_url(request: HttpRequest, number: str) -> str:
    """The absolute address of a certificate's public verification, printed on it."""
    query = urlencode({"number": number})
    return public_url(request, f"{reverse('products:certificate_verify')}?{query}")


def _symbol(url: str) -> segno.QRCode:
    # micro=False: phone cameras do not read Micro QR codes. segno raises the error level
    # above QR_ERROR when that costs no larger symbol.
    return segno.make(url, error=QR_ERROR, micro=False)


def qr_svg(url: str, *, title: str = "") -> bytes:
    """The QR code of ``url`` as a standalone SVG document without a fixed size (a viewBox
    only), to be scaled by the page or the label it is printed on."""
    out = io.BytesIO()
    _symbol(url).save(
        out,
        kind="svg",
        border=QR_BORDER,
        omitsize=True,
        title=title or None,
        dark="#000",
        light="#fff",
    )
    return out.getvalue()


def qr_png_data_uri(url: str) -> str:
    """The QR code of ``url`` as a ``data:`` PNG, drawn inside the page that shows it (the
    certificate), so that printing it needs no further request."""
    return _symbol(url).png_data_uri(border=QR_BORDER, scale=QR_PNG_SCALE)


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as a PNG image (black on white)."""
    out = io.BytesIO()
    _symbol(url).save(out, kind="png", border=QR_BORDER, scale=QR_PNG_SCALE)
    return out.getvalue()
