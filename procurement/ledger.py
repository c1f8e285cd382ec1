"""The ledger's reads: its supplier filter, its totals and one page of its rows, each costing
about the same for a unit with 500 purchases as for one with 50,000.

All three read the unit's purchases through the index ``record_ledger_idx`` (unit, date and id
newest first, then status, channel, supplier and amount): the totals and the supplier list are
index-only scans of the unit's entries, whatever the filters, and a page takes its fifty ids
from the index before joining suppliers, products and vouchers for those fifty only.
"""

from __future__ import annotations

from html import escape

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from portal.models import Organisation
from portal.money import ZERO

from .forms import LedgerFilterForm
from .models import ProcurementRecord, Voucher

LEDGER_PAGE_SIZE = 50
LEDGER_ORDER = ("-purchased_on", "-pk")
REJECTED = ProcurementRecord.Status.REJECTED


class LongSelect(forms.Select):
    """A ``<select>`` written in Python rather than through a template per option. The ledger's
    supplier filter offers every supplier a unit bought from: 2,000 at the city's busiest unit,
    which the template renderer takes ~200 ms to write and this a few. Plain options only (no
    groups), the same markup as ``forms.Select``."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        written = "".join(
            f" {escape(key)}" if val is True else f' {escape(key)}="{escape(str(val))}"'
            for key, val in self.build_attrs(self.attrs, attrs).items()
            if val is not False and val is not None
        )
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in self.choices
        )
        # Every name, value and label is escaped above.
        return mark_safe(f'<select name="{escape(name)}"{written}>{options}</select>')  # noqa: S308


class PlainChoices(BaseChoiceIterator):
    """Choices that are plain (value, label) pairs already, taken as given: Django would walk
    each of a unit's 2,000 suppliers twice (for the field and for its widget) on every
    request to put them in that shape."""

    def __init__(self, pairs: list[tuple]):
        self.pairs = pairs

    def __iter__(self):
        return iter(self.pairs)


class LedgerFilters(LedgerFilterForm):
    """The ledger's filters, its long supplier list taken as given and written by
    ``LongSelect``."""

    supplier = forms.TypedChoiceField(
        label=_("Supplier"), required=False, coerce=int, empty_value=None, widget=LongSelect
    )

    def __init__(self, *args, suppliers, **kwargs):
        super().__init__(*args, suppliers=(), **kwargs)
        field = self.fields["supplier"]
        field.choices = PlainChoices([*field.choices, *suppliers])  # "All suppliers" first


def ledger_supplier_options(records: QuerySet[ProcurementRecord]) -> list[tuple[int, str]]:
    """(id, name) of the suppliers ``records`` bought from, by name: the distinct suppliers
    come from the index, their names from their organisations (a supplier's id is its
    organisation's; the join through the suppliers' own table would only add to the cost)."""
    bought_from = records.order_by().values("supplier_id")
    return list(
        Organisation.objects.filter(pk__in=bought_from)
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


def ledger_totals(records: QuerySet[ProcurementRecord]) -> dict:
    """How many ``records``, and their amount with the rejected left out, in one query."""
    return records.order_by().aggregate(
        count=Count("pk"), amount=Sum("amount", filter=~Q(status=REJECTED), default=ZERO)
    )


def _voucher_count() -> Coalesce:
    """How many vouchers back each row: a subquery per row rather than a join and a GROUP BY
    over every column of the row's five joined tables (a third of the page query's time was
    spent planning that)."""
    vouchers = (
        Voucher.objects.filter(record=OuterRef("pk"))
        .order_by()
        .values("record")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(vouchers), 0)


def ledger_page(records: QuerySet[ProcurementRecord], number, *, count: int) -> Page:
    """Page ``number`` of ``records`` (``count`` of them, known from the totals), newest
    first, each row with its supplier, product, unit and ``voucher_count``, in one query: the
    page's ids by LIMIT/OFFSET on the index (13,000 entries cost a couple of milliseconds),
    then only those rows joined."""
    paginator = Paginator(records.order_by(*LEDGER_ORDER).values("pk"), LEDGER_PAGE_SIZE)
    paginator.count = count  # spare the COUNT query
    page = paginator.get_page(number)
    if not count:
        page.object_list = []
        return page
    page.object_list = list(
        records.filter(pk__in=page.object_list)
        .annotate(voucher_count=_voucher_count())
        .order_by(*LEDGER_ORDER)
    )
    return page
