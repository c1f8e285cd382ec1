"""A return for correction (退回) in the demo: budget unit B's quarter before last was returned by
the city office with a comment on one purchase, the clerk corrected the invoice number, and
the quarter was submitted again, so the round history, the status table and the record's
audit trail all have something to show.

The demo is built by bulk inserts, so this step writes the round as the services would have
left it (``procurement.returns.quarter_return``, a correction, ``quarter_submit``), with the
audit-trail versions dated when each step happened. Run it after the submissions and before
``seed_history``: it writes the first versions of the purchases and the submission it touches
itself (dated when they were logged and submitted), and ``seed_history`` leaves rows with a
trail alone. Idempotent: once unit B has a round of correction, a re-run changes nothing.
"""

from __future__ import annotations

import datetime

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from portal.models import Notification
from portal.periods import Quarter
from procurement.models import ProcurementRecord, QuarterReturn, QuarterSubmission, ReturnComment
from procurement.returns import record_label

from .context import SeedContext

COMMENT = "{quarter}部分采购记录的发票号码与上传的凭证不一致，请逐笔核对更正后重新报送。"
RECORD_COMMENT = "发票号码与凭证不一致，请核对更正。"
REASONS = {
    "logged": "演示数据（初始登记）",
    "submitted": "报送",
    "returned": "退回修改（第1轮）：{comment}",
    "records_returned": "季度退回修改",
    "corrected": "更正",
    "resubmitted": "重新报送",
    "records_resubmitted": "季度报送",
}
SUBMITTED = ProcurementRecord.Status.SUBMITTED
RECORDED = ProcurementRecord.Status.RECORDED


def _quarter_name(period: Quarter) -> str:
    return f"{period.year}年第{'一二三四'[period.quarter - 1]}季度"


def _times(submitted_at, floor) -> tuple:
    """When the office returned the quarter, the clerk corrected it and it was resubmitted:
    a few days after the submission, or just after the newest version of the trail when the
    rows already have one (a database seeded before this step existed)."""
    returned = timezone.localtime(submitted_at).replace(hour=10, minute=12) + datetime.timedelta(
        days=3
    )
    if floor is not None and floor >= returned:
        returned = floor + datetime.timedelta(seconds=2)
        return (
            returned,
            returned + datetime.timedelta(seconds=2),
            returned + datetime.timedelta(seconds=4),
        )
    return (
        returned,
        returned + datetime.timedelta(days=2, hours=5),
        returned + datetime.timedelta(days=2, hours=23, minutes=18),
    )


def _corrected_invoice(record: ProcurementRecord) -> str:
    """The invoice number the clerk meant: the last digit was mistyped."""
    taken = set(
        ProcurementRecord.objects.filter(
            budget_unit_id=record.budget_unit_id, supplier_id=record.supplier_id
        ).values_list("invoice_no", flat=True)
    )
    stem, last = record.invoice_no[:-1], record.invoice_no[-1:]
    for step in range(1, 10):
        digit = str((int(last) + step) % 10) if last.isdigit() else str(step)
        candidate = stem + digit
        if candidate not in taken:
            return candidate
    return record.invoice_no + "-1"


