"""The procurement app's tables, one module per subject; Django finds them all here."""

from .core import (
    PLAUSIBLE_YEAR,
    QUARTER_RANGE,
    AnnualTarget,
    BudgetUnit,
    Channel,
    Declaration,
    ProcurementRecord,
    Purpose,
    QuarterSubmission,
    QuotaPolicy,
    Voucher,
)
from .integrity import IntegrityFlag
from .quota import QuotaRule
from .reconciliation import OrderImport, PlatformOrder
from .returns import QuarterReturn, ReturnComment
from .totals import MonthlyTotal, OriginMonthlyTotal, PurposeMonthlyTotal

__all__ = [
    "PLAUSIBLE_YEAR",
    "QUARTER_RANGE",
    "AnnualTarget",
    "BudgetUnit",
    "Channel",
    "Declaration",
    "IntegrityFlag",
    "MonthlyTotal",
    "OrderImport",
    "OriginMonthlyTotal",
    "PlatformOrder",
    "ProcurementRecord",
    "Purpose",
    "PurposeMonthlyTotal",
    "QuarterReturn",
    "QuarterSubmission",
    "QuotaPolicy",
    "QuotaRule",
    "ReturnComment",
    "Voucher",
]
