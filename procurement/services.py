"""Business actions of the procurement journey: log, change and delete a purchase, declare the
quarter's farm-products total, submit a quarter and reopen it.

Each action takes the acting user, runs in one transaction and refuses a broken rule with a
``ValidationError`` (field → messages) or an ``ApplicationError`` whose message the clerk can
read; an action the user's role may not take raises ``PermissionDenied``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from portal.errors import ApplicationError
from portal.history import reason_text, stamp
from portal.models import Role
from portal.money import ZERO
from portal.periods import Quarter
from portal.roles import actor_of
from portal.uploads import inspect_upload, store_upload, uploads_removed_on_failure

from .models import (
    BudgetUnit,
    Declaration,
    MonthlyTotal,
    ProcurementRecord,
    QuarterSubmission,
    Voucher,
)
from .rules import RecordData, check_records, locked_quarters, quarter_label
from .totals import counted, totals_apply

# No unit's quarterly farm-products procurement comes near ¥10bn; a larger figure is a typo.
MAX_DECLARED_TOTAL = Decimal("10000000000.00")
# A purchase's relations arrive as rows just read (the unit locked, the supplier and product
# through the user's scoped selectors, the actor signed in).
RECORD_RELATIONS = ("budget_unit", "supplier", "product", "created_by")


def require_unit_role(user, budget_unit: BudgetUnit, *roles: Role) -> None:
    actor = actor_of(user)
    if actor.role not in roles or actor.organisation_id != budget_unit.pk:
        raise PermissionDenied(_("Only the unit's own staff in the right role may do this."))


def oversees_unit(user, budget_unit: BudgetUnit) -> bool:
    """Whether ``user`` is an office over the unit: the city office, or the office of the
    unit's district (it reopens and returns the unit's quarters, decides its flags)."""
    who = actor_of(user)
    return who.is_city_office or (
        who.is_district_office and who.district_code == budget_unit.region_id
    )


def lock_budget_unit(budget_unit_id: int) -> None:
    """Take the unit's row lock for the rest of the transaction. Every change to a unit's
    quarter (its records, its declaration, its submission or reopening) takes it first, so a
    quarter cannot change while it is being submitted: the second action waits, then sees
    the first's result (a submitted quarter refuses the change). The row of the submission
    may not exist yet, so locking it would lock nothing; the unit's row always does. Only the
    unit's own table is locked (``of``): its parent organisation is no part of the rule."""
    list(
        BudgetUnit.objects.select_for_update(of=("self",))
        .filter(pk=budget_unit_id)
        .order_by()  # no join to the parent for Meta.ordering's name
        .values_list("pk", flat=True)
    )


def set_quarter_status(
    budget_unit, period: Quarter, old: str, new: str, *, actor, reason, now
) -> None:
    """Move the quarter's records from one status to another, each with its history row; the
    running totals follow when a rejected status is involved (a recorded and a submitted
    purchase count alike, so submitting and reopening leave them as they are)."""
    records = list(
        ProcurementRecord.objects.filter(
            budget_unit=budget_unit,
            purchased_on__range=(period.first_day, period.last_day),
            status=old,
        )
    )
    moves_totals = ProcurementRecord.Status.REJECTED in (old, new)
    before = counted(records) if moves_totals else []
    for record in records:
        record.status = new
        record.updated_at = now
    bulk_update_with_history(
        records,
        ProcurementRecord,
        ["status", "updated_at"],
        batch_size=1000,
        default_user=actor,
        default_change_reason=reason_text(reason),
    )
    if moves_totals:
        totals_apply(removed=before, added=counted(records))


def _full_clean(record: ProcurementRecord) -> None:
    """``full_clean`` without reading again each relation that is set: they are rows the
    request has just read, and their foreign keys hold in the database all the same (four
    queries fewer per purchase). An empty relation is still checked (a purchase must name its
    supplier). Uniqueness and constraints are the database's and ``check_records``'."""
    loaded = [name for name in RECORD_RELATIONS if getattr(record, f"{name}_id") is not None]
    record.full_clean(exclude=loaded, validate_unique=False, validate_constraints=False)


