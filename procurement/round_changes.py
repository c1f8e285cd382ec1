"""What the unit changed during a round of correction (退回), read from the audit trail of the
quarter's purchases and declaration (django-simple-history) and from the vouchers added:
purchases added, corrected (each field, old → new) and deleted, the declared totals. A round runs
from the office's return to the approver's resubmission (an open round: to now).

The whole history of a quarter's rounds costs a fixed number of queries, whatever the number
of rounds and purchases: the versions of the purchases touched during any round, the
declaration's versions, the vouchers, and the names of the users, suppliers and products.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from portal.formatting import yuan
from portal.periods import Quarter
from products.models import Product, Supplier

from .models import (
    BudgetUnit,
    Channel,
    Declaration,
    ProcurementRecord,
    Purpose,
    QuarterReturn,
    Voucher,
)

# What a correction may change on a purchase; its status moves with the quarter, not the unit.
TRACKED = (
    "purchased_on",
    "supplier_id",
    "product_id",
    "amount",
    "quantity",
    "unit",
    "channel",
    "purpose",
    "invoice_no",
)
DECLARED = ("agri_total", "canteen_total", "union_welfare_total")
CHOICES = {"channel": dict(Channel.choices), "purpose": dict(Purpose.choices)}


@dataclass
class RecordChange:
    """One purchase the unit added, corrected or deleted during a round."""

    kind: str  # "added", "corrected", "deleted"
    record_id: int
    label: str
    at: datetime.datetime
    by: object
    fields: list[tuple[str, object, object]] = field(default_factory=list)
    exists: bool = True


@dataclass
class RoundChanges:
    records: list[RecordChange] = field(default_factory=list)
    declaration: list[tuple[str, object, object]] = field(default_factory=list)
    vouchers: list[dict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.records or self.declaration or self.vouchers)


def _label_of(version: dict, names: dict) -> str:
    supplier = names.get((Supplier, version["supplier_id"]), "")
    parts = [version["purchased_on"].isoformat(), supplier, yuan(version["amount"])]
    if version["invoice_no"]:
        parts.append(version["invoice_no"])
    return " · ".join(part for part in parts if part)


def _field_name(name: str) -> str:
    model_field = ProcurementRecord._meta.get_field(name.removesuffix("_id"))
    return str(model_field.verbose_name)


def _shown(name: str, value, names: dict) -> object:
    if value is None or value == "":
        return None
    if name == "supplier_id":
        return names.get((Supplier, value), value)
    if name == "product_id":
        return names.get((Product, value), value)
    if name == "amount":
        return yuan(value)
    if name in CHOICES:
        return str(CHOICES[name].get(value, value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _differences(old: dict, new: dict) -> list[str]:
    return [name for name in TRACKED if old[name] != new[name]]


def _record_changes(
    versions: list[dict], start: datetime.datetime, end: datetime.datetime, period: Quarter
) -> RecordChange | None:
    """What one purchase's versions (oldest first) say it became between ``start`` (the
    return) and ``end`` (the resubmission): None when nothing the unit controls changed."""
    before = None
    window = []
    for version in versions:
        if version["history_date"] <= start:
            before = version
        elif version["history_date"] <= end:
            window.append(version)
    if not window:
        return None
    after = window[-1]
    existed = before is not None and before["history_type"] != "-"
    exists = after["history_type"] != "-"
    if not existed and not exists:
        return None  # logged and deleted within the round: nothing left to see
    if not existed:
        if not period.contains(after["purchased_on"]):
            return None
        return RecordChange(
            "added", after["id"], "", after["history_date"], after["history_user_id"]
        )
    if not exists:
        if not period.contains(before["purchased_on"]):
            return None
        return RecordChange(
            "deleted",
            after["id"],
            "",
            after["history_date"],
            after["history_user_id"],
            exists=False,
        )
    if not (period.contains(before["purchased_on"]) or period.contains(after["purchased_on"])):
        return None
    changed = _differences(before, after)
    if not changed:
        return None
    # Who made the correction: the last version that changed something the unit controls.
    last = after
    previous = before
    for version in window:
        if _differences(previous, version):
            last = version
        previous = version
    change = RecordChange(
        "corrected", after["id"], "", last["history_date"], last["history_user_id"]
    )
    change.fields = [(name, before[name], after[name]) for name in changed]
    return change


def _round_windows(rounds: list[QuarterReturn], now: datetime.datetime):
    return [(r, r.returned_at, r.resubmitted_at or now) for r in rounds]


def changes_of_rounds(
    budget_unit: BudgetUnit, period: Quarter, rounds: list[QuarterReturn], now: datetime.datetime
) -> None:
    """Set ``changes`` on each round, reading the quarter's audit trail in a fixed number of
    queries whatever the number of rounds and purchases: the versions of the purchases touched
    during any round, the declaration's versions, the vouchers added, and the names of the
    users, suppliers and products they mention."""
    for round_ in rounds:
        round_.changes = RoundChanges()
    if not rounds:
        return
    windows = _round_windows(rounds, now)
    first = min(start for _r, start, _end in windows)
    last = max(end for _r, _start, end in windows)
    history = ProcurementRecord.history.model
    # The purchases of the unit with a version during the rounds (the history_date index)…
    touched = history.objects.filter(
        budget_unit_id=budget_unit.pk, history_date__gt=first, history_date__lte=last
    ).values("id")
    # …that belong to the quarter before or after (not the current quarter's new purchases).
    of_quarter = history.objects.filter(
        id__in=touched, purchased_on__range=(period.first_day, period.last_day)
    ).values("id")
    versions: dict[int, list[dict]] = defaultdict(list)
    for version in (
        history.objects.filter(id__in=of_quarter, history_date__lte=last)
        .order_by("id", "history_date", "history_id")
        .values("id", "history_date", "history_type", "history_user_id", *TRACKED)
    ):
        versions[version["id"]].append(version)

    declarations = list(
        Declaration.history.model.objects.filter(
            budget_unit_id=budget_unit.pk,
            year=period.year,
            quarter=period.quarter,
            history_date__lte=last,
        )
        .order_by("history_date", "history_id")
        .values("history_date", "history_type", "history_user_id", *DECLARED)
    )
    vouchers = list(
        Voucher.objects.filter(
            record__budget_unit_id=budget_unit.pk,
            record__purchased_on__range=(period.first_day, period.last_day),
            uploaded_at__gt=first,
            uploaded_at__lte=last,
        )
        .order_by("uploaded_at", "pk")
        .values("record_id", "original_name", "uploaded_at", "uploaded_by_id")
    )

    by_round: dict[int, list[tuple[RecordChange, dict, dict]]] = defaultdict(list)
    supplier_ids, product_ids, user_ids = set(), set(), set()
    for round_, start, end in windows:
        for record_versions in versions.values():
            change = _record_changes(record_versions, start, end, period)
            if change is None:
                continue
            shown = [v for v in record_versions if v["history_date"] <= end][-1]
            if change.kind == "deleted":
                shown = [v for v in record_versions if v["history_date"] <= start][-1]
            by_round[round_.pk].append((change, shown, record_versions))
            supplier_ids.add(shown["supplier_id"])
            for name, old, new in change.fields:
                if name == "supplier_id":
                    supplier_ids.update((old, new))
                elif name == "product_id":
                    product_ids.update(v for v in (old, new) if v)
            user_ids.add(change.by)
        for voucher in vouchers:
            if start < voucher["uploaded_at"] <= end:
                round_.changes.vouchers.append(voucher)
                user_ids.add(voucher["uploaded_by_id"])
        round_.changes.declaration = _declaration_changes(declarations, start, end)

    names: dict = {}
    for model, ids in ((Supplier, supplier_ids), (Product, product_ids)):
        ids.discard(None)
        if ids:
            for pk, name in model.objects.filter(pk__in=ids).values_list("pk", "name"):
                names[(model, pk)] = name
    user_ids.discard(None)
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=user_ids)}
    for round_ in rounds:
        for change, shown, _versions in by_round.get(round_.pk, []):
            change.label = _label_of(shown, names)
            change.by = users.get(change.by)
            change.fields = [
                (_field_name(name), _shown(name, old, names), _shown(name, new, names))
                for name, old, new in change.fields
            ]
            round_.changes.records.append(change)
        round_.changes.records.sort(key=lambda change: (change.at, change.record_id))
        for voucher in round_.changes.vouchers:
            voucher["uploaded_by"] = users.get(voucher["uploaded_by_id"])


def _declaration_changes(
    versions: list[dict], start: datetime.datetime, end: datetime.datetime
) -> list[tuple[str, object, object]]:
    before = after = None
    for version in versions:
        if version["history_date"] <= start:
            before = version
        elif version["history_date"] <= end:
            after = version
    if after is None:
        return []
    changes = []
    for name in DECLARED:
        old = before[name] if before is not None else None
        if old != after[name]:
            label = str(Declaration._meta.get_field(name).verbose_name)
            changes.append((label, yuan(old) if old is not None else None, yuan(after[name])))
    return changes
