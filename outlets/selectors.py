"""Scoped reads of outlets. The public reads active outlets; a district office manages the
outlets of its district, the city office every outlet; an operator reads its own."""

from django.db.models import Q, QuerySet

from portal.roles import actor_of

from .models import Inspection, Outlet, OutletSalesReport, OutletStatusChange


def outlet_public() -> QuerySet[Outlet]:
    """What the outlet finder shows anyone, signed in or not."""
    return Outlet.objects.select_related("district").filter(status=Outlet.Status.ACTIVE)


def outlet_for_user(user) -> QuerySet[Outlet]:
    """Outlets the user manages (offices) or operates (suppliers); the public finder for all."""
    actor = actor_of(user)
    qs = Outlet.objects.select_related("district", "operator")
    if actor.is_city_office:
        return qs
    if actor.is_district_office:
        return qs.filter(district_id=actor.district_code)
    if actor.is_supplier:
        return qs.filter(Q(status=Outlet.Status.ACTIVE) | Q(operator_id=actor.organisation_id))
    return qs.filter(status=Outlet.Status.ACTIVE)


def _managed(user) -> QuerySet[Outlet]:
    actor = actor_of(user)
    if actor.is_city_office:
        return Outlet.objects.all()
    if actor.is_district_office:
        return Outlet.objects.filter(district_id=actor.district_code)
    if actor.is_supplier:
        return Outlet.objects.filter(operator_id=actor.organisation_id)
    return Outlet.objects.none()


def sales_report_for_user(user) -> QuerySet[OutletSalesReport]:
    return OutletSalesReport.objects.select_related("outlet").filter(outlet__in=_managed(user))


def inspection_for_user(user) -> QuerySet[Inspection]:
    return Inspection.objects.select_related("outlet").filter(outlet__in=_managed(user))


def status_change_for_user(user) -> QuerySet[OutletStatusChange]:
    return OutletStatusChange.objects.select_related("outlet").filter(outlet__in=_managed(user))


# --- The public outlet finder (issue 5, point 4): its list, its map and an outlet's page. -------

# The finder's map holds every filtered outlet that has coordinates, up to this many: the whole
# of a city the size of Shenzhen (2,176 outlets in 2021) in one page of JSON (~200 bytes each).
FINDER_MAP_MAX_POINTS = 3000


def _choice_codes(choices, word: str) -> list[str]:
    """The codes of ``choices`` whose label contains ``word`` in any of the portal's languages,
    so 医院 or "hospital" finds the outlets whose host venue is a hospital."""
    from django.conf import settings
    from django.utils import translation

    word = word.casefold()
    codes = []
    for code, label in choices:
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                if word in str(label).casefold():
                    codes.append(code)
                    break
    return codes


def _shown_carried(prefix: str = "") -> Q:
    """A product carried shows on the public pages while it is listed: a suspended or exited
    product (动态退出) is not to be sold, so the finder neither counts nor names it."""
    from products.models import Product

    return Q(**{f"{prefix}status": Product.Status.LISTED})