def seed_returns(ctx: SeedContext, *, unit_b: int, office, resubmitter) -> None:
    """Unit B's quarter before last: returned by ``office`` (the city office's account) with a
    comment on its largest purchase, corrected, and resubmitted by ``resubmitter`` (unit B's
    clerk, who submits the demo's unit B quarters)."""
    if QuarterReturn.objects.filter(submission__budget_unit_id=unit_b).exists():
        ctx.log("  退回修改 (returns for correction): already seeded")
        return
    period = Quarter.of(ctx.as_of).previous().previous()
    submission = QuarterSubmission.objects.filter(
        budget_unit_id=unit_b, year=period.year, quarter=period.quarter, status="submitted"
    ).first()
    records = list(
        ProcurementRecord.objects.select_related("supplier")
        .filter(
            budget_unit_id=unit_b,
            purchased_on__range=(period.first_day, period.last_day),
            status=SUBMITTED,
        )
        .order_by("-amount", "pk")
    )
    if submission is None or not records or not records[0].invoice_no:
        ctx.log(f"  退回修改 (returns for correction): unit B's {period} is not submitted; none")
        return
    record_history = ProcurementRecord.history.model
    submission_history = QuarterSubmission.history.model
    ids = [record.pk for record in records]
    with_trail = set(record_history.objects.filter(id__in=ids).values_list("id", flat=True))
    floor = max(
        (
            value
            for value in (
                record_history.objects.filter(id__in=ids).aggregate(m=Max("history_date"))["m"],
                submission_history.objects.filter(id=submission.pk).aggregate(
                    m=Max("history_date")
                )["m"],
            )
            if value is not None
        ),
        default=None,
    )
    returned_at, corrected_at, resubmitted_at = _times(submission.submitted_at, floor)

    # The first versions, dated when each purchase was logged and the quarter submitted.
    for record in records:
        if record.pk not in with_trail:
            logged = timezone.localtime(submission.submitted_at).replace(
                year=record.purchased_on.year,
                month=record.purchased_on.month,
                day=record.purchased_on.day,
                hour=17,
                minute=30,
            )
            record.history.bulk_history_create(
                [record],
                default_user=resubmitter,
                default_change_reason=REASONS["logged"],
                default_date=logged,
            )
    if not submission_history.objects.filter(id=submission.pk).exists():
        QuarterSubmission.history.bulk_history_create(
            [submission],
            default_user=resubmitter,
            default_change_reason=REASONS["submitted"],
            default_date=submission.submitted_at,
        )

    comment = COMMENT.format(quarter=_quarter_name(period))
    target = records[0]
    round_ = QuarterReturn.objects.create(
        submission=submission,
        number=1,
        comment=comment,
        returned_by=office,
        returned_at=returned_at,
        resubmitted_by=resubmitter,
        resubmitted_at=resubmitted_at,
    )
    ReturnComment.objects.create(
        quarter_return=round_,
        record=target,
        record_label=record_label(target),
        comment=RECORD_COMMENT,
    )

    # The return: the submission and every purchase of the quarter open again.
    submission.status = QuarterSubmission.Status.RETURNED
    QuarterSubmission.history.bulk_history_create(
        [submission],
        update=True,
        default_user=office,
        default_change_reason=REASONS["returned"].format(comment=comment)[:100],
        default_date=returned_at,
    )
    for record in records:
        record.status = RECORDED
    ProcurementRecord.history.bulk_history_create(
        records,
        update=True,
        default_user=office,
        default_change_reason=REASONS["records_returned"],
        default_date=returned_at + datetime.timedelta(seconds=1),
    )
    # The correction of the purchase the office commented on.
    target.invoice_no = _corrected_invoice(target)
    ProcurementRecord.history.bulk_history_create(
        [target],
        update=True,
        default_user=resubmitter,
        default_change_reason=REASONS["corrected"],
        default_date=corrected_at,
    )
    # The resubmission: the submission and its purchases locked again.
    submission.status = QuarterSubmission.Status.SUBMITTED
    submission.submitted_at = resubmitted_at
    submission.submitted_by = resubmitter
    QuarterSubmission.history.bulk_history_create(
        [submission],
        update=True,
        default_user=resubmitter,
        default_change_reason=REASONS["resubmitted"],
        default_date=resubmitted_at,
    )
    for record in records:
        record.status = SUBMITTED
    ProcurementRecord.history.bulk_history_create(
        records,
        update=True,
        default_user=resubmitter,
        default_change_reason=REASONS["records_resubmitted"],
        default_date=resubmitted_at + datetime.timedelta(seconds=1),
    )
    ProcurementRecord.objects.filter(pk=target.pk).update(
        invoice_no=target.invoice_no, updated_at=corrected_at
    )
    QuarterSubmission.objects.filter(pk=submission.pk).update(
        submitted_at=resubmitted_at, submitted_by=resubmitter
    )
    Notification.objects.create(
        recipient=resubmitter,
        title=f"{_quarter_name(period)}已被退回修改",
        body=comment,
        link=reverse("procurement:quarter_rounds", args=[unit_b, period.year, period.quarter]),
        read_at=corrected_at,
    )
    ctx.count_created(QuarterReturn)
    ctx.count_created(ReturnComment)
    ctx.count_created(Notification)
    ctx.updated[ProcurementRecord._meta.label] += 1
    ctx.updated[QuarterSubmission._meta.label] += 1
    ctx.log(f"  退回修改 (returns for correction): unit B's {period}, round 1, resubmitted")
