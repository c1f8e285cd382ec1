"""The base evaluation's numbers (issue 10): the arithmetic of the final score on hand-built
cases, the monitoring deduction, and the ranking within category. The stages, their refusals
and the publication are in ``test_base_evaluation``."""

import datetime
from decimal import Decimal

import pytest

from products.evaluation_selectors import evaluation_list, with_rank
from products.models import BaseEvaluation, ExpertAssignment, MonitoringRecord
from products.services import evaluation_scores as calc
from tests import factories as f

from .evaluation_builders import AS_OF, YEAR, Status, base_of, evaluation, failed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
D = Decimal
SAMPLE, INSPECTION = MonitoringRecord.Kind.SAMPLE_TEST, MonitoringRecord.Kind.INSPECTION


# --- the arithmetic, by hand -------------------------------------------------------------------


def test_final_is_a_fifth_of_the_self_assessment_and_four_fifths_of_the_experts():
    # 20% × 90 + 80% × 85 = 18 + 68
    assert calc.final_score(self_score=D("90"), expert_score=D("85"), deduction=D("0")) == D(
        "86.00"
    )
    # 20% × 88.5 + 80% × 87.9 − 3 = 17.7 + 70.32 − 3
    assert calc.final_score(self_score=D("88.5"), expert_score=D("87.9"), deduction=D("3")) == D(
        "85.02"
    )


def test_the_final_score_is_rounded_to_two_places():
    # 20% × 85.55 + 80% × 70.03 = 17.11 + 56.024 = 73.134
    assert calc.final_score(self_score=D("85.55"), expert_score=D("70.03"), deduction=D(0)) == D(
        "73.13"
    )
    # 20% × 85.57 + 80% × 70.03 = 17.114 + 56.024 = 73.138
    assert calc.final_score(self_score=D("85.57"), expert_score=D("70.03"), deduction=D(0)) == D(
        "73.14"
    )


def test_the_final_score_is_never_below_zero():
    assert calc.final_score(self_score=D("0"), expert_score=D("10"), deduction=D("20")) == D("0.00")


def test_the_mean_rounds_halves_up():
    assert calc.experts_mean([D("80.02"), D("80.03")]) == D("80.03")  # 80.025: half-even → 80.02
    assert calc.experts_mean([D("85"), D("86"), D("87"), D("90"), D("91.5")]) == D("87.90")
    assert calc.experts_mean([D("90"), D("85"), D("85")]) == D("86.67")
    assert calc.score_round(D("86.405")) == D("86.41")


def test_experts_who_declared_a_conflict_do_not_count():
    sheets = [
        ExpertAssignment(score=D("90")),
        ExpertAssignment(score=D("80")),
        ExpertAssignment(conflict_declared=True, score=None),
        ExpertAssignment(score=D("70")),
        ExpertAssignment(score=D("60")),
        ExpertAssignment(score=D("50")),
    ]
    assert calc.counting_scores(sheets) == [D("90"), D("80"), D("70"), D("60"), D("50")]
    assert calc.experts_mean(calc.counting_scores(sheets)) == D("70.00")


def test_the_mean_of_no_score_is_an_error():
    with pytest.raises(ValueError):
        calc.experts_mean([])


@pytest.mark.parametrize(
    ("sample_tests", "inspections", "points"),
    [
        (0, 0, "0.00"),
        (1, 0, "5.00"),
        (0, 1, "3.00"),
        (2, 1, "13.00"),
        (3, 2, "20.00"),
        (9, 9, "20.00"),
    ],
)
def test_the_monitoring_deduction_per_failure_is_capped(sample_tests, inspections, points):
    assert calc.monitoring_deduction(
        failed_sample_tests=sample_tests, failed_inspections=inspections
    ) == D(points)


