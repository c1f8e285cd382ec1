"""Scoped reads of suppliers, bases, products and certification.

api.md: every signed-in user may read active suppliers, bases and products (a clerk must pick
them); a supplier reads its own whatever their status; offices and reviewers read all.
Applications and their documents are the supplier's and the city's business only.
"""

import datetime
import re

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from portal.models import Region
from portal.roles import actor_of

from .models import (
    ApplicationDocument,
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Evaluation,
    ExitAction,
    MonitoringRecord,
    Product,
    Supplier,
    SupplierBase,
)


def _active_or_own(qs: QuerySet, user, *, active: Q, owner_field: str) -> QuerySet:
    actor = actor_of(user)
    if actor.is_city or actor.is_district_office:
        return qs
    if actor.is_supplier:
        return qs.filter(active | Q(**{owner_field: actor.organisation_id}))
    if actor.is_member:
        return qs.filter(active)
    return qs.none()


def supplier_for_user(user) -> QuerySet[Supplier]:
    qs = Supplier.objects.select_related("region")
    return _active_or_own(qs, user, active=Q(status=Supplier.Status.ACTIVE), owner_field="pk")


def base_for_user(user) -> QuerySet[SupplierBase]:
    qs = SupplierBase.objects.select_related("supplier", "region")
    active = Q(status=SupplierBase.Status.ACTIVE, supplier__status=Supplier.Status.ACTIVE)
    return _active_or_own(qs, user, active=active, owner_field="supplier_id")


def product_for_user(user) -> QuerySet[Product]:
    qs = Product.objects.select_related("supplier", "region", "base")
    active = Q(status=Product.Status.LISTED, supplier__status=Supplier.Status.ACTIVE)
    return _active_or_own(qs, user, active=active, owner_field="supplier_id")


def application_for_user(user) -> QuerySet[CertificationApplication]:
    """The city office and reviewers read every application; a supplier its own."""
    actor = actor_of(user)
    qs = CertificationApplication.objects.select_related("supplier", "scheme", "product", "base")
    if actor.is_city:
        return qs
    if actor.is_supplier:
        return qs.filter(supplier_id=actor.organisation_id)
    return qs.none()


def document_for_user(user) -> QuerySet[ApplicationDocument]:
    return ApplicationDocument.objects.filter(application__in=application_for_user(user))


def evaluation_for_user(user) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(application__in=application_for_user(user))


def certificate_for_user(user) -> QuerySet[Certificate]:
    """Certificates are public facts of the catalogue, but a supplier's page lists its own."""
    actor = actor_of(user)
    qs = Certificate.objects.select_related("scheme", "supplier", "product", "base")
    if actor.is_supplier:
        return qs.filter(supplier_id=actor.organisation_id)
    if actor.is_member:
        return qs
    return qs.none()


# A certificate that has since expired still covered the days of its validity; a suspended or
# revoked one no longer vouches for any day (api.md: "held a valid recognition on the date").
COUNTING_CERTIFICATE_STATUSES = (Certificate.Status.VALID, Certificate.Status.EXPIRED)


def recognition_cover(*, supplier_ids, first, last) -> dict[int, list[tuple]]:
    """For each supplier, the (valid_from, valid_until) periods of its recognition
    certificates that overlap [first, last]: one query for any number of purchases."""
    periods: dict[int, list[tuple]] = {}
    rows = Certificate.objects.filter(
        supplier_id__in=set(supplier_ids),
        scheme_id=CertificationScheme.Code.RECOGNITION,
        status__in=COUNTING_CERTIFICATE_STATUSES,
        valid_from__lte=last,
        valid_until__gte=first,
    ).values_list("supplier_id", "valid_from", "valid_until")
    for supplier_id, valid_from, valid_until in rows:
        periods.setdefault(supplier_id, []).append((valid_from, valid_until))
    return periods


def held_recognition(cover: dict[int, list[tuple]], supplier_id: int, day) -> bool:
    return any(start <= day <= end for start, end in cover.get(supplier_id, ()))