def _raise_row_errors(errors) -> None:
    if errors:
        raise ValidationError(errors.errors)


def _attach_vouchers(record: ProcurementRecord, files: Iterable[UploadedFile], user) -> None:
    """Check every file before storing any, so a bad voucher leaves nothing behind; a file
    stored before a later failure is removed by the service's ``uploads_removed_on_failure``."""
    checked = [(upload, inspect_upload(upload, field="vouchers")) for upload in files]
    for upload, facts in checked:
        voucher = Voucher(record=record, uploaded_by=user, **facts.as_fields())
        store_upload(voucher, upload)
        voucher.save()


@uploads_removed_on_failure()
@transaction.atomic
def procurement_record_create(
    *,
    actor,
    budget_unit: BudgetUnit,
    data: RecordData,
    vouchers: Iterable[UploadedFile] = (),
    as_of: datetime.date,
) -> ProcurementRecord:
    """Log one purchase for the clerk's own unit (domain.md: units log purchases with
    vouchers and report them quarterly)."""
    require_unit_role(actor, budget_unit, Role.UNIT_CLERK)
    lock_budget_unit(budget_unit.pk)
    (errors,) = check_records(budget_unit_id=budget_unit.pk, rows=[data], as_of=as_of)
    _raise_row_errors(errors)
    record = ProcurementRecord(budget_unit=budget_unit, created_by=actor, **data.as_fields())
    _full_clean(record)
    stamp(record, actor=actor, reason=_("Logged"))
    record.save()
    _attach_vouchers(record, vouchers, actor)
    # Last, so that the lock on a district's shared row of the totals is held for no longer
    # than the commit: the units of one district log their purchases at the same time.
    totals_apply(added=counted([record]))
    return record


def _require_open(record: ProcurementRecord) -> None:
    quarter = Quarter.of(record.purchased_on)
    if record.status == ProcurementRecord.Status.SUBMITTED or quarter in locked_quarters(
        record.budget_unit_id
    ):
        raise ApplicationError(
            _(
                "%(quarter)s has been submitted: its records can no longer be added or changed "
                "unless an office reopens it."
            )
            % {"quarter": quarter_label(quarter)}
        )


@uploads_removed_on_failure()
@transaction.atomic
def procurement_record_update(
    *,
    actor,
    record: ProcurementRecord,
    data: RecordData,
    vouchers: Iterable[UploadedFile] = (),
    as_of: datetime.date,
) -> ProcurementRecord:
    """Correct a purchase while both its old and its new quarter are open."""
    require_unit_role(actor, record.budget_unit, Role.UNIT_CLERK)
    lock_budget_unit(record.budget_unit_id)  # before the record's lock, in quarter_submit's order
    record = ProcurementRecord.objects.select_for_update().get(pk=record.pk)
    _require_open(record)
    (errors,) = check_records(
        budget_unit_id=record.budget_unit_id,
        rows=[data],
        as_of=as_of,
        exclude_record_id=record.pk,
    )
    _raise_row_errors(errors)
    before = counted([record])
    for name, value in data.as_fields().items():
        setattr(record, name, value)
    _full_clean(record)
    stamp(record, actor=actor, reason=_("Corrected"))
    record.save()
    _attach_vouchers(record, vouchers, actor)
    totals_apply(removed=before, added=counted([record]))  # last, as in procurement_record_create
    return record


@transaction.atomic
def procurement_record_delete(*, actor, record: ProcurementRecord) -> None:
    """Delete a purchase of an open quarter, with its vouchers."""
    require_unit_role(actor, record.budget_unit, Role.UNIT_CLERK)
    lock_budget_unit(record.budget_unit_id)  # before the record's lock, in quarter_submit's order
    record = ProcurementRecord.objects.select_for_update().get(pk=record.pk)
    _require_open(record)
    for voucher in record.vouchers.all():
        transaction.on_commit(lambda file=voucher.file: file.delete(save=False))
    stamp(record, actor=actor, reason=_("Deleted"))
    before = counted([record])
    record.delete()
    totals_apply(removed=before)


