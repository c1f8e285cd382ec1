"""The random draw of experts (issue 10): seeded and reproducible, five experts, no one twice
for the same evaluation, conflicts of interest excluded, a conflict declared on being drawn
replaced by the next expert of the same seeded order; too small a pool is a clear error."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from portal.errors import ApplicationError
from portal.models import Notification, Role
from products.models import ExpertAssignment, ExpertConflict
from products.services import expert_draw as svc
from tests import factories as f

from .evaluation_builders import AS_OF, Status, base_of, drawn, evaluation, experts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- the pure draw, on hand-built pools --------------------------------------------------------

POOL = list(range(101, 116))  # fifteen expert ids


def test_the_same_seed_and_pool_give_the_same_experts_in_the_same_order():
    first = svc.draw(POOL, seed=20261123)
    assert first == svc.draw(list(reversed(POOL)), seed=20261123)
    assert len(first) == 5


def test_another_seed_gives_another_draw():
    draws = {tuple(svc.draw(POOL, seed=seed)) for seed in range(20)}
    assert len(draws) > 15


def test_no_expert_is_drawn_twice_and_every_one_comes_from_the_pool():
    for seed in range(50):
        chosen = svc.draw(POOL, seed=seed)
        assert len(set(chosen)) == 5
        assert set(chosen) <= set(POOL)


def test_every_expert_can_be_drawn():
    """The order is random: over many seeds each expert of the pool gets drawn."""
    seen = set()
    for seed in range(200):
        seen.update(svc.draw(POOL, seed=seed))
    assert seen == set(POOL)


def test_experts_already_taken_are_skipped_and_the_next_of_the_order_comes():
    order = svc.seeded_order(POOL, 7)
    assert svc.draw(POOL, seed=7, count=1, taken=order[:5]) == [order[5]]
    assert svc.draw(POOL, seed=7, count=2, taken={order[1]}) == [order[0], order[2]]


def test_the_order_of_two_experts_does_not_change_when_the_pool_does():
    """A replacement after the pool changed is still checkable against the draw's order."""
    order = svc.seeded_order(POOL, 99)
    grown = svc.seeded_order([*POOL, 500, 501, 502], 99)
    shrunk = svc.seeded_order(POOL[3:], 99)
    assert [pk for pk in grown if pk in POOL] == order
    assert [pk for pk in order if pk in POOL[3:]] == shrunk


def test_too_small_a_pool_is_a_clear_error():
    with pytest.raises(svc.PoolTooSmall) as refused:
        svc.draw([1, 2, 3, 4], seed=1)
    assert refused.value.available == 4
    assert "Only 4 eligible experts" in refused.value.message
    assert "needs 5" in refused.value.message


# --- drawing for an evaluation -----------------------------------------------------------------


@pytest.fixture
def base(supplier_org):
    return base_of(supplier_org)


@pytest.fixture
def at_site(base):
    return evaluation(base, status=Status.SITE_VERIFICATION, material_score=80)


def drawn_ids(evaluation_):
    return list(
        ExpertAssignment.objects.filter(evaluation=evaluation_)
        .order_by("position")
        .values_list("expert_id", flat=True)
    )


def test_the_draw_stores_its_seed_and_takes_five_experts_in_the_seeded_order(reviewer, at_site):
    pool = experts(12)

    svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, seed=4242, as_of=AS_OF)

    at_site.refresh_from_db()
    assert at_site.draw_seed == 4242
    assert drawn_ids(at_site) == svc.seeded_order([e.pk for e in pool], 4242)[:5]
    assert list(at_site.assignments.values_list("position", flat=True)) == [1, 2, 3, 4, 5]


def test_the_same_seed_and_pool_draw_the_same_experts_for_another_base(
    reviewer, supplier_org, at_site
):
    experts(12)
    other = evaluation(base_of(supplier_org, name="田东蔬菜基地"), status=Status.SITE_VERIFICATION)
    svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, seed=77, as_of=AS_OF)
    svc.evaluation_experts_draw(actor=reviewer, evaluation=other, seed=77, as_of=AS_OF)
    assert drawn_ids(at_site) == drawn_ids(other)


def test_a_draw_without_a_seed_picks_and_keeps_one(reviewer, at_site):
    experts(8)
    svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, as_of=AS_OF)
    at_site.refresh_from_db()
    assert at_site.draw_seed is not None
    pool = svc.eligible_expert_ids(supplier_id=at_site.base.supplier_id)
    assert drawn_ids(at_site) == svc.draw(pool, seed=at_site.draw_seed)


