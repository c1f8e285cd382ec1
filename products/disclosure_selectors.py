"""Reads of the public disclosures (公示) and their objections.

The public sees every disclosure from its first day (``starts_on``), whatever became of it, and
nothing of who objected or who decided; the city office reads the objections. The list pages,
the Atom feed and the JSON endpoint all read through ``disclosures_public`` and describe each
disclosure with ``notice_of``, so the three always say the same.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import ExitReason, Region
from portal.roles import actor_of
from portal.workdays import is_working_day

from .evaluation_selectors import with_rank
from .models import (
    BaseEvaluation,
    Certificate,
    Disclosure,
    MonitoringRecord,
    Objection,
    Product,
    Supplier,
    SupplierBase,
)

Kind = Disclosure.Kind
Status = Disclosure.Status
# The latest entries of the Atom feed.
FEED_SIZE = 50

_REGION = ("region__parent__parent",)


def _evaluations_ranked() -> QuerySet[BaseEvaluation]:
    """Evaluations with their rank in the year's category and the number ranked, by the one
    rule of ``evaluation_selectors.with_rank``."""
    return with_rank(
        BaseEvaluation.objects.select_related(
            "base__supplier", *(f"base__{path}" for path in _REGION)
        )
    )


def _subject_prefetches(prefix: str = "") -> list[Prefetch]:
    """One query per kind of subject present on the page, whatever the page's length;
    ``prefix`` reaches the disclosure from another row (``disclosure__``)."""
    subject = ("supplier", *_REGION)
    return [
        Prefetch(
            f"{prefix}certificate",
            queryset=Certificate.objects.select_related(
                "scheme",
                "supplier",
                "renews",
                *(f"product__{path}" for path in subject),
                *(f"base__{path}" for path in subject),
            ),
        ),
        Prefetch(f"{prefix}product", queryset=Product.objects.select_related(*subject)),
        Prefetch(f"{prefix}base", queryset=SupplierBase.objects.select_related(*subject)),
        Prefetch(
            f"{prefix}monitoring_record",
            queryset=MonitoringRecord.objects.select_related(
                *(f"product__{path}" for path in subject),
                *(f"base__{path}" for path in subject),
            ),
        ),
        Prefetch(f"{prefix}base_evaluation", queryset=_evaluations_ranked()),
    ]


def disclosures_public(*, as_of: datetime.date) -> QuerySet[Disclosure]:
    """Every disclosure published by ``as_of``, newest first, with what describes it."""
    return (
        Disclosure.objects.filter(starts_on__lte=as_of)
        .prefetch_related(*_subject_prefetches())
        .order_by("-starts_on", "-id")
    )


def disclosure_list(
    *, as_of: datetime.date, kind: str = "", status: str = ""
) -> QuerySet[Disclosure]:
    """The public list, filtered by kind and status (``open``: in its period or awaiting the
    nightly settling; ``effective``; ``withdrawn``)."""
    qs = disclosures_public(as_of=as_of)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs


def disclosure_feed(*, as_of: datetime.date) -> list[Disclosure]:
    """The latest ``FEED_SIZE`` disclosures for the Atom feed."""
    return list(disclosures_public(as_of=as_of)[:FEED_SIZE])


def _office_disclosures(user) -> QuerySet[Disclosure]:
    """Every disclosure, future ones included, with who opened it and its objections counted in
    the database: the city office's alone."""
    if not actor_of(user).is_city_office:
        return Disclosure.objects.none()
    return (
        Disclosure.objects.select_related("opened_by")
        .prefetch_related(*_subject_prefetches())
        .annotate(
            objection_count=Count("objections"),
            pending_count=Count(
                "objections", filter=Q(objections__status=Objection.Status.PENDING)
            ),
        )
    )


def disclosure_office_list(*, user, kind: str = "", status: str = "") -> QuerySet[Disclosure]:
    """All disclosures for the city office, future ones included, with their objections counted
    in the database. Nothing for anyone else."""
    qs = _office_disclosures(user)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-starts_on", "-id")


def disclosure_office_page(user, pk: int) -> Disclosure:
    """One disclosure as the city office reads it; raises ``Disclosure.DoesNotExist``."""
    return _office_disclosures(user).get(pk=pk)


