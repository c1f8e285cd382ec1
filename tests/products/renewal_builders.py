"""Hand-built certification records for the renewal tests: an approved application with its
documents, and a certificate issued on it, without running the review journey (whose own
tests are elsewhere)."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from products.models import (
    ApplicationDocument,
    Certificate,
    CertificationApplication,
    CertificationScheme,
)
from tests import factories as f

PDF = b"%PDF-1.4\n% a scanned document\n"
AS_OF = datetime.date(2026, 11, 23)
DAY = datetime.timedelta(days=1)


def approved_application(
    supplier_user,
    product,
    scheme: str = "recognition",
    *,
    documents: tuple[str, ...] = ("licence",),
    decided_at: datetime.datetime | None = None,
    **facts,
) -> CertificationApplication:
    """An approved application of ``product`` with one stored PDF per kind in ``documents``."""
    application = CertificationApplication.objects.create(
        supplier=product.supplier,
        scheme_id=scheme,
        product=product,
        status=CertificationApplication.Status.APPROVED,
        standard_claimed=facts.get("standard_claimed", "《“圳品”评价规范》"),
        poverty_link=facts.get("poverty_link", "保底收购，带动脱贫户种植芒果"),
        households=facts.get("households", 120),
        decided_at=decided_at or timezone.now(),
    )
    for kind in documents:
        ApplicationDocument.objects.create(
            application=application,
            kind=kind,
            file=ContentFile(PDF, name=f"{kind}.pdf"),
            original_name=f"{kind}-2024.pdf",
            content_type="application/pdf",
            size=len(PDF),
            sha256="0" * 64,
            uploaded_by=supplier_user,
        )
    return application


def certificate_on(
    application: CertificationApplication | None,
    *,
    product=None,
    until: datetime.date = AS_OF + 45 * DAY,
    status: str = Certificate.Status.VALID,
    **extra,
) -> Certificate:
    """A certificate issued on ``application`` (or, with ``application=None``, one brought in
    without one for ``product``), valid until ``until``."""
    product = application.product if application is not None else product
    return f.CertificateFactory(
        product=product,
        supplier=product.supplier,
        scheme=CertificationScheme.objects.get(
            code=application.scheme_id if application is not None else "recognition"
        ),
        application=application,
        valid_from=datetime.date(2024, 12, 1),
        valid_until=until,
        status=status,
        **extra,
    )