# ---------------------------------------------------------------------------------------------
# The public catalogue (名库): one rule for the page, its export, the product page and the API.
# ---------------------------------------------------------------------------------------------


CATALOGUE_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "price": ("price", "name", "id"),
    "-price": ("-price", "name", "id"),
    "households": ("-households_lifted", "name", "id"),
}
# Words that say a product is on the market all year round.
ALL_YEAR = ("全年", "常年", "四季", "周年")
ALL_MONTHS = frozenset(range(1, 13))
# Any dash, tilde or 至/到 between two months reads as a range.
_SEASON_DASHES = re.compile(r"\s*(?:[-‐‑‒–—―－~～〜]+|至|到)\s*")
# 上旬/中旬/下旬/初/底/末/份 refine a month; the filter works by whole months, so they go.
_SEASON_NOISE = re.compile(r"上旬|中旬|下旬|月初|月底|月末|月份|初|底|末|份")
_SEASON_RANGE = re.compile(r"^(\d{1,2})月?(?:–(次年|翌年|来年)?(\d{1,2})月?)?$")
_SEASON_PARTS = re.compile(r"[、，,；;/和及]+")


def season_months(text: str) -> frozenset[int]:
    """The months (1–12) a market season (上市周期) covers: ``全年`` every month, ``6–9月``
    June to September, ``11月–次年3月`` or ``11–次年3月`` November to March, ``4月、9月``
    two months. A range whose end comes before its start wraps into the next year. Text that
    names no month in one of these ways covers none, so a month filter never guesses."""
    text = (text or "").strip()
    if not text:
        return frozenset()
    if any(word in text for word in ALL_YEAR):
        return ALL_MONTHS
    text = _SEASON_DASHES.sub("–", _SEASON_NOISE.sub("", text.replace(" ", "")))
    months: set[int] = set()
    for part in filter(None, _SEASON_PARTS.split(text)):
        match = _SEASON_RANGE.match(part)
        if match is None:
            return frozenset()
        first = int(match.group(1))
        last = int(match.group(3)) if match.group(3) else first
        if not (1 <= first <= 12 and 1 <= last <= 12):
            return frozenset()
        if match.group(2) and last >= first:  # 3月–次年3月: a whole year and more
            return ALL_MONTHS
        if last >= first:
            months.update(range(first, last + 1))
        else:
            months.update(range(first, 13))
            months.update(range(1, last + 1))
    return frozenset(months)


def seasons_covering(month: int) -> list[str]:
    """The season texts in use that cover ``month``.

    Season is free text, so the month filter cannot be a SQL expression; instead the distinct
    texts in use (a few dozen for the whole city, one query) are read once, parsed here, and
    the catalogue is filtered with ``season__in`` on the ones that cover the month. The
    filtering, count and pagination therefore stay in the database at any catalogue size."""
    texts = Product.objects.order_by().values_list("season", flat=True).distinct()
    return [text for text in texts if month in season_months(text)]


def region_prefix(code: str) -> Q:
    """Products of a region of origin and every region under it (GB/T 2260: ``XX0000`` is a
    province, ``XXXX00`` a city, anything else a county)."""
    if code.endswith("0000"):
        return Q(region__code__startswith=code[:2])
    if code.endswith("00"):
        return Q(region__code__startswith=code[:4])
    return Q(region_id=code)


def certificates_valid_on(as_of) -> QuerySet[Certificate]:
    """Product certificates that vouch for ``as_of``: status ``valid`` and the day inside the
    period. A suspended, revoked or expired certificate, or one not yet begun or already over,
    vouches for nothing, whatever the nightly expiry job has or has not marked yet."""
    return Certificate.objects.filter(
        product__isnull=False,
        status=Certificate.Status.VALID,
        valid_from__lte=as_of,
        valid_until__gte=as_of,
    )