def status_totals(qs: QuerySet) -> dict[str, int]:
    """How many rows ``qs`` selects over all its pages (``count``) and how many in each of its
    model's statuses, in one query: the totals row of a disclosure or objection list."""
    statuses = qs.model.Status.values
    return qs.order_by().aggregate(
        count=Count("pk"), **{code: Count("pk", filter=Q(status=code)) for code in statuses}
    )


def objection_for_user(user) -> QuerySet[Objection]:
    """Objections name their authors: the city office's business alone."""
    if not actor_of(user).is_city_office:
        return Objection.objects.none()
    return Objection.objects.select_related("disclosure", "decided_by")


def objection_queue(*, user, status: str = "") -> QuerySet[Objection]:
    """The office's queue: pending objections first, oldest first (they wait for an answer),
    then the decided ones, latest decision first."""
    qs = objection_for_user(user).prefetch_related(*_subject_prefetches("disclosure__"))
    if status:
        qs = qs.filter(status=status)
    # A pending objection has no decision yet: NULLs first puts the queue on top.
    return qs.order_by(F("decided_at").desc(nulls_first=True), "submitted_at", "id")


def objection_page(user, pk: int) -> Objection:
    """One objection with its disclosure described; raises ``Objection.DoesNotExist``."""
    return (
        objection_for_user(user).prefetch_related(*_subject_prefetches("disclosure__")).get(pk=pk)
    )


def open_exit_disclosure(**subject) -> Disclosure | None:
    """The exit of ``certificate=``, ``product=`` or ``base=`` now in disclosure, if any."""
    return (
        Disclosure.objects.filter(kind=Kind.EXIT, status=Status.OPEN, **subject)
        .order_by("-starts_on", "-id")
        .first()
    )


def objection_reference(objection: Objection) -> str:
    """The reference the objector is given (YY: 异议): YY-2026-000042."""
    year = timezone.localtime(objection.submitted_at).year
    return f"YY-{year}-{objection.pk:06d}"


# --- what the public reads --------------------------------------------------------------------


def working_days_left(disclosure: Disclosure, *, as_of: datetime.date) -> int | None:
    """Working days of the period after ``as_of`` (0 on its last day); None once the period is
    over or the disclosure closed."""
    if disclosure.status != Status.OPEN or as_of > disclosure.ends_on:
        return None
    day, left = as_of, 0
    while day < disclosure.ends_on:
        day += datetime.timedelta(days=1)
        left += is_working_day(day)
    return left


def effect_day(disclosure: Disclosure) -> datetime.date:
    """The nightly run settles a period the day after its last day
    (``products.services.disclosure.disclosures_due``: ``ends_on < as_of``)."""
    return disclosure.ends_on + datetime.timedelta(days=1)


def accepts_objections(disclosure: Disclosure, *, as_of: datetime.date) -> bool:
    """The objection form is open during the period (objection_submit checks it again)."""
    return disclosure.status == Status.OPEN and disclosure.starts_on <= as_of <= disclosure.ends_on


@dataclass(frozen=True)
class Notice:
    """A disclosure as the public reads it: its subject (a product or a base), the supplier and
    the region of origin, and one line saying what is disclosed."""

    disclosure: Disclosure
    subject: Product | SupplierBase | None
    subject_type: str  # "product" or "base"
    supplier: Supplier | None
    region: Region | None
    certificate: Certificate | None
    headline: str
    days_left: int | None
    open_for_objections: bool

    @property
    def period_over(self) -> bool:
        """Open, but the period has ended: it takes effect once settled or decided."""
        return self.disclosure.status == Status.OPEN and not self.open_for_objections

    @property
    def closed_on(self) -> datetime.date | None:
        """The day (in the portal's time zone) it took effect or was withdrawn."""
        closed_at = self.disclosure.closed_at
        return timezone.localdate(closed_at) if closed_at else None

    @property
    def takes_effect_on(self) -> datetime.date | None:
        """The day it takes (or took) effect. While the period runs: the day after its last
        day, when the nightly run (01:10) settles it unless an objection is upheld or still
        pending. Once in effect: the day it did. None when withdrawn, or when the period is
        over and an objection awaits the office's decision."""
        disclosure = self.disclosure
        if disclosure.status == Status.EFFECTIVE:
            return self.closed_on
        if disclosure.status == Status.OPEN and not self.period_over:
            return effect_day(disclosure)
        return None


