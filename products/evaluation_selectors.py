"""Scoped reads of the base evaluations (菜篮子基地年度评价) and the expert pool.

Who reads what: the city office, the district offices and the reviewers read every
evaluation; a supplier reads those of its own bases; no one else any. The expert pool (names,
organisations, conflicts) is the city office's and the reviewers' business only, and a
supplier never learns which experts were drawn for its base (``experts_visible``).

The rank, one rule wherever it is shown (the lists, the API, the public notices): bases are
ranked within their year and category by final score among the results made public (in
disclosure or published); ties share a rank ("1, 2, 2, 4"). A result still in review takes
the rank it would have among those, without moving theirs, so the rank a notice publishes
never changes behind it. It is computed in the database in the same query as the rows, and it
does not depend on the filters of the list.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from portal.roles import actor_of

from .models import (
    BaseEvaluation,
    Expert,
    ExpertAssignment,
    ExpertConflict,
    Supplier,
    SupplierBase,
)
from .selectors import _count_of

Status = BaseEvaluation.Status
RANKED_STATUSES = (Status.RESULT_REVIEW, Status.IN_DISCLOSURE, Status.PUBLISHED)
# The results that make the ranking: the public ones.
PUBLIC_STATUSES = (Status.IN_DISCLOSURE, Status.PUBLISHED)


def _count(qs: QuerySet) -> Coalesce:
    """COUNT(*) of ``qs`` as a correlated subquery (0 when nothing matches)."""
    counted = qs.order_by().values("year").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_rank(qs: QuerySet[BaseEvaluation]) -> QuerySet[BaseEvaluation]:
    """Each evaluation with ``rank`` in its year and category (None before it has a final
    score) and ``ranked``, the number of public results there: one plus the number of public
    results scoring higher, a correlated COUNT in the same query."""
    public = BaseEvaluation.objects.filter(
        year=OuterRef("year"),
        category=OuterRef("category"),
        status__in=PUBLIC_STATUSES,
        final_score__isnull=False,
    )
    return qs.annotate(
        rank=Case(
            When(
                status__in=RANKED_STATUSES,
                final_score__isnull=False,
                then=_count(public.filter(final_score__gt=OuterRef("final_score"))) + 1,
            ),
            default=None,
            output_field=IntegerField(),
        ),
        ranked=_count(public),
    )


def evaluation_for_user(user) -> QuerySet[BaseEvaluation]:
    """The evaluations ``user`` may read (see the module docstring)."""
    actor = actor_of(user)
    qs = BaseEvaluation.objects.select_related("base__supplier", "base__region")
    if actor.is_city or actor.is_district_office:
        return qs
    if actor.is_supplier:
        return qs.filter(base__supplier_id=actor.organisation_id)
    return qs.none()


def experts_visible(user) -> bool:
    """Who sees the drawn experts' names and scores: not the supplier under evaluation."""
    actor = actor_of(user)
    return actor.is_city or actor.is_district_office


def evaluation_list(
    *, user, year: int | None = None, category: str = "", status: str = ""
) -> QuerySet[BaseEvaluation]:
    """The evaluations ``user`` may read, filtered, each with its rank, ordered by year, then
    category, then rank (unranked last), then base name."""
    qs = evaluation_for_user(user)
    if year:
        qs = qs.filter(year=year)
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    return with_rank(qs).order_by(
        "-year", "category", F("rank").asc(nulls_last=True), "base__name", "pk"
    )


def evaluation_totals(qs: QuerySet[BaseEvaluation]) -> dict[str, int]:
    """How many evaluations ``qs`` holds, in all and per status: one query."""
    counts = {value: Count("pk", filter=Q(status=value)) for value in Status.values}
    return qs.order_by().aggregate(total=Count("pk"), **counts)


def evaluation_years(user) -> list[int]:
    """The years with evaluations the user may read, newest first (the year filter)."""
    return list(
        evaluation_for_user(user).order_by("-year").values_list("year", flat=True).distinct()
    )