def _contains_lookup(words: str) -> str:
    """How to find ``words`` inside a text: ``contains`` when they hold no letter that has a
    case (Chinese, digits), ``icontains`` otherwise. The answer is the same, but on PostgreSQL
    ``icontains`` upper-cases every row's text before comparing: two thirds of a catalogue
    search's time, twice a page (the count and the rows), for nothing when the words have no
    case to ignore."""
    return "contains" if words.upper() == words.lower() else "icontains"


def catalogue_products(*, as_of, filters: dict | None = None) -> QuerySet[Product]:
    """The public catalogue (名库) on ``as_of``.

    Issue 4 / api.md: a product appears only while it is ``listed``, its supplier is
    ``active``, and it holds at least one certificate valid that day; dynamic exit (动态退出)
    of any of the three removes it at once, since nothing is cached.

    ``filters`` (all optional): ``q`` (name, supplier name or specification), ``scheme`` (holds
    a certificate of that scheme valid that day), ``category``, ``region`` (a province, city or
    county code; a province or city covers its counties), ``season`` (a month 1–12, see
    ``seasons_covering``), ``sort`` (a key of ``CATALOGUE_SORTS``). Each product carries the
    certificates it holds that day in ``catalogue_certificates`` (one prefetch query)."""
    filters = filters or {}
    valid = certificates_valid_on(as_of)
    qs = Product.objects.filter(
        Exists(valid.filter(product=OuterRef("pk"))),
        status=Product.Status.LISTED,
        supplier__status=Supplier.Status.ACTIVE,
    )
    if filters.get("q"):
        words = filters["q"]
        contains = _contains_lookup(words)
        qs = qs.filter(
            Q(**{f"name__{contains}": words})
            | Q(**{f"supplier__name__{contains}": words})
            | Q(**{f"specification__{contains}": words})
        )
    if filters.get("scheme"):
        qs = qs.filter(Exists(valid.filter(product=OuterRef("pk"), scheme_id=filters["scheme"])))
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("region"):
        qs = qs.filter(region_prefix(filters["region"]))
    if filters.get("season"):
        qs = qs.filter(season__in=seasons_covering(int(filters["season"])))
    held = Prefetch(
        "certificates",
        queryset=valid.select_related("scheme").order_by("scheme_id", "valid_until", "number"),
        to_attr="catalogue_certificates",
    )
    return (
        qs.select_related("supplier", "base", "region__parent__parent")
        .prefetch_related(held)
        .order_by(*CATALOGUE_SORTS.get(filters.get("sort") or "name", CATALOGUE_SORTS["name"]))
    )


def catalogue_product_page(*, as_of) -> QuerySet[Product]:
    """The catalogue with what a product's own page shows besides: the supplier's and the
    base's regions (full names, no query per ancestor) and the photos."""
    return (
        catalogue_products(as_of=as_of)
        .select_related("supplier__region__parent__parent", "base__region__parent__parent")
        .prefetch_related("photos")
    )


def catalogue_region_options(*, as_of) -> list[tuple[Region, list[Region]]]:
    """The provinces, and the cities under each, where catalogue products come from on
    ``as_of``: the region filter offers only places that give results (two queries)."""
    codes = (
        catalogue_products(as_of=as_of).order_by().values_list("region_id", flat=True).distinct()
    )
    wanted = set()
    for code in codes:
        wanted.update({f"{code[:2]}0000", f"{code[:4]}00"})
    regions = Region.objects.filter(code__in=wanted, level__in=["province", "city"])
    provinces = {r.code: (r, []) for r in regions if r.level == Region.Level.PROVINCE}
    for city in regions:
        if city.level == Region.Level.CITY and city.code[:2] + "0000" in provinces:
            provinces[city.code[:2] + "0000"][1].append(city)
    return [
        (province, sorted(cities, key=lambda r: r.code))
        for _code, (province, cities) in sorted(provinces.items())
    ]


# --- Suppliers, bases and products as their pages and the API list them. --------------------


