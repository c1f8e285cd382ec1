"""The rows every kind of demo notice needs: the notice (公示) itself and its objections, each
found by a stable key and created only when missing, and the product a new notice is about.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models

from portal.models import Membership
from portal.workdays import add_working_days, is_working_day
from products.models import Certificate, Disclosure, MonitoringRecord, Objection, Product

from ..context import SeedContext

Kind = Disclosure.Kind
Status = Disclosure.Status
PERIOD = 5  # working days, as the city's notices run
ONE_DAY = datetime.timedelta(days=1)
OBJECTORS = (
    ("张伟", "13802561478"),
    ("陈静", "chenjing@example.com"),
    ("刘洋", "0755-83216754"),
    ("黄丽", "13925870436"),
)


def _working_days_before(day: datetime.date, count: int) -> datetime.date:
    """The ``count``-th working day before ``day`` (0: ``day`` itself, or the working day
    before it if it is none)."""
    while not is_working_day(day):
        day -= ONE_DAY
    while count:
        day -= ONE_DAY
        if is_working_day(day):
            count -= 1
    return day


def _ensure(ctx: SeedContext, model: type[models.Model], lookup: dict, values: dict, **later):
    """The row ``lookup`` names, created with ``values`` when missing; ``later`` are
    ``auto_now_add`` timestamps set right after the insert. An existing row is left alone."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is not None:
        return obj
    obj = model(**lookup, **values)
    obj.save()
    if later:
        model._default_manager.filter(pk=obj.pk).update(**later)
    ctx.count_created(model)
    return obj


def _disclose(
    ctx: SeedContext,
    lookup: dict,
    *,
    starts_on: datetime.date,
    status: str,
    opened_by,
    summary: str,
    **values: Any,
) -> Disclosure:
    ends_on = add_working_days(starts_on, PERIOD)
    closed = None
    if status != Status.OPEN:
        closed = ctx.at(ends_on + ONE_DAY, 1, 10) if status == Status.EFFECTIVE else None
    return _ensure(
        ctx,
        Disclosure,
        lookup,
        {
            "status": status,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "working_days": PERIOD,
            "summary": summary,
            "opened_by": opened_by,
            "closed_at": closed,
            **values,
        },
        opened_at=ctx.at(starts_on, 9, 30),
    )


def _object(
    ctx: SeedContext,
    disclosure: Disclosure,
    *,
    who: int,
    text: str,
    decided_by=None,
    note: str = "",
) -> Objection:
    """An objection sent on the period's second day; decided (upheld) when ``decided_by``."""
    name, contact = OBJECTORS[who % len(OBJECTORS)]
    sent = add_working_days(disclosure.starts_on, 1)
    decided_on = add_working_days(sent, 1)
    objection = _ensure(
        ctx,
        Objection,
        {"disclosure": disclosure, "name": name},
        {
            "contact": contact,
            "text": text,
            "status": Objection.Status.UPHELD if decided_by else Objection.Status.PENDING,
            "decision_note": note,
            "decided_by": decided_by,
            "decided_at": ctx.at(decided_on, 16, 20) if decided_by else None,
        },
        submitted_at=ctx.at(sent, 14, 5),
    )
    if decided_by and disclosure.closed_at is None:
        Disclosure.objects.filter(pk=disclosure.pk).update(closed_at=ctx.at(decided_on, 16, 20))
    return objection


def _supplier_account_org() -> int | None:
    """The `supplier` account's supplier: api.md wants it free to apply for 圳品."""
    return (
        Membership.objects.filter(user__username="supplier")
        .values_list("organisation_id", flat=True)
        .first()
    )


def _fresh_product() -> Product | None:
    """The first listed product holding a valid recognition, outside the `supplier` account,
    with no 圳品 application, no failed test and nothing disclosed yet."""
    return (
        Product.objects.filter(
            status=Product.Status.LISTED,
            certificates__scheme_id="recognition",
            certificates__status=Certificate.Status.VALID,
        )
        .exclude(supplier_id=_supplier_account_org())
        .exclude(applications__scheme_id="szp")
        .exclude(monitoring_records__result=MonitoringRecord.Result.FAILED)
        .exclude(disclosures__isnull=False)
        .exclude(certificates__disclosures__isnull=False)
        .order_by("pk")
        .first()
    )


def _existing(kind: str, summary: str) -> Disclosure | None:
    """A disclosure of this module, known by its summary (each plan has its own)."""
    return Disclosure.objects.filter(kind=kind, summary=summary).first()