def _score(value: Decimal | None) -> str:
    return f"{value:.2f}" if value is not None else "—"


def _headline(disclosure: Disclosure, subject, certificate: Certificate | None) -> str:
    name = subject.name if subject is not None else ""
    if disclosure.kind == Kind.CERTIFICATION and certificate is not None:
        values = {"scheme": certificate.scheme.name, "number": certificate.number}
        if disclosure.status == Status.OPEN:
            text = _("%(scheme)s certificate %(number)s to be issued") % values
        else:
            text = _("Issue of %(scheme)s certificate %(number)s") % values
        if certificate.renews_id:
            text += _(", renewing %(previous)s") % {"previous": certificate.renews.number}
        return text
    if disclosure.kind == Kind.EXIT:
        reason = ExitReason(disclosure.reason).label if disclosure.reason else "—"
        if certificate is not None:
            text = _("Revocation of %(scheme)s certificate %(number)s for %(reason)s") % {
                "scheme": certificate.scheme.name,
                "number": certificate.number,
                "reason": reason,
            }
        elif disclosure.product_id:
            text = _("Exit of product “%(name)s” for %(reason)s") % {
                "name": name,
                "reason": reason,
            }
        else:
            text = _("Exit of base “%(name)s” for %(reason)s") % {"name": name, "reason": reason}
        if disclosure.self_reported:
            text += " " + _("(reported by the supplier itself)")
        return text
    if disclosure.kind == Kind.MONITORING and disclosure.monitoring_record is not None:
        record = disclosure.monitoring_record
        return _("%(kind)s of %(date)s: %(result)s") % {
            "kind": record.get_kind_display(),
            "date": record.performed_on.isoformat(),
            "result": record.get_result_display().lower(),
        }
    if disclosure.kind == Kind.BASE_EVALUATION and disclosure.base_evaluation is not None:
        evaluation = disclosure.base_evaluation
        values = {
            "year": evaluation.year,
            "score": _score(evaluation.final_score),
            "category": evaluation.get_category_display(),
        }
        rank = getattr(evaluation, "rank", None)
        if evaluation.final_score is not None and rank is not None:
            return _(
                "Base evaluation %(year)s result: score %(score)s, rank %(rank)s of %(count)s "
                "in %(category)s"
            ) % {**values, "rank": rank, "count": evaluation.ranked}
        return _("Base evaluation %(year)s result: score %(score)s") % values
    return disclosure.get_kind_display()


def disclosure_subject(disclosure: Disclosure) -> tuple:
    """(subject, certificate) of a disclosure: the product or base it is about, and the
    certificate when it names one (prefetched relations are used when present)."""
    certificate = disclosure.certificate if disclosure.certificate_id else None
    if certificate is not None:
        return certificate.product or certificate.base, certificate
    if disclosure.product_id:
        return disclosure.product, None
    if disclosure.base_id:
        return disclosure.base, None
    if disclosure.monitoring_record_id:
        record = disclosure.monitoring_record
        return record.product or record.base, None
    if disclosure.base_evaluation_id:
        return disclosure.base_evaluation.base, None
    return None, None


def notice_of(disclosure: Disclosure, *, as_of: datetime.date) -> Notice:
    subject, certificate = disclosure_subject(disclosure)
    return Notice(
        disclosure=disclosure,
        subject=subject,
        subject_type="product" if isinstance(subject, Product) else "base",
        supplier=subject.supplier if subject is not None else None,
        region=subject.region if subject is not None else None,
        certificate=certificate,
        headline=_headline(disclosure, subject, certificate),
        days_left=working_days_left(disclosure, as_of=as_of),
        open_for_objections=accepts_objections(disclosure, as_of=as_of),
    )


def notices(disclosures, *, as_of: datetime.date) -> list[Notice]:
    return [notice_of(disclosure, as_of=as_of) for disclosure in disclosures]
