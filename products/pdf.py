"""The printable certificate: an HTML template rendered to an A4 PDF by WeasyPrint, set in the
Noto CJK fonts installed on the machine (fonts-noto-cjk)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from .models import Certificate
from .trace import qr_png_data_uri


def certificate_pdf(certificate: Certificate, *, verify_url: str, base_url: str) -> bytes:
    """The certificate as PDF bytes. ``verify_url`` is the absolute address of the public
    verification page, printed on the certificate so anyone holding it can check it."""
    # Imported here: WeasyPrint loads Pango and the fonts, which only this download needs.
    from weasyprint import HTML

    html = render_to_string(
        "products/certificate_pdf.html",
        {
            "certificate": certificate,
            "city": settings.PORTAL_CITY_NAME,
            "verify_url": verify_url,
            "verify_qr": qr_png_data_uri(verify_url),
        },
    )
    return HTML(string=html, base_url=base_url).write_pdf()