def test_experts_with_a_conflict_and_experts_out_of_the_pool_are_never_drawn(
    reviewer, supplier_org, supplier_org_2, at_site
):
    pool = experts(8)
    conflicted, retired, elsewhere = pool[0], pool[1], pool[2]
    ExpertConflict.objects.create(expert=conflicted, supplier=supplier_org, reason="曾任该公司顾问")
    ExpertConflict.objects.create(expert=elsewhere, supplier=supplier_org_2, reason="亲属任职")
    retired.active = False
    retired.save()

    for seed in range(30):
        ExpertAssignment.objects.filter(evaluation=at_site).delete()
        svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, seed=seed, as_of=AS_OF)
        chosen = set(drawn_ids(at_site))
        assert conflicted.pk not in chosen
        assert retired.pk not in chosen
    # a conflict with another supplier does not keep the expert out
    assert svc.eligible_expert_ids(supplier_id=supplier_org.pk).count(elsewhere.pk) == 1


def test_the_pool_must_hold_five_eligible_experts(reviewer, supplier_org, at_site):
    pool = experts(6)
    ExpertConflict.objects.create(expert=pool[0], supplier=supplier_org, reason="持股")
    ExpertConflict.objects.create(expert=pool[1], supplier=supplier_org, reason="亲属")

    with pytest.raises(svc.PoolTooSmall, match="Only 4 eligible experts"):
        svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, seed=1, as_of=AS_OF)
    at_site.refresh_from_db()
    assert at_site.draw_seed is None
    assert not at_site.assignments.exists()


def test_the_experts_are_drawn_once(reviewer, at_site):
    experts(10)
    svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, seed=1, as_of=AS_OF)
    with pytest.raises(ApplicationError, match="already been drawn"):
        svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, seed=2, as_of=AS_OF)


def test_experts_are_drawn_only_at_site_verification(reviewer, base):
    experts(10)
    applied = evaluation(base)
    with pytest.raises(ApplicationError, match="during site verification"):
        svc.evaluation_experts_draw(actor=reviewer, evaluation=applied, seed=1, as_of=AS_OF)


def test_only_the_office_or_a_reviewer_draws(supplier, at_site):
    experts(10)
    with pytest.raises(PermissionDenied):
        svc.evaluation_experts_draw(actor=supplier, evaluation=at_site, seed=1, as_of=AS_OF)


def test_the_seed_must_be_in_range(reviewer, at_site):
    experts(10)
    with pytest.raises(ValidationError):
        svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, seed=-1, as_of=AS_OF)


def test_the_database_refuses_the_same_expert_twice_for_an_evaluation(at_site):
    (expert,) = experts(1)
    ExpertAssignment.objects.create(evaluation=at_site, expert=expert, position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExpertAssignment.objects.create(evaluation=at_site, expert=expert, position=2)


def test_drawn_experts_with_an_account_are_told(reviewer, city, at_site):
    account = f.member(Role.REVIEWER, city, "expert_wang")
    pool = experts(5)
    pool[0].user = account
    pool[0].save()
    svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, seed=3, as_of=AS_OF)
    assert Notification.objects.filter(recipient=account, title__contains="drawn").exists()


# --- a conflict declared on being drawn --------------------------------------------------------


def test_a_drawn_expert_who_declares_a_conflict_is_replaced_by_the_next_of_the_order(
    reviewer, supplier_org, at_site
):
    pool = experts(12)
    svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, seed=555, as_of=AS_OF)
    order = svc.seeded_order([e.pk for e in pool], 555)
    second = at_site.assignments.get(position=2)

    replacement = svc.assignment_conflict_declare(
        actor=reviewer, assignment=second, reason="其配偶在该公司任职", as_of=AS_OF
    )

    assert replacement.expert_id == order[5]
    assert replacement.position == 6
    second.refresh_from_db()
    assert second.conflict_declared and second.score is None
    assert second.conflict_reason == "其配偶在该公司任职"
    # recorded in the pool: never drawn for this supplier again
    assert ExpertConflict.objects.filter(expert_id=second.expert_id, supplier=supplier_org).exists()
    # the drawn expert stays on the record (no one twice), and five experts still count
    assert drawn_ids(at_site) == order[:6]
    assert at_site.assignments.filter(conflict_declared=False).count() == 5


def test_replacements_are_reproducible(reviewer, supplier_org_2, at_site):
    """Two bases of different suppliers, the same seed and pool: the same draw, and the same
    replacement when their first expert declares a conflict."""
    experts(12)
    other = evaluation(
        base_of(supplier_org_2, name="喀什蔬菜基地"), status=Status.SITE_VERIFICATION
    )
    picks = []
    for evaluation_ in (at_site, other):
        svc.evaluation_experts_draw(actor=reviewer, evaluation=evaluation_, seed=9, as_of=AS_OF)
        first = evaluation_.assignments.get(position=1)
        picks.append(
            svc.assignment_conflict_declare(
                actor=reviewer, assignment=first, reason="曾参与该基地建设", as_of=AS_OF
            ).expert_id
        )
    assert picks[0] == picks[1]


