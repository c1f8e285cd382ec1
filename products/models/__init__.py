"""The products app's tables, one module per subject; Django finds them all here."""

from .catalogue import (
    TRACE_ALPHABET,
    Product,
    ProductCategory,
    ProductPhoto,
    Supplier,
    SupplierBase,
)
from .certification import (
    ONE_SUBJECT,
    ApplicationDocument,
    ApplicationEvent,
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Evaluation,
)
from .disclosure import Disclosure, Objection
from .evaluation import BaseEvaluation, Expert, ExpertAssignment, ExpertConflict
from .oversight import ExitAction, MonitoringRecord

__all__ = [
    "ONE_SUBJECT",
    "TRACE_ALPHABET",
    "ApplicationDocument",
    "ApplicationEvent",
    "BaseEvaluation",
    "Certificate",
    "CertificationApplication",
    "CertificationScheme",
    "Disclosure",
    "Evaluation",
    "ExitAction",
    "Expert",
    "ExpertAssignment",
    "ExpertConflict",
    "MonitoringRecord",
    "Objection",
    "Product",
    "ProductCategory",
    "ProductPhoto",
    "Supplier",
    "SupplierBase",
]