@dataclass(frozen=True)
class DeclarationResult:
    declaration: Declaration
    warning: str | None


def quarter_assistance_total(budget_unit_id: int, quarter: Quarter) -> Decimal:
    """What the unit logged in the quarter, rejected records aside (api.md's quota formula):
    the running totals of its three months."""
    return (
        MonthlyTotal.objects.filter(
            budget_unit_id=budget_unit_id, month__range=(quarter.first_day, quarter.last_day)
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )


@transaction.atomic
def declaration_set(
    *,
    actor,
    budget_unit: BudgetUnit,
    year: int,
    quarter: int,
    agri_total: Decimal,
    canteen_total: Decimal | None = None,
    union_welfare_total: Decimal | None = None,
    as_of: datetime.date,
) -> DeclarationResult:
    """Declare (or correct) the quarter's totals: its farm-products procurement, the base the
    30% quota is a share of (Shenzhen: no less than 30% of the annual farm-products total),
    and the bases of the other quota rules (``procurement.quota``): its canteens' food and its
    union's collective welfare. A base left out (None) keeps its declared value (0 at first).
    A submitted quarter's declaration is locked: the unit's lock makes a declaration made
    while the quarter is being submitted either land before the submission or be refused."""
    require_unit_role(actor, budget_unit, Role.UNIT_CLERK, Role.UNIT_APPROVER)
    lock_budget_unit(budget_unit.pk)
    try:
        period = Quarter(year, quarter)
    except ValueError as error:
        raise ValidationError({"quarter": _("The quarter must be 1 to 4.")}) from error
    if period.first_day > as_of:
        raise ValidationError(
            {"quarter": _("%(quarter)s has not begun yet.") % {"quarter": quarter_label(period)}}
        )
    if period in locked_quarters(budget_unit.pk):
        raise ApplicationError(
            _(
                "%(quarter)s has been submitted: its declaration can no longer be changed unless "
                "an office reopens it."
            )
            % {"quarter": quarter_label(period)}
        )
    bases = {
        "agri_total": agri_total,
        "canteen_total": canteen_total,
        "union_welfare_total": union_welfare_total,
    }
    errors = {}
    for name, value in bases.items():
        if value is None and name != "agri_total":
            continue
        if value is None or value < 0:
            errors[name] = _("The total may not be negative.")
        elif value > MAX_DECLARED_TOTAL:
            errors[name] = _("The total is implausibly large; check the decimal point.")
    if errors:
        raise ValidationError(errors)
    declaration = Declaration.objects.filter(
        budget_unit=budget_unit, year=year, quarter=quarter
    ).first() or Declaration(budget_unit=budget_unit, year=year, quarter=quarter)
    for name, value in bases.items():
        if value is not None:
            setattr(declaration, name, value)
    declaration.declared_by = actor
    stamp(declaration, actor=actor, reason=_("Declared"))
    declaration.save()
    logged = quarter_assistance_total(budget_unit.pk, period)
    warning = None
    if logged > agri_total:
        warning = _(
            "The assistance purchases logged for %(quarter)s (¥%(logged)s) exceed the declared "
            "farm-products total (¥%(declared)s): assistance products are part of that total, "
            "so check both figures."
        ) % {
            "quarter": quarter_label(period),
            "logged": f"{logged:,.2f}",
            "declared": f"{agri_total:,.2f}",
        }
    return DeclarationResult(declaration, warning)


@transaction.atomic
def quarter_submit(
    *, actor, budget_unit: BudgetUnit, year: int, quarter: int, as_of: datetime.date
) -> QuarterSubmission:
    """The approver submits an ended quarter to the coordination office; its records and its
    declaration are locked from then on (domain.md: each unit reports quarterly)."""
    require_unit_role(actor, budget_unit, Role.UNIT_APPROVER)
    # Two approvers at the same moment: the second waits here and is then told the quarter
    # has already been submitted (not an IntegrityError); a clerk's change to the quarter
    # waits too, then is refused.
    lock_budget_unit(budget_unit.pk)
    period = Quarter(year, quarter)
    if not period.has_ended(as_of=as_of):
        raise ApplicationError(
            _("%(quarter)s has not ended yet; it can be submitted from %(day)s.")
            % {
                "quarter": quarter_label(period),
                "day": (period.last_day + datetime.timedelta(days=1)).isoformat(),
            }
        )
    if not Declaration.objects.filter(budget_unit=budget_unit, year=year, quarter=quarter).exists():
        raise ApplicationError(
            _("Declare the farm-products total of %(quarter)s before submitting it.")
            % {"quarter": quarter_label(period)}
        )
    submission = (
        QuarterSubmission.objects.select_for_update()
        .filter(budget_unit=budget_unit, year=year, quarter=quarter)
        .first()
    )
    if submission is not None and submission.status == QuarterSubmission.Status.SUBMITTED:
        raise ApplicationError(
            _("%(quarter)s has already been submitted.") % {"quarter": quarter_label(period)}
        )
    now = timezone.now()
    if submission is None:
        submission = QuarterSubmission(budget_unit=budget_unit, year=year, quarter=quarter)
    elif submission.status == QuarterSubmission.Status.RETURNED:
        # The resubmission closes the office's open round of correction.
        submission.returns.filter(resubmitted_at__isnull=True).update(
            resubmitted_by=actor, resubmitted_at=now
        )
    submission.status = QuarterSubmission.Status.SUBMITTED
    submission.submitted_by = actor
    submission.submitted_at = now
    submission.full_clean(validate_unique=False, validate_constraints=False)
    stamp(submission, actor=actor, reason=_("Submitted"))
    submission.save()
    set_quarter_status(
        budget_unit,
        period,
        ProcurementRecord.Status.RECORDED,
        ProcurementRecord.Status.SUBMITTED,
        actor=actor,
        reason=_("Quarter submitted"),
        now=now,
    )
    return submission


@transaction.atomic
def quarter_reopen(
    *, actor, budget_unit: BudgetUnit, year: int, quarter: int, reason: str
) -> QuarterSubmission:
    """A coordination office reopens a submitted quarter for correction, with a reason that
    stays on the record (architecture.md: a correction is an explicit, recorded action)."""
    if not oversees_unit(actor, budget_unit):
        raise PermissionDenied(
            _("Only the city office or the unit's district office may reopen a quarter.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for reopening the quarter.")})
    lock_budget_unit(budget_unit.pk)
    period = Quarter(year, quarter)
    submission = (
        QuarterSubmission.objects.select_for_update()
        .filter(
            budget_unit=budget_unit,
            year=year,
            quarter=quarter,
            status=QuarterSubmission.Status.SUBMITTED,
        )
        .first()
    )
    if submission is None:
        raise ApplicationError(
            _("%(quarter)s is not submitted, so there is nothing to reopen.")
            % {"quarter": quarter_label(period)}
        )
    now = timezone.now()
    submission.status = QuarterSubmission.Status.REOPENED
    submission.reopened_by = actor
    submission.reopened_at = now
    submission.reopen_reason = reason
    stamp(submission, actor=actor, reason=_("Reopened: %(reason)s") % {"reason": reason})
    submission.save()
    set_quarter_status(
        budget_unit,
        period,
        ProcurementRecord.Status.SUBMITTED,
        ProcurementRecord.Status.RECORDED,
        actor=actor,
        reason=_("Quarter reopened: %(reason)s") % {"reason": reason},
        now=now,
    )
    return submission
