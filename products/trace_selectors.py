"""Reads of 一品一码 (traceability): a product's public page behind its short URL, and the chain
from a purchase back to the county it helped.

Issue 10, point 4. The public page reads what the public may read of any product whose
supplier has been vetted: the catalogue's facts, the certificates, the supplier's name and
credit code (printed on its business licence), the base, the region of origin, the households
lifted and the recent monitoring results. A fixed number of queries whatever the number of
certificates or monitoring records.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from portal.models import Region

from .models import Certificate, MonitoringRecord, Product, Supplier, SupplierBase

# The public page lists the most recent monitoring results, this many.
RECENT_MONITORING = 5

# What the page says of a product that does not stand in the catalogue today, most serious
# first; the template words each reason.
EXITED, SUSPENDED, SUPPLIER_OUT, NO_CERTIFICATE = (
    "product_exited",
    "product_suspended",
    "supplier_out",
    "no_certificate",
)


def origin_chain(region: Region | None) -> list[Region]:
    """A region and its ancestors, the county first (county ← city ← province). Reads only
    what ``select_related("…region__parent__parent")`` brought: no query."""
    chain: list[Region] = []
    while region is not None and len(chain) < 3:
        chain.append(region)
        region = region.parent
    return chain


def certificate_standing(certificate: Certificate, as_of: datetime.date) -> str:
    """The certificate's status as it stands on ``as_of``: a valid one whose period is over is
    expired, one not yet begun is not valid yet (``pending``), whatever the nightly job has
    marked."""
    if certificate.status == Certificate.Status.VALID:
        if certificate.valid_until < as_of:
            return Certificate.Status.EXPIRED
        if certificate.valid_from > as_of:
            return Certificate.Status.PENDING
    return certificate.status


@dataclass
class TracePage:
    """What the public page of a product shows."""

    product: Product
    as_of: datetime.date
    certificates: list[Certificate]
    monitoring: list[MonitoringRecord]
    origin: list[Region]
    photos: list = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def certified(self) -> bool:
        """In the public catalogue today: listed, by an active supplier, with a product
        certificate valid today (``products.selectors.catalogue_products``)."""
        return not self.reasons

    @property
    def valid_certificates(self) -> list[Certificate]:
        return [c for c in self.certificates if c.standing == Certificate.Status.VALID]


def trace_product(code: str) -> Product | None:
    """The product with this (normalised) code, with its supplier, base and region of origin
    up to the province, in one query. A product of a supplier still awaiting activation is not
    public: nothing about an unvetted supplier is."""
    return (
        Product.objects.select_related("supplier__region", "base__region", "region__parent__parent")
        .exclude(supplier__status=Supplier.Status.PENDING)
        .filter(trace_code=code)
        .first()
    )


def trace_page(*, code: str, as_of: datetime.date) -> TracePage | None:
    """The public page of the product with ``code`` on ``as_of``, or None when no product has
    it (or its supplier is not vetted yet). Three queries, four with photos."""
    product = trace_product(code)
    if product is None:
        return None
    # The product's own certificates and those of the base it grows in (基地认定), newest
    # first: one query however many renewals there were.
    subject = Q(product=product)
    if product.base_id:
        subject |= Q(base_id=product.base_id)
    certificates = list(
        Certificate.objects.filter(subject).select_related("scheme").order_by("-valid_from", "-id")
    )
    for certificate in certificates:
        certificate.standing = certificate_standing(certificate, as_of)
        certificate.standing_label = Certificate.Status(certificate.standing).label
    # Results voided by an upheld objection to their disclosure (公示) are not results.
    monitoring = list(
        MonitoringRecord.objects.filter(subject, annulled=False).order_by("-performed_on", "-id")[
            :RECENT_MONITORING
        ]
    )
    page = TracePage(
        product=product,
        as_of=as_of,
        certificates=certificates,
        monitoring=monitoring,
        origin=origin_chain(product.region),
    )
    page.reasons = _reasons(page)
    if page.certified:
        # Photos are served to the public only while the product is in the public view
        # (``products.views.suppliers.product_photo``).
        page.photos = list(product.photos.order_by("uploaded_at", "id"))
    return page


def _reasons(page: TracePage) -> list[str]:
    product = page.product
    reasons = []
    if product.status == Product.Status.EXITED:
        reasons.append(EXITED)
    elif product.status == Product.Status.SUSPENDED:
        reasons.append(SUSPENDED)
    if product.supplier.status != Supplier.Status.ACTIVE:
        reasons.append(SUPPLIER_OUT)
    if not any(c.product_id == product.pk for c in page.valid_certificates):
        reasons.append(NO_CERTIFICATE)
    return reasons


def trace_code_exists(code: str) -> bool:
    """Whether a public page stands behind ``code`` (the QR images and the label ask)."""
    return (
        Product.objects.exclude(supplier__status=Supplier.Status.PENDING)
        .filter(trace_code=code)
        .exists()
    )


def trace_label_product(code: str) -> Product | None:
    """The product a label is printed for: its name and specification are all it needs."""
    return (
        Product.objects.exclude(supplier__status=Supplier.Status.PENDING)
        .only("pk", "name", "specification", "trace_code", "status", "supplier_id")
        .filter(trace_code=code)
        .first()
    )


# --- From a purchase back to the county it helped. -----------------------------------------


@dataclass(frozen=True)
class PurchaseChain:
    """Where a purchase's money went: product → base → supplier → county (with its city and
    province) → households lifted. Without a product, the supplier's registered region stands
    in for the county (``fallback``) and no households are counted."""

    supplier: Supplier
    product: Product | None
    base: SupplierBase | None
    origin: list[Region]
    households: int | None
    fallback: bool

    @property
    def county(self) -> Region | None:
        return self.origin[0] if self.origin else None


def purchase_chain(record) -> PurchaseChain:
    """The chain of a procurement record read through ``procurement.selectors.record_for_user``
    (supplier and product selected): one more query, whatever the record."""
    if record.product_id:
        product = Product.objects.select_related("base", "region__parent__parent").get(
            pk=record.product_id
        )
        return PurchaseChain(
            supplier=record.supplier,
            product=product,
            base=product.base,
            origin=origin_chain(product.region),
            households=product.households_lifted,
            fallback=False,
        )
    region = None
    if record.supplier.region_id:
        region = (
            Region.objects.select_related("parent__parent")
            .filter(code=record.supplier.region_id)
            .first()
        )
    return PurchaseChain(
        supplier=record.supplier,
        product=None,
        base=None,
        origin=origin_chain(region),
        households=None,
        fallback=True,
    )
