"""Scoped reads of the integrity flags, and their facts put into words.

The review queue is the offices': the city office reads every flag, a district office those
of its district's units. A unit reads only the flags confirmed on its own purchases (why a
purchase was rejected); open and dismissed flags are the offices' business.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.formatting import percent, yuan
from portal.roles import actor_of

from .models import IntegrityFlag
from .selectors import scope_by_unit

Kind = IntegrityFlag.Kind


def flag_for_user(user) -> QuerySet[IntegrityFlag]:
    actor = actor_of(user)
    qs = IntegrityFlag.objects.select_related(
        "budget_unit",
        "record__budget_unit",
        "record__supplier",
        "record__product",
        "related_record__budget_unit",
        "related_record__supplier",
        "decided_by",
    )
    qs = scope_by_unit(qs, user, unit_field="budget_unit")
    if actor.is_unit:  # a unit learns of a flag once an office has confirmed it
        qs = qs.filter(status=IntegrityFlag.Status.CONFIRMED)
    return qs


def flag_counts(flags: QuerySet[IntegrityFlag]) -> dict[str, int]:
    """How many of ``flags`` each check raised (every kind present, 0 where none), in one
    query."""
    found = dict(
        flags.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    return {kind: found.get(kind, 0) for kind in Kind.values}


def _text(value) -> str:
    return "" if value is None else str(value)


def describe(flag: IntegrityFlag) -> str:
    """What the check found, in the reader's language (the active one), from ``facts``."""
    facts = flag.facts or {}
    try:
        return _DESCRIBERS.get(flag.kind, _generic)(facts)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return _generic(facts)


def _shared_invoice(facts: dict) -> str:
    return _(
        "Invoice %(invoice)s of “%(supplier)s” is also claimed by %(unit)s (purchase of "
        "%(date)s, %(amount)s). An invoice is one sale: only one unit can have bought it."
    ) % {
        "invoice": facts["invoice_no"],
        "supplier": facts["supplier"],
        "unit": facts["other_unit"],
        "date": facts["other_date"],
        "amount": yuan(Decimal(facts["other_amount"])),
    }


def _price_mismatch(facts: dict) -> str:
    return _(
        "The amount %(amount)s is %(ratio)s of the catalogue price %(price)s per %(per)s × "
        "%(quantity)s %(unit)s = %(expected)s; more than ±%(tolerance)s away. Check the unit "
        "of measure and the amount."
    ) % {
        "amount": yuan(Decimal(facts["amount"])),
        "ratio": percent(Decimal(facts["ratio"])),
        "price": yuan(Decimal(facts["price"])),
        "per": facts.get("price_unit") or "—",
        "quantity": facts["quantity"],
        "unit": facts.get("unit") or "",
        "expected": yuan(Decimal(facts["expected"])),
        "tolerance": percent(Decimal(facts["tolerance"])),
    }


def _split_purchase(facts: dict) -> str:
    return _(
        "%(count)s purchases from “%(supplier)s” between %(first)s and %(last)s, each just "
        "under the small-amount limit of %(threshold)s, add up to %(total)s: one purchase "
        "split to avoid the procurement procedure?"
    ) % {
        "count": facts["count"],
        "supplier": facts["supplier"],
        "first": facts["first"],
        "last": facts["last"],
        "threshold": yuan(Decimal(facts["threshold"])),
        "total": yuan(Decimal(facts["total"])),
    }


def _lapsed_recognition(facts: dict) -> str:
    if facts.get("last_valid_until"):
        return _(
            "“%(supplier)s” held no valid assistance-product recognition on %(date)s; its last "
            "recognition ended on %(until)s."
        ) % {
            "supplier": facts["supplier"],
            "date": facts["date"],
            "until": facts["last_valid_until"],
        }
    return _(
        "“%(supplier)s” held no valid assistance-product recognition on %(date)s, nor any "
        "before it."
    ) % {"supplier": facts["supplier"], "date": facts["date"]}


def _reused_voucher(facts: dict) -> str:
    others = int(facts["others"])
    where = (
        _("another purchase of the same unit")
        if facts.get("same_unit")
        else _("a purchase of %(unit)s") % {"unit": facts["other_unit"]}
    )
    return ngettext(
        "The voucher file “%(file)s” also backs %(n)d other purchase, e.g. %(where)s on "
        "%(date)s. One scanned invoice proves one purchase.",
        "The voucher file “%(file)s” also backs %(n)d other purchases, e.g. %(where)s on "
        "%(date)s. One scanned invoice proves one purchase.",
        others,
    ) % {"file": facts["file"], "n": others, "where": where, "date": facts["other_date"]}


def _counted_twice(facts: dict) -> str:
    """Raised by the 832 reconciliation (``procurement.reconciliation``): its facts name the
    platform's order."""
    return _(
        "Logged again for 832 order %(order)s, which already matches another purchase: the "
        "same purchase would count twice."
    ) % {"order": facts["order_no"]}


def _generic(facts: dict) -> str:
    return "; ".join(f"{key}: {_text(value)}" for key, value in sorted(facts.items()))


_DESCRIBERS = {
    Kind.SHARED_INVOICE: _shared_invoice,
    Kind.PRICE_MISMATCH: _price_mismatch,
    Kind.SPLIT_PURCHASE: _split_purchase,
    Kind.LAPSED_RECOGNITION: _lapsed_recognition,
    Kind.REUSED_VOUCHER: _reused_voucher,
    Kind.COUNTED_TWICE: _counted_twice,
}
