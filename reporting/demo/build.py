"""The builder: runs every step of the demo city in order, in one transaction, checks the
invariants api.md promises, and counts what the database holds.

Order matters only through foreign keys: offices and suppliers, then units, then the accounts
that belong to them, certificates (their applications name the reviewer), procurement (needs
the recognitions), the quota's declarations, submissions and targets (need the records), and
the outlets last.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.apps import apps
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from stdnum.cn import uscc

from outlets.models import Outlet
from portal.models import DistrictPairing, Organisation, Region
from portal.reference_data import load_regions
from procurement.models import MonthlyTotal, ProcurementRecord, QuarterSubmission
from procurement.totals import totals_rebuild
from products.models import Certificate, Supplier

from .accounts import district_office_of, seed_accounts, seed_offices
from .bulletins import seed_bulletins
from .catalogue import SUPPLIER_2_ACCOUNT_KEY, SUPPLIER_ACCOUNT_KEY
from .certification import seed_certificates
from .codes import CreditCodes
from .context import SeedContext
from .disclosures import seed_disclosures
from .evaluations import seed_evaluations
from .history import seed_history
from .integrity import seed_integrity
from .network import seed_outlets
from .outlet_activity import Inspector, seed_outlet_activity
from .oversight import seed_oversight
from .purchases import open_quarter_of_unit_a, seed_records
from .quarters import seed_declarations, seed_policies, seed_submissions, seed_targets
from .returns import seed_returns
from .supply import seed_suppliers
from .units import seed_units

SUMMARY_APPS = ("auth", "portal", "products", "procurement", "outlets", "reporting")


def seed_demo(
    *,
    seed: int,
    as_of: datetime.date,
    units: int,
    records: int,
    password: str,
    log: Callable[[str], None],
) -> dict[str, int]:
    """Fill (or top up) the demo city; returns the row count of every table."""
    ctx = SeedContext(
        seed=seed, as_of=as_of, password=password, units=units, records=records, log=log
    )
    with transaction.atomic():
        unit_a = _build(ctx)
        verify(ctx, unit_a=unit_a)
    ctx.log(
        f"  新建 (created): {sum(ctx.created.values()):,} rows; "
        f"更新 (updated): {sum(ctx.updated.values()):,} rows"
    )
    return table_counts()


def _build(ctx: SeedContext) -> int:
    """Every step in order; returns budget unit A's id."""
    load_regions(Region, DistrictPairing)
    codes = CreditCodes()
    offices = seed_offices(ctx, codes)
    suppliers = seed_suppliers(ctx, codes)
    unit_rows = seed_units(ctx, codes)
    unit_a, unit_b = unit_rows[0], unit_rows[1]
    supplier = suppliers[SUPPLIER_ACCOUNT_KEY].supplier
    supplier_2 = suppliers[SUPPLIER_2_ACCOUNT_KEY].supplier
    district_office = district_office_of(offices)
    users = seed_accounts(
        ctx,
        {
            "city": offices.city,
            "district": district_office,
            "unit_a": unit_a,
            "unit_b": unit_b,
            "supplier": supplier,
            "supplier_2": supplier_2,
        },
    )
    seed_certificates(
        ctx,
        suppliers,
        reviewer=users["reviewer"],
        authors={supplier.pk: users["supplier"].pk, supplier_2.pk: users["supplier_2"].pk},
    )
    seed_oversight(ctx, office_id=users["city_office"].pk, reviewer_id=users["reviewer"].pk)
    # Issue 10: the year's base evaluations (their deductions read the monitoring above), then
    # the public disclosures of results, exits, monitoring and evaluations.
    seed_evaluations(ctx)
    seed_disclosures(ctx)
    seed_policies(ctx)
    clerks = {unit_a.pk: users["unit_clerk"].pk, unit_b.pk: users["unit_clerk_2"].pk}
    seed_records(ctx, unit_rows, unit_a=unit_a, clerks=clerks)
    seed_integrity(ctx, unit_a=unit_a, unit_b=unit_b, clerks=clerks)
    _rebuild_totals(ctx)
    seed_declarations(ctx, unit_rows, unit_a=unit_a.pk, unit_b=unit_b.pk, declarers=clerks)
    seed_submissions(
        ctx,
        unit_rows,
        unit_a=unit_a.pk,
        submitters={unit_a.pk: users["unit_approver"].pk, unit_b.pk: users["unit_clerk_2"].pk},
    )
    seed_targets(ctx, sorted(offices.districts))
    seed_bulletins(ctx, office=users["city_office"])
    operators = sorted(
        Supplier.objects.filter(status=Supplier.Status.ACTIVE).values_list("pk", flat=True)
    )
    outlets = seed_outlets(ctx, operators)
    office_user = users["district_office"]
    seed_outlet_activity(
        ctx,
        outlets,
        inspector=Inspector(office_user.pk, office_user.first_name, district_office.region_id),
        changer_id=users["city_office"].pk,
    )
    seed_returns(
        ctx, unit_b=unit_b.pk, office=users["city_office"], resubmitter=users["unit_clerk_2"]
    )
    seed_history(ctx)
    return unit_a.pk


def _rebuild_totals(ctx: SeedContext) -> None:
    """The purchases are bulk-inserted, past the services that keep the running totals: they
    are recomputed when this run added purchases, or when the totals do not count every
    purchase (a database seeded before they existed). A run that adds nothing leaves them
    untouched, row for row."""
    counted_purchases = ProcurementRecord.objects.exclude(status=ProcurementRecord.Status.REJECTED)
    in_totals = MonthlyTotal.objects.aggregate(n=Sum("records", default=0))["n"]
    if ctx.created[ProcurementRecord._meta.label] or in_totals != counted_purchases.count():
        monthly, by_origin = totals_rebuild()
        ctx.log(f"  运行合计 (running totals): {monthly:,} + {by_origin:,} rows")


def verify(ctx: SeedContext, *, unit_a: int) -> None:
    """The promises of api.md, checked in the database before the transaction commits."""
    bad_codes = [
        code
        for code in Organisation.objects.exclude(credit_code=None).values_list(
            "credit_code", flat=True
        )
        if not uscc.is_valid(code)
    ]
    if bad_codes:
        raise CommandError(f"Invalid credit codes: {bad_codes[:5]}")
    # api.md: a record counts only if its supplier held a valid recognition on that day.
    recognised = Certificate.objects.filter(
        supplier_id=OuterRef("supplier_id"),
        scheme_id="recognition",
        status__in=[Certificate.Status.VALID, Certificate.Status.EXPIRED],
        valid_from__lte=OuterRef("purchased_on"),
        valid_until__gte=OuterRef("purchased_on"),
    )
    unbacked = ProcurementRecord.objects.exclude(Exists(recognised)).count()
    if unbacked:
        raise CommandError(f"{unbacked} records have no valid recognition on their date")
    open_a = open_quarter_of_unit_a(ctx.as_of)
    if QuarterSubmission.objects.filter(
        budget_unit_id=unit_a, year=open_a.year, quarter=open_a.quarter
    ).exists():
        ctx.log(f"  注意 (note): unit A's {open_a} was submitted after seeding; left as it is.")


def table_counts() -> dict[str, int]:
    """Rows per table of the portal's apps (and the user table), by model label."""
    counts = {}
    for label in SUMMARY_APPS:
        for model in apps.get_app_config(label).get_models():
            counts[model._meta.label] = model._default_manager.count()
    counts["outlets.Outlet_products"] = Outlet.products.through.objects.count()
    return counts
