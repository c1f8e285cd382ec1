"""The quarterly report's figures as plain, frozen values (Decimal money, ordered lists): what
``data.collect_figures`` returns and the workbook, the PDF and the checksum read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from outlets.models import Outlet
from portal.money import ZERO
from procurement.selectors import ComplianceRow

RATIO_PLACES = Decimal("0.0001")
UNSPECIFIED = "unspecified"
# How many of the units furthest below the quota the PDF names (the workbook lists them all).
LAGGARDS_SHOWN = 10


def ratio(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """``part / whole`` to four places (31.42%), None when there is no whole."""
    if not whole:
        return None
    return (part / whole).quantize(RATIO_PLACES)


@dataclass(frozen=True)
class ScopeTotals:
    """The city's or one district's figures: the quarter's and the year to date's."""

    code: str
    name: str
    assistance_quarter: Decimal
    assistance_ytd: Decimal
    records_quarter: int
    records_ytd: int
    agri_quarter: Decimal
    agri_ytd: Decimal
    share_quarter: Decimal | None
    share_ytd: Decimal | None
    required_share: Decimal
    units_total: int
    units_compliant: int
    target: Decimal | None
    progress: Decimal | None


@dataclass(frozen=True)
class MoneyRow:
    """Assistance of one channel, category or region: the quarter's and the year to date's."""

    code: str
    name: str
    quarter: Decimal
    ytd: Decimal
    records: int


@dataclass(frozen=True)
class RegionRow:
    """A supplier region with what was bought from it. ``depth`` places it in the province →
    city → county tree; ``full_name`` names it with its ancestors."""

    code: str
    name: str
    level: str
    depth: int
    full_name: str
    quarter: Decimal
    ytd: Decimal
    records: int
    paired_with: tuple[str, ...]
    target: Decimal | None
    progress: Decimal | None


@dataclass(frozen=True)
class OutletRow:
    district_code: str
    district_name: str
    kind: str
    kind_label: str
    open: int
    exited: int
    sales: Decimal


@dataclass(frozen=True)
class CertificationRow:
    scheme: str
    name: str
    issued: int
    expired: int
    revoked: int


@dataclass(frozen=True)
class ReportFigures:
    year: int
    quarter: int
    first_day: datetime.date
    last_day: datetime.date
    year_first_day: datetime.date
    city_name: str
    district_code: str | None
    scope_name: str
    summary: ScopeTotals
    districts: list[ScopeTotals]
    units: list[ComplianceRow]
    regions: list[RegionRow]
    counties: list[RegionRow]
    channels: list[MoneyRow]
    categories: list[MoneyRow]
    outlets: list[OutletRow]
    certifications: list[CertificationRow]
    district_names: dict[str, str] = field(default_factory=dict)

    @property
    def is_district(self) -> bool:
        return self.district_code is not None

    @property
    def laggards(self) -> list[ComplianceRow]:
        """The units below the quota, largest shortfall first (then lowest share, name)."""
        below = [row for row in self.units if not row.meets_share]
        return sorted(
            below,
            key=lambda r: (
                -r.shortfall,
                r.share if r.share is not None else -1,
                r.name,
                r.budget_unit,
            ),
        )

    @property
    def outlets_by_kind(self) -> list[tuple[str, str, int, int, Decimal]]:
        """(kind, label, open, exited, sales) in ``Outlet.Kind`` order, every kind."""
        totals = {code: [0, 0, ZERO] for code in Outlet.Kind.values}
        for row in self.outlets:
            entry = totals[row.kind]
            entry[0] += row.open
            entry[1] += row.exited
            entry[2] += row.sales
        return [(code, str(label), *totals[code]) for code, label in Outlet.Kind.choices]
