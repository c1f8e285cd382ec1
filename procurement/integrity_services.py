"""The coordination offices' decisions on integrity flags (``procurement.integrity``): confirm
a flag, and the purchase is rejected with a reason its unit sees; or dismiss it. Who decided,
when and why stay on the flag; the purchase's history names the decision too.

Only the city office, or the district office of the purchasing unit, decides. A decision is
final: a decided flag is not decided again (a dismissed flag stays dismissed even when the
nightly run finds the same again).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.formatting import yuan
from portal.history import stamp, step_reason
from portal.notifications import members_of, notify

from .models import IntegrityFlag, ProcurementRecord
from .services import lock_budget_unit, oversees_unit
from .totals import counted, totals_apply

OPEN = IntegrityFlag.Status.OPEN
REASON_MAX = 2000


def may_decide(user, flag: IntegrityFlag) -> bool:
    """The city office decides every flag; a district office those of its district's units."""
    return oversees_unit(user, flag.budget_unit)


def _checked(actor, flag: IntegrityFlag, reason: str) -> str:
    if not may_decide(actor, flag):
        raise PermissionDenied(
            _("Only the city office or the unit's district office may decide on this flag.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX}}
        )
    return reason


def _open_flag(flag: IntegrityFlag) -> IntegrityFlag:
    """The flag read again under its row lock: refused when another office decided first."""
    locked = IntegrityFlag.objects.select_for_update().get(pk=flag.pk)
    if locked.status != OPEN:
        raise ApplicationError(
            _("This flag was already %(status)s; a decision is not taken twice.")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


def _decide(flag: IntegrityFlag, *, actor, status: str, reason: str, step: str) -> None:
    flag.status = status
    flag.decided_by = actor
    flag.decided_at = timezone.now()
    flag.reason = reason
    stamp(flag, actor=actor, reason=step_reason(step, reason))
    flag.save(update_fields=["status", "decided_by", "decided_at", "reason"])


@transaction.atomic
def flag_confirm(*, actor, flag: IntegrityFlag, reason: str) -> IntegrityFlag:
    """Confirm a flag: the purchase is rejected (it no longer counts towards the quota) with
    ``reason``, which the unit reads on the purchase. An office's decision, so allowed in a
    submitted quarter too; the running totals move in the same transaction, under the unit's
    lock, as every change of a purchase into "rejected" must (procurement.totals)."""
    reason = _checked(actor, flag, reason)
    lock_budget_unit(flag.budget_unit_id)  # before the rows' locks, in quarter_submit's order
    flag = _open_flag(flag)
    record = ProcurementRecord.objects.select_for_update().get(pk=flag.record_id)
    before = counted([record])
    record.status = ProcurementRecord.Status.REJECTED
    record.rejection_reason = reason
    stamp(
        record,
        actor=actor,
        reason=step_reason(_("Rejected: %(check)s") % {"check": flag.get_kind_display()}, reason),
    )
    record.save(update_fields=["status", "rejection_reason", "updated_at"])
    totals_apply(removed=before, added=counted([record]))
    _decide(
        flag,
        actor=actor,
        status=IntegrityFlag.Status.CONFIRMED,
        reason=reason,
        step=_("Confirmed"),
    )
    notify(
        recipients=members_of(record.budget_unit_id),  # a unit's staff: its clerks, approvers
        title=_("A purchase of %(date)s was rejected after an integrity check")
        % {"date": record.purchased_on.isoformat()},
        body=_("%(amount)s from “%(supplier)s”: %(check)s. Reason: %(reason)s")
        % {
            "amount": yuan(record.amount),
            "supplier": record.supplier.name,
            "check": flag.get_kind_display(),
            "reason": reason,
        },
        link=reverse("procurement:record_detail", args=[record.pk]),
    )
    return flag


@transaction.atomic
def flag_dismiss(*, actor, flag: IntegrityFlag, reason: str) -> IntegrityFlag:
    """Dismiss a flag: the purchase stands as it is; the flag and its reason stay, so the
    nightly run does not raise it again."""
    reason = _checked(actor, flag, reason)
    flag = _open_flag(flag)
    _decide(
        flag,
        actor=actor,
        status=IntegrityFlag.Status.DISMISSED,
        reason=reason,
        step=_("Dismissed"),
    )
    return flag