def _finder_filtered(filters: dict | None) -> QuerySet[Outlet]:
    """Active outlets only (``outlet_public``), narrowed by ``filters`` (all optional):
    ``district`` (a district code), ``kind``, ``q`` (every word must appear in the name, the
    address, or the words of the host venue or the kind), in the finder's order."""
    filters = filters or {}
    qs = outlet_public()
    if filters.get("district"):
        qs = qs.filter(district_id=filters["district"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    for word in (filters.get("q") or "").split():
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(address__icontains=word)
            | Q(venue__in=_choice_codes(Outlet.Venue.choices, word))
            | Q(kind__in=_choice_codes(Outlet.Kind.choices, word))
        )
    return qs.order_by("district_id", "kind", "name", "pk")


def finder_outlets(*, filters: dict | None = None) -> QuerySet[Outlet]:
    """The outlet finder's list (see ``_finder_filtered`` for ``filters``). Each outlet carries
    ``product_count``, the listed products it carries: a subquery per outlet rather than a join
    and a GROUP BY, so that the database counts the products of the page's 24 outlets only and
    the page's COUNT reads the outlets alone (joined, both went through every outlet's 20-odd
    products: 60,000 rows for 3,000 outlets)."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    carried = (
        Outlet.products.through.objects.filter(outlet_id=OuterRef("pk"))
        .filter(_shown_carried("product__"))
        .order_by()
        .values("outlet_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return _finder_filtered(filters).annotate(product_count=Coalesce(Subquery(carried), 0))


def finder_map_points(*, filters: dict | None = None) -> tuple[list[dict], int]:
    """What the finder's map draws: the outlets the list shows that have coordinates (at most
    ``FINDER_MAP_MAX_POINTS``, in the list's order) as plain values, and how many of them have
    coordinates in all. One query, two when the cap is reached."""
    located = _finder_filtered(filters).filter(latitude__isnull=False, longitude__isnull=False)
    rows = list(
        located.values("pk", "name", "kind", "address", "district__name", "latitude", "longitude")[
            : FINDER_MAP_MAX_POINTS + 1
        ]
    )
    if len(rows) <= FINDER_MAP_MAX_POINTS:
        return rows, len(rows)
    return rows[:FINDER_MAP_MAX_POINTS], located.count()


def finder_outlet_page(*, as_of) -> QuerySet[Outlet]:
    """An active outlet's public page: its operator, its photos, and the listed products it
    carries in ``public_products`` (one query), each with ``in_catalogue``: whether it is in
    the public catalogue on ``as_of``, by the catalogue's own rule
    (``products.selectors.catalogue_products``)."""
    from django.db.models import Exists, OuterRef, Prefetch

    from products.models import Product
    from products.selectors import catalogue_products

    in_catalogue = catalogue_products(as_of=as_of).filter(pk=OuterRef("pk"))
    carried = (
        Product.objects.filter(_shown_carried())
        .select_related("supplier")
        .annotate(in_catalogue=Exists(in_catalogue))
        .order_by("-in_catalogue", "category", "name", "pk")
    )
    return (
        outlet_public()
        .select_related("operator")
        .prefetch_related(Prefetch("products", queryset=carried, to_attr="public_products"))
        .prefetch_related("photos")
    )


# --- Monthly sales reports (issue 5, point 2): whose sales a user reports, which outlets were ---
# --- open in a month, and which of them have not reported it. -----------------------------------


class Month:
    """A calendar month (a sales report's period), comparable and hashable."""

    __slots__ = ("month", "year")

    def __init__(self, year: int, month: int):
        if not 1 <= month <= 12:
            raise ValueError(f"month must be 1-12, not {month}")
        self.year, self.month = year, month

    @classmethod
    def of(cls, day) -> "Month":
        return cls(day.year, day.month)

    @property
    def first_day(self):
        import datetime

        return datetime.date(self.year, self.month, 1)

    @property
    def last_day(self):
        import datetime

        return self.next().first_day - datetime.timedelta(days=1)

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def _key(self) -> tuple[int, int]:
        return (self.year, self.month)

    def __eq__(self, other) -> bool:
        return isinstance(other, Month) and self._key() == other._key()

    def __lt__(self, other: "Month") -> bool:
        return self._key() < other._key()

    def __le__(self, other: "Month") -> bool:
        return self._key() <= other._key()

    def __gt__(self, other: "Month") -> bool:
        return self._key() > other._key()

    def __ge__(self, other: "Month") -> bool:
        return self._key() >= other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    def __repr__(self) -> str:
        return f"Month({self.year}, {self.month})"


def last_ended_month(*, as_of) -> Month:
    """The month just ended: the one before the month containing ``as_of``."""
    return Month.of(as_of).previous()


def sales_outlets_for_user(user) -> QuerySet[Outlet]:
    """The outlets whose monthly sales the user reports: every outlet for the city office,
    its district's for a district office, its own for an operating supplier; none else."""
    return _managed(user).select_related("district", "operator")


def may_report_sales(user, outlet: Outlet) -> bool:
    """The rule of ``sales_outlets_for_user`` for one outlet, without a query."""
    actor = actor_of(user)
    if actor.is_city_office:
        return True
    if actor.is_district_office:
        return outlet.district_id == actor.district_code
    if actor.is_supplier:
        return outlet.operator_id is not None and outlet.operator_id == actor.organisation_id
    return False


def _open_within(month: Month) -> Q:
    """Opened by the month's last day (or, without an opening date, registered by then) and
    not exited before its first day. Suspensions are told apart by ``was_active_in``."""
    opened = Q(opened_on__lte=month.last_day) | Q(
        opened_on__isnull=True, created_at__date__lte=month.last_day
    )
    return opened & (Q(exited_on__isnull=True) | Q(exited_on__gte=month.first_day))


def sales_month_outlets(*, user, month: Month) -> QuerySet[Outlet]:
    """The user's outlets that were open in ``month`` or hold a report for it, each with
    ``month_amount`` and ``month_report_id`` (null when not reported) and its status history
    (``status_history``, oldest first) for ``was_active_in``: three queries for any number."""
    from django.db.models import Exists, OuterRef, Prefetch, Subquery

    from portal.money import MoneyField

    reports = OutletSalesReport.objects.filter(
        outlet_id=OuterRef("pk"), year=month.year, month=month.month
    )
    history = OutletStatusChange.objects.order_by("changed_at", "pk").only(
        "outlet_id", "from_status", "to_status", "changed_at"
    )
    return (
        sales_outlets_for_user(user)
        .filter(_open_within(month) | Q(Exists(reports)))
        .annotate(
            month_amount=Subquery(
                reports.values("amount")[:1],
                output_field=MoneyField(),
            ),
            month_report_id=Subquery(reports.values("pk")[:1]),
        )
        .prefetch_related(Prefetch("status_changes", queryset=history, to_attr="status_history"))
        .order_by("district_id", "name", "pk")
    )


def status_histories(outlet_ids) -> dict[int, list[OutletStatusChange]]:
    """Each outlet's status changes, oldest first, in one query."""
    histories: dict[int, list[OutletStatusChange]] = {}
    changes = (
        OutletStatusChange.objects.filter(outlet_id__in=list(outlet_ids))
        .order_by("changed_at", "pk")
        .only("outlet_id", "from_status", "to_status", "changed_at")
    )
    for change in changes:
        histories.setdefault(change.outlet_id, []).append(change)
    return histories


def was_active_in(outlet: Outlet, month: Month, history=None) -> bool:
    """Whether the outlet was active on at least one day of ``month``, so that it has sales to
    report for it (issue 5: exited outlets stay in the periods when they were active).

    The days count from the opening date (``opened_on``, when known) to the exit date
    (``exited_on``, when known), less the spans its recorded status changes show it suspended or
    exited; the day of a change counts as active when either side of it is. An outlet without
    recorded changes held its present status throughout, except that an exited one with an exit
    date was active until then. ``history`` defaults to the prefetched ``status_history``."""
    from django.utils import timezone

    start, end = month.first_day, month.last_day
    if outlet.opened_on is not None and outlet.opened_on > start:
        start = outlet.opened_on
    if outlet.exited_on is not None and outlet.exited_on < end:
        end = outlet.exited_on
    if start > end:
        return False
    if history is None:
        history = getattr(outlet, "status_history", None)
        if history is None:
            history = status_histories([outlet.pk]).get(outlet.pk, [])
    active = Outlet.Status.ACTIVE
    if not history:
        if outlet.status == Outlet.Status.EXITED:
            return outlet.exited_on is not None
        return outlet.status == active
    since, status = None, history[0].from_status
    for change in history:
        day = timezone.localdate(change.changed_at)
        if status == active and day >= start and (since is None or since <= end):
            return True
        since, status = day, change.to_status
    return status == active and since <= end


def sales_missing(*, user, month: Month) -> list[Outlet]:
    """The user's outlets that were active in ``month`` and have not reported its sales, by
    district then name (the district office sees its district, the city office every district).
    Three queries, whatever the number of outlets."""
    candidates = sales_month_outlets(user=user, month=month).filter(month_report_id__isnull=True)
    return [outlet for outlet in candidates if was_active_in(outlet, month)]


# --- the offices' registry (issue 5 points 1, 3 and 4) -------------------------------------

import datetime  # noqa: E402 - appended block, kept beside the selectors it serves
from dataclasses import dataclass, field  # noqa: E402

from django.db.models import Count, Prefetch  # noqa: E402

from products.models import Product  # noqa: E402


def outlet_registry_filtered(*, user, filters: dict | None = None) -> QuerySet[Outlet]:
    """The outlets an office manages, narrowed by the registry's filters (``kind``,
    ``district``, ``status``, ``venue``, ``q`` over name, address and operator)."""
    qs = outlet_for_user(user)
    filters = filters or {}
    for name in ("kind", "status", "venue"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    district = filters.get("district")
    if district:
        qs = qs.filter(district_id=getattr(district, "pk", district))
    term = (filters.get("q") or "").strip()
    if term:
        qs = qs.filter(
            Q(name__icontains=term) | Q(address__icontains=term) | Q(operator__name__icontains=term)
        )
    return qs


def outlet_registry_list(*, user, filters: dict | None = None) -> QuerySet[Outlet]:
    """The registry's rows (the page and its export): the filtered outlets with how many
    products each carries, in a stable order."""
    return (
        outlet_registry_filtered(user=user, filters=filters)
        .annotate(product_count=Count("products", distinct=True))
        .order_by("district_id", "kind", "name", "pk")
    )


def open_in_period(first: datetime.date, last: datetime.date) -> Q:
    """An outlet counts in a period if it was open at some time in it: opened on or before
    the period's last day (or opening date unknown), and not exited before its first day.
    Exited outlets stay counted in the periods they were active (issue 5 point 3)."""
    return (Q(opened_on__lte=last) | Q(opened_on__isnull=True)) & (
        Q(exited_on__isnull=True) | Q(exited_on__gte=first)
    )


@dataclass
class DistrictRow:
    code: str
    name: str
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def kind_cells(self) -> list[int]:
        """The counts in ``Outlet.Kind`` order, zeros included (the table's cells)."""
        return [self.by_kind.get(code, 0) for code in Outlet.Kind.values]


@dataclass
class OutletCounts:
    """Outlets open in a period, by district (rows) and kind (columns), with totals."""

    first: datetime.date
    last: datetime.date
    rows: list[DistrictRow]
    by_kind: dict[str, int]
    total: int

    @property
    def kinds(self) -> list[tuple[str, str]]:
        return list(Outlet.Kind.choices)

    @property
    def by_district(self) -> dict[str, int]:
        return {row.code: row.total for row in self.rows}

    def kind_totals(self) -> list[int]:
        return [self.by_kind.get(code, 0) for code in Outlet.Kind.values]


def outlet_period_counts(
    outlets: QuerySet[Outlet], *, first: datetime.date, last: datetime.date
) -> OutletCounts:
    """``outlets`` open at some time from ``first`` to ``last`` (``open_in_period``), by kind
    and by district, in one grouped query."""
    grouped = (
        outlets.filter(open_in_period(first, last))
        .order_by()
        .values("district_id", "district__name", "kind")
        .annotate(n=Count("pk", distinct=True))
        .order_by("district_id", "kind")
    )
    rows: dict[str, DistrictRow] = {}
    by_kind: dict[str, int] = {}
    for entry in grouped:
        row = rows.setdefault(
            entry["district_id"], DistrictRow(entry["district_id"], entry["district__name"])
        )
        row.by_kind[entry["kind"]] = entry["n"]
        by_kind[entry["kind"]] = by_kind.get(entry["kind"], 0) + entry["n"]
    return OutletCounts(first, last, list(rows.values()), by_kind, sum(by_kind.values()))


def outlet_status_counts(outlets: QuerySet[Outlet]) -> dict[str, int]:
    """How many of ``outlets`` are in each status now, and in all, in one query."""
    return outlets.order_by().aggregate(
        total=Count("pk", distinct=True),
        **{
            status: Count("pk", filter=Q(status=status), distinct=True)
            for status in Outlet.Status.values
        },
    )


def outlet_office_page(user) -> QuerySet[Outlet]:
    """One outlet's office page: what the user manages, with its photos, the products it
    carries (and their suppliers) and its operator, each in one query."""
    return outlet_for_user(user).prefetch_related(
        "photos",
        Prefetch(
            "products",
            queryset=Product.objects.select_related("supplier").order_by("name", "pk"),
        ),
    )


def outlet_api_list(user) -> QuerySet[Outlet]:
    """The API's ``outlets/``: the public (and every non-office member) reads active outlets;
    an office reads what it manages plus every active outlet. ``products`` lists, for the
    public, only what is in the catalogue (listed, by an active supplier)."""
    actor = actor_of(user)
    if actor.is_office:
        qs = Outlet.objects.select_related("district").filter(
            Q(status=Outlet.Status.ACTIVE) | Q(pk__in=outlet_for_user(user).values("pk"))
        )
        carried = Product.objects.only("pk")
    else:
        qs = outlet_public()
        carried = Product.objects.filter(
            status=Product.Status.LISTED, supplier__status="active"
        ).only("pk")
    return qs.prefetch_related(Prefetch("products", queryset=carried.order_by("pk"))).order_by(
        "district_id", "kind", "name", "pk"
    )


def sales_last_months(user, outlet: Outlet, *, as_of: datetime.date, months: int = 12) -> list:
    """The outlet's reported sales of the ``months`` months up to ``as_of``'s month, oldest
    first, as (year, month, report or None), read through ``sales_report_for_user``."""
    wanted = []
    year, month = as_of.year, as_of.month
    for _step in range(months):
        wanted.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    wanted.reverse()
    first_year, first_month = wanted[0]
    reports = sales_report_for_user(user).filter(
        Q(year__gt=first_year) | Q(year=first_year, month__gte=first_month),
        Q(year__lt=as_of.year) | Q(year=as_of.year, month__lte=as_of.month),
        outlet=outlet,
    )
    found = {(r.year, r.month): r for r in reports}
    return [(y, m, found.get((y, m))) for y, m in wanted]
