"""The products app's tables, one module per subject; Django finds them all here."""

from .catalogue import Product, ProductCategory, ProductPhoto, Supplier, SupplierBase
from .certification import (
    ONE_SUBJECT,
    ApplicationDocument,
    ApplicationEvent,
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Evaluation,
)
from .oversight import ExitAction, MonitoringRecord

__all__ = [
    "ONE_SUBJECT",
    "ApplicationDocument",
    "ApplicationEvent",
    "Certificate",
    "CertificationApplication",
    "CertificationScheme",
    "Evaluation",
    "ExitAction",
    "MonitoringRecord",
    "Product",
    "ProductCategory",
    "ProductPhoto",
    "Supplier",
    "SupplierBase",
]