def test_a_replacement_skips_experts_who_joined_the_conflicts_meanwhile(
    reviewer, supplier_org, at_site
):
    pool = experts(12)
    svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, seed=31, as_of=AS_OF)
    order = svc.seeded_order([e.pk for e in pool], 31)
    ExpertConflict.objects.create(expert_id=order[5], supplier=supplier_org, reason="新申报")

    replacement = svc.assignment_conflict_declare(
        actor=reviewer, assignment=at_site.assignments.get(position=1), reason="亲属", as_of=AS_OF
    )
    assert replacement.expert_id == order[6]


def test_no_replacement_left_refuses_the_declaration_clearly(reviewer, at_site):
    experts(5)
    svc.evaluation_experts_draw(actor=reviewer, evaluation=at_site, seed=1, as_of=AS_OF)
    first = at_site.assignments.get(position=1)
    with pytest.raises(svc.PoolTooSmall, match="Only 0 eligible experts"):
        svc.assignment_conflict_declare(
            actor=reviewer, assignment=first, reason="亲属", as_of=AS_OF
        )
    first.refresh_from_db()
    assert not first.conflict_declared


def test_an_expert_who_scored_cannot_declare_a_conflict_afterwards(reviewer, at_site):
    pool = experts(8)
    first, *_ = drawn(at_site, pool)
    svc.assignment_score(actor=reviewer, assignment=first, score="88", as_of=AS_OF)
    with pytest.raises(ApplicationError, match="already scored"):
        svc.assignment_conflict_declare(
            actor=reviewer, assignment=first, reason="亲属", as_of=AS_OF
        )


def test_a_conflict_needs_its_reason(reviewer, at_site):
    pool = experts(8)
    first, *_ = drawn(at_site, pool)
    with pytest.raises(ValidationError):
        svc.assignment_conflict_declare(actor=reviewer, assignment=first, reason=" ", as_of=AS_OF)


def test_declaring_a_conflict_in_the_pool_withdraws_the_expert_from_open_draws(
    city_officer, supplier_org, at_site
):
    pool = experts(10)
    assignments = drawn(at_site, pool, seed=12)
    expert = assignments[2].expert

    svc.expert_conflict_declare(
        actor=city_officer,
        expert=expert,
        supplier=supplier_org,
        reason="持有该公司股份",
        as_of=AS_OF,
    )

    assignments[2].refresh_from_db()
    assert assignments[2].conflict_declared
    assert at_site.assignments.filter(conflict_declared=False).count() == 5
    with pytest.raises(ApplicationError, match="already declared"):
        svc.expert_conflict_declare(
            actor=city_officer, expert=expert, supplier=supplier_org, reason="再次", as_of=AS_OF
        )


# --- scores and the pool -----------------------------------------------------------------------


def test_an_expert_with_an_account_scores_their_own_draw_only(city, at_site):
    account = f.member(Role.REVIEWER, city, "expert_li")
    other_account = f.member(Role.UNIT_CLERK, f.BudgetUnitFactory(), "clerk_expert")
    pool = experts(6)
    pool[0].user = account
    pool[0].save()
    pool[1].user = other_account
    pool[1].save()
    first, second, *_ = drawn(at_site, pool)

    svc.assignment_score(actor=other_account, assignment=second, score="86.5", as_of=AS_OF)
    second.refresh_from_db()
    assert str(second.score) == "86.50"
    with pytest.raises(PermissionDenied):
        svc.assignment_score(actor=other_account, assignment=first, score="70", as_of=AS_OF)


@pytest.mark.parametrize("bad", ["-1", "100.01", "88.888", "abc", ""])
def test_a_score_is_between_0_and_100_with_two_decimals(reviewer, at_site, bad):
    first, *_ = drawn(at_site, experts(5))
    with pytest.raises(ValidationError):
        svc.assignment_score(actor=reviewer, assignment=first, score=bad, as_of=AS_OF)


def test_the_office_adds_and_retires_experts(city_officer, supplier):
    expert = svc.expert_create(
        actor=city_officer, name="林志强", organisation="广西大学农学院", speciality="fruit"
    )
    assert expert.active
    svc.expert_set_active(actor=city_officer, expert=expert, active=False)
    expert.refresh_from_db()
    assert not expert.active
    assert expert.history.first().history_change_reason == "Taken out of the expert pool"
    with pytest.raises(PermissionDenied):
        svc.expert_create(actor=supplier, name="某人")


def test_an_account_belongs_to_one_expert(city_officer, reviewer):
    svc.expert_create(actor=city_officer, name="甲", user=reviewer)
    with pytest.raises(ValidationError):
        svc.expert_create(actor=city_officer, name="乙", user=reviewer)