def assignments_prefetch() -> Prefetch:
    """The drawn experts of each evaluation in draw order, with their names: one query for
    any number of evaluations."""
    return Prefetch(
        "assignments",
        queryset=ExpertAssignment.objects.select_related("expert").order_by("position"),
    )


def evaluation_page(user, pk: int) -> BaseEvaluation:
    """One evaluation with its rank and drawn experts; Http404 when the user may not read it."""
    return get_object_or_404(
        with_rank(evaluation_for_user(user))
        .select_related("base__region__parent", "applied_by")
        .prefetch_related(assignments_prefetch()),
        pk=pk,
    )


def own_bases_for_evaluation(user) -> QuerySet[SupplierBase]:
    """The bases a supplier may apply for: its own active ones (no one else's)."""
    actor = actor_of(user)
    if not actor.is_supplier:
        return SupplierBase.objects.none()
    return SupplierBase.objects.filter(
        supplier_id=actor.organisation_id, status=SupplierBase.Status.ACTIVE
    ).order_by("name", "pk")


def own_bases_with_evaluation(user, *, year: int) -> QuerySet[SupplierBase]:
    """The supplier's active bases, each with the id and status of its evaluation for
    ``year`` (None when it has not applied): one query."""
    this_year = BaseEvaluation.objects.filter(base=OuterRef("pk"), year=year)
    return (
        own_bases_for_evaluation(user)
        .select_related("region")
        .annotate(
            evaluation_id=Subquery(this_year.values("pk")[:1]),
            evaluation_status=Subquery(this_year.values("status")[:1]),
        )
    )


def own_base(user, pk: int) -> SupplierBase:
    """One of the supplier's own bases, whatever its status; Http404 for any other."""
    actor = actor_of(user)
    if not actor.is_supplier:
        raise Http404
    return get_object_or_404(
        SupplierBase.objects.select_related("supplier", "region"),
        pk=pk,
        supplier_id=actor.organisation_id,
    )


# --- the expert pool ---------------------------------------------------------------------------


def expert_for_user(user) -> QuerySet[Expert]:
    """The pool, for the city office and the reviewers only."""
    actor = actor_of(user)
    if not actor.is_city:
        return Expert.objects.none()
    return Expert.objects.select_related("user")


def expert_list(*, user, q: str = "", active: bool | None = None) -> QuerySet[Expert]:
    """The pool, filtered, with each expert's count of declared conflicts and of draws in one
    query (correlated counts: no join multiplies the rows)."""
    qs = expert_for_user(user)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(organisation__icontains=q))
    if active is not None:
        qs = qs.filter(active=active)
    return qs.annotate(
        conflict_count=_count_of(ExpertConflict, "expert"),
        draw_count=_count_of(ExpertAssignment, "expert"),
    ).order_by("-active", "name", "pk")


def expert_totals(qs: QuerySet[Expert]) -> dict[str, int]:
    """How many experts ``qs`` holds, in all, in the pool and out of it: one query."""
    return qs.order_by().aggregate(
        total=Count("pk"),
        in_pool=Count("pk", filter=Q(active=True)),
        out_of_pool=Count("pk", filter=Q(active=False)),
    )


def expert_page(user, pk: int) -> Expert:
    return get_object_or_404(expert_for_user(user), pk=pk)


def expert_conflicts(expert: Expert):
    return expert.conflicts.select_related("supplier").order_by("-declared_at", "-pk")


def expert_assignments(expert: Expert):
    return (
        ExpertAssignment.objects.filter(expert=expert)
        .select_related("evaluation__base")
        .order_by("-evaluation__year", "-pk")
    )


def conflict_supplier_choices() -> QuerySet[Supplier]:
    """The suppliers an expert may declare a conflict with: those with a base, past
    registration."""
    with_base = Exists(SupplierBase.objects.filter(supplier_id=OuterRef("pk")))
    return (
        Supplier.objects.filter(with_base)
        .exclude(status=Supplier.Status.PENDING)
        .order_by("name", "pk")
    )