def test_the_years_failed_monitoring_of_the_base_and_its_products_counts(supplier_org):
    base = base_of(supplier_org)
    other_base = base_of(supplier_org, name="另一基地")
    tomato = f.ProductFactory(supplier=supplier_org, base=base, name="田阳小番茄")
    in_year = datetime.date(YEAR, 6, 1)
    failed(kind=SAMPLE, day=in_year, product=tomato)
    failed(kind=SAMPLE, day=in_year, base=base)
    failed(kind=INSPECTION, day=in_year, base=base)
    # none of these counts:
    failed(kind=SAMPLE, day=in_year, base=base, annulled=True)
    failed(kind=SAMPLE, day=datetime.date(YEAR - 1, 12, 31), base=base)
    failed(kind=SAMPLE, day=in_year, base=other_base)
    MonitoringRecord.objects.create(
        base=base, kind=INSPECTION, performed_on=in_year, result="passed", agency="巡查组"
    )

    assert calc.monitoring_failures(base_id=base.pk, year=YEAR, as_of=AS_OF) == {
        "failed_sample_tests": 2,
        "failed_inspections": 1,
    }


# --- the ranking -------------------------------------------------------------------------------


def ranks(user, **filters):
    return {e.base.name: e.rank for e in evaluation_list(user=user, **filters)}


def test_ties_share_a_rank_within_the_category(city_officer, supplier_org):
    for name, score in (("甲", "91"), ("乙", "88.5"), ("丙", "88.5"), ("丁", "80")):
        evaluation(base_of(supplier_org, name=name), status=Status.PUBLISHED, final_score=score)
    evaluation(base_of(supplier_org, name="戊"), status=Status.MATERIAL_REVIEW)
    assert ranks(city_officer) == {"甲": 1, "乙": 2, "丙": 2, "丁": 4, "戊": None}


def test_a_result_in_review_takes_its_rank_without_moving_the_public_ones(
    city_officer, supplier_org
):
    evaluation(base_of(supplier_org, name="审核中"), status=Status.RESULT_REVIEW, final_score="95")
    evaluation(base_of(supplier_org, name="公示中"), status=Status.IN_DISCLOSURE, final_score="90")
    evaluation(base_of(supplier_org, name="已发布"), status=Status.PUBLISHED, final_score="70")
    assert ranks(city_officer) == {"审核中": 1, "公示中": 1, "已发布": 2}
    ranked = with_rank(BaseEvaluation.objects.filter(base__name="公示中")).get()
    assert ranked.ranked == 2  # the public results of the year's category


def test_ranks_are_per_year_and_category_and_do_not_depend_on_the_filters(
    city_officer, supplier_org
):
    evaluation(base_of(supplier_org, name="蔬菜一"), status=Status.PUBLISHED, final_score="90")
    evaluation(base_of(supplier_org, name="蔬菜二"), status=Status.PUBLISHED, final_score="80")
    evaluation(
        base_of(supplier_org, name="水果一", category="fruit"),
        status=Status.PUBLISHED,
        final_score="85",
    )
    evaluation(
        base_of(supplier_org, name="去年"), status=Status.PUBLISHED, final_score="99", year=2025
    )
    evaluation(base_of(supplier_org, name="未通过"), status=Status.NOT_PASSED)
    assert ranks(city_officer) == {"蔬菜一": 1, "蔬菜二": 2, "水果一": 1, "去年": 1, "未通过": None}
    # filtering the list to one base keeps its rank among all
    assert ranks(city_officer, year=YEAR, category="vegetables", status="published") == {
        "蔬菜一": 1,
        "蔬菜二": 2,
    }
    only = with_rank(BaseEvaluation.objects.filter(base__name="蔬菜二")).get()
    assert only.rank == 2


def test_the_rank_is_computed_in_one_query(city_officer, supplier_org, django_assert_num_queries):
    for i in range(12):
        evaluation(
            base_of(supplier_org, name=f"基地{i}"), status=Status.PUBLISHED, final_score=80 + i % 4
        )
    from portal.roles import actor_of

    actor_of(city_officer)
    with django_assert_num_queries(1):
        rows = list(evaluation_list(user=city_officer))
    assert sorted(r.rank for r in rows) == [1, 1, 1, 4, 4, 4, 7, 7, 7, 10, 10, 10]