def own_supplier(user) -> Supplier | None:
    """The supplier the user works for, whatever its status; None for any other role."""
    actor = actor_of(user)
    if not actor.is_supplier:
        return None
    return Supplier.objects.select_related("region").filter(pk=actor.organisation_id).first()


def _count_of(model, field: str):
    """A correlated COUNT subquery: two counts side by side without multiplying joins."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    counted = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def supplier_list(*, user, status: str | None = None, q: str | None = None) -> QuerySet[Supplier]:
    """The suppliers the user may read, awaiting activation first, with their counts of
    bases and products (one query whatever the page size)."""
    from django.db.models import Case, IntegerField, Value, When

    qs = supplier_for_user(user)
    if status:
        qs = qs.filter(status=status)
    if q:
        term = q.strip()
        qs = qs.filter(Q(name__icontains=term) | Q(credit_code__iexact=term.replace(" ", "")))
    return qs.annotate(
        base_count=_count_of(SupplierBase, "supplier"),
        product_count=_count_of(Product, "supplier"),
        pending_first=Case(
            When(status=Supplier.Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    ).order_by("pending_first", "-created_at", "pk")


def with_current_certifications(qs: QuerySet[Product], *, as_of) -> QuerySet[Product]:
    """Products with ``current_certificates``: their valid certificates whose period covers
    ``as_of`` (one more query for a whole page or API list)."""
    from django.db.models import Prefetch

    current = Certificate.objects.filter(
        status=Certificate.Status.VALID, valid_from__lte=as_of, valid_until__gte=as_of
    ).only("id", "product_id", "scheme_id", "number", "valid_until")
    return qs.prefetch_related(
        Prefetch(
            "certificates", queryset=current.order_by("scheme_id"), to_attr="current_certificates"
        )
    )


def held_schemes(product: Product) -> list[str]:
    """The scheme codes a product prefetched by ``with_current_certifications`` holds now."""
    return sorted({c.scheme_id for c in getattr(product, "current_certificates", ())})


# --- Certificates pages, dynamic exit (动态退出) and monitoring --------------------------------
# Appended as its own block (the file's import block belongs to the app's first journey).


# "Expiring soon" on the certificate list: the first warning's threshold (issue 4: 60 days).
EXPIRING_WITHIN_DAYS = 60


def certificate_list(
    *,
    user,
    as_of: datetime.date,
    scheme: str = "",
    status: str = "",
    expiring: bool = False,
    q: str = "",
) -> QuerySet[Certificate]:
    """The certificates ``user`` may read, filtered as the list page and its totals ask."""
    qs = certificate_for_user(user)
    if scheme:
        qs = qs.filter(scheme_id=scheme)
    if status:
        qs = qs.filter(status=status)
    if expiring:
        qs = qs.filter(
            status=Certificate.Status.VALID,
            valid_until__gte=as_of,
            valid_until__lte=as_of + datetime.timedelta(days=EXPIRING_WITHIN_DAYS),
        )
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(product__name__icontains=q)
            | Q(base__name__icontains=q)
            | Q(supplier__name__icontains=q)
            | Q(supplier__credit_code__iexact=q)
        )
    return qs


def certificate_totals(qs: QuerySet[Certificate]) -> dict[str, int]:
    """How many certificates ``qs`` holds, in all and by status: one query."""
    statuses = Certificate.Status.values
    totals = qs.aggregate(
        count=Count("pk"), **{s: Count("pk", filter=Q(status=s)) for s in statuses}
    )
    return totals


def certificate_by_number(number: str) -> Certificate | None:
    """The public verification (no login): a certificate by its exact number, or None."""
    number = (number or "").strip().upper()
    if not number:
        return None
    return (
        Certificate.objects.select_related("scheme", "supplier", "product", "base")
        .filter(number=number)
        .first()
    )


def exit_history(**subject) -> QuerySet[ExitAction]:
    """The recorded changes of standing of one certificate, product or base, newest first.
    The caller has already read the subject through its ``*_for_user`` selector."""
    return ExitAction.objects.filter(**subject).select_related("actor").order_by("-at", "-id")


def monitoring_for_user(user) -> QuerySet[MonitoringRecord]:
    """Offices and reviewers read every monitoring record; a supplier those of its own
    products and bases."""
    actor = actor_of(user)
    qs = MonitoringRecord.objects.select_related(
        "product__supplier", "base__supplier", "recorded_by", "handled_by"
    )
    if actor.is_city or actor.is_district_office:
        return qs
    if actor.is_supplier:
        return qs.filter(
            Q(product__supplier_id=actor.organisation_id)
            | Q(base__supplier_id=actor.organisation_id)
        )
    return qs.none()


def open_proposals(user) -> QuerySet[MonitoringRecord]:
    """Failed tests awaiting the city office's decision, oldest first."""
    return (
        monitoring_for_user(user)
        .filter(proposal=MonitoringRecord.Proposal.OPEN)
        .order_by("performed_on", "id")
    )


# --- Certification applications: the list (the reviewers' queue) and one application's page.

# The reviewers' queue (待审核): what waits for a reviewer or is being reviewed.
REVIEW_QUEUE_STATUSES = (
    CertificationApplication.Status.SUBMITTED,
    CertificationApplication.Status.UNDER_REVIEW,
)


def application_list(
    *,
    user,
    statuses=None,
    scheme: str | None = None,
    province: str | None = None,
    q: str | None = None,
    queue_order: bool = False,
) -> QuerySet[CertificationApplication]:
    """The applications the user may read, filtered; the queue's order is oldest submission
    first (first come, first reviewed), otherwise newest first. ``province`` is a 6-digit
    province code: the application's product or base comes from a region under it."""
    from django.db.models import F

    qs = application_for_user(user).select_related("product__region", "base__region", "certificate")
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    if scheme:
        qs = qs.filter(scheme_id=scheme)
    if province:
        prefix = province[:2]
        qs = qs.filter(
            Q(product__region__code__startswith=prefix) | Q(base__region__code__startswith=prefix)
        )
    if q:
        q = q.strip().lstrip("#")
        text = (
            Q(supplier__name__icontains=q)
            | Q(supplier__credit_code__iexact=q)
            | Q(product__name__icontains=q)
            | Q(base__name__icontains=q)
        )
        if q.isdigit():
            text |= Q(pk=int(q))
        qs = qs.filter(text)
    if queue_order:
        return qs.order_by(F("submitted_at").asc(nulls_last=True), "pk")
    return qs.order_by("-created_at", "-pk")


def application_totals(qs: QuerySet[CertificationApplication]) -> dict[str, int]:
    """How many applications ``qs`` holds, in all and per status, in one query."""
    from django.db.models import Count

    status = CertificationApplication.Status
    counts = {value: Count("pk", filter=Q(status=value)) for value in status.values}
    return qs.order_by().aggregate(total=Count("pk"), **counts)


def application_page(user, pk: int) -> CertificationApplication:
    """One application with what its page shows beside it; Http404 when the user may not
    read it."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        application_for_user(user).select_related(
            "supplier__region",
            "product__region",
            "base__region",
            "reviewer",
            "certificate",
        ),
        pk=pk,
    )


def application_timeline(application: CertificationApplication) -> QuerySet:
    """Every step of the application, oldest first, with who took it."""
    from .models import ApplicationEvent

    return ApplicationEvent.objects.filter(application=application).select_related("actor")


def application_subjects(user, *, scheme: CertificationScheme):
    """What the supplier may apply for under ``scheme``: its own listed products or active
    bases (no one else's, whatever their status)."""
    actor = actor_of(user)
    if not actor.is_supplier:
        return Product.objects.none()
    if scheme.subject == CertificationScheme.Subject.BASE:
        return SupplierBase.objects.filter(
            supplier_id=actor.organisation_id, status=SupplierBase.Status.ACTIVE
        ).order_by("name", "pk")
    return Product.objects.filter(
        supplier_id=actor.organisation_id, status=Product.Status.LISTED
    ).order_by("name", "pk")
