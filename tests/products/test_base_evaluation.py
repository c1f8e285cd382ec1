"""The yearly base evaluation (issue 10): the arithmetic on hand-built cases, the stages and
their refusals, the supplier's notifications, the ranking within category, and the
publication through a public disclosure that takes effect or is withdrawn."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.errors import ApplicationError
from portal.models import Notification
from products.evaluation_selectors import evaluation_list, with_rank
from products.models import BaseEvaluation, Disclosure, ExpertAssignment, MonitoringRecord
from products.services import base_evaluation as svc
from products.services import disclosure as core
from products.services import evaluation_scores as calc
from tests import factories as f

from .evaluation_builders import (
    AS_OF,
    YEAR,
    Status,
    base_of,
    drawn,
    evaluation,
    experts,
    failed,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
D = Decimal
SAMPLE, INSPECTION = MonitoringRecord.Kind.SAMPLE_TEST, MonitoringRecord.Kind.INSPECTION


def titles(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


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


# --- the journey -------------------------------------------------------------------------------


@pytest.fixture
def base(supplier_org):
    return base_of(supplier_org)


def test_an_evaluation_from_application_to_publication(supplier, city_officer, reviewer, base):
    experts(8)
    applied = svc.evaluation_apply(
        actor=supplier,
        base=base,
        year=YEAR,
        self_score="92.5",
        self_assessment="全年执行统一标准。",
        as_of=AS_OF,
    )
    assert (applied.status, applied.category, applied.self_score) == (
        Status.APPLIED,
        "vegetables",
        D("92.50"),
    )
    assert "New base evaluation to review" in titles(reviewer)[0]

    svc.evaluation_take_up(actor=reviewer, evaluation=applied, as_of=AS_OF)
    svc.evaluation_material_review(
        actor=reviewer, evaluation=applied, score="78", note="材料齐全", as_of=AS_OF
    )
    applied.refresh_from_db()
    assert applied.status == Status.SITE_VERIFICATION

    from products.services import expert_draw

    expert_draw.evaluation_experts_draw(actor=reviewer, evaluation=applied, seed=8, as_of=AS_OF)
    sheets = list(applied.assignments.order_by("position"))
    scores = {
        sheet.pk: s for sheet, s in zip(sheets, ["85", "86", "87", "90", "91.5"], strict=True)
    }
    failed(kind=INSPECTION, day=datetime.date(YEAR, 5, 5), base=base)
    svc.evaluation_site_record(
        actor=reviewer,
        evaluation=applied,
        scores=scores,
        site_verified_on=datetime.date(YEAR, 11, 10),
        site_note="现场核查：基地管理规范。",
        complete=True,
        as_of=AS_OF,
    )
    applied.refresh_from_db()
    assert applied.status == Status.RESULT_REVIEW
    # 20% × 92.5 + 80% × 87.9 − 3 = 18.5 + 70.32 − 3
    assert (applied.expert_score, applied.monitoring_deduction, applied.final_score) == (
        D("87.90"),
        D("3.00"),
        D("85.82"),
    )

    svc.evaluation_publish(actor=city_officer, evaluation=applied, note="结果无误", as_of=AS_OF)
    applied.refresh_from_db()
    assert applied.status == Status.IN_DISCLOSURE
    notice = Disclosure.objects.get(base_evaluation=applied)
    assert notice.kind == "base_evaluation" and notice.status == "open"
    assert "85.82" in notice.summary and "结果无误" in notice.summary

    core.disclosures_settle(as_of=notice.ends_on + datetime.timedelta(days=1))
    applied.refresh_from_db()
    assert applied.status == Status.PUBLISHED
    reasons = list(
        applied.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == [
        "Applied for evaluation",
        "Material review started",
        "Material review passed",
        "Experts drawn (seed 8)",
        "Site verification completed",
        "Result published for public disclosure",
        "Result published after public disclosure",
    ]
    supplier_titles = titles(supplier)
    assert any("material review" in t for t in supplier_titles)
    assert any("Site verification" in t for t in supplier_titles)
    assert any("In public disclosure" in t for t in supplier_titles)


def test_an_upheld_objection_sends_the_result_back_to_result_review_with_its_note(
    city_officer, base
):
    done = evaluation(
        base,
        status=Status.RESULT_REVIEW,
        material_score=D(80),
        expert_score=D(85),
        final_score="86",
    )
    drawn_sheets = drawn(done, experts(5))
    for sheet in drawn_sheets:
        sheet.score = D(85)
        sheet.save()
    done.status = Status.RESULT_REVIEW
    done.save()
    svc.evaluation_publish(actor=city_officer, evaluation=done, as_of=AS_OF)
    notice = Disclosure.objects.get(base_evaluation=done)
    objection = core.objection_submit(
        disclosure=notice, name="张三", contact="13800000000", text="现场核查不实", as_of=AS_OF
    )

    core.objection_decide(
        actor=city_officer, objection=objection, decision="uphold", note="复核属实", as_of=AS_OF
    )

    done.refresh_from_db()
    assert done.status == Status.RESULT_REVIEW
    assert "复核属实" in done.result_note and AS_OF.isoformat() in done.result_note
    # the office may publish again
    svc.evaluation_publish(actor=city_officer, evaluation=done, as_of=AS_OF)
    done.refresh_from_db()
    assert done.status == Status.IN_DISCLOSURE


def test_the_disclosure_callbacks_are_idempotent(base):
    published = evaluation(base, status=Status.PUBLISHED, final_score="80")
    svc.evaluation_disclosure_effect(published, as_of=AS_OF)
    svc.evaluation_disclosure_withdrawn(published, note="x", as_of=AS_OF)
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED and published.result_note == ""


def test_a_material_score_below_60_stops_the_evaluation_and_tells_the_supplier_why(
    supplier, reviewer, base
):
    applied = evaluation(base, status=Status.MATERIAL_REVIEW)
    with pytest.raises(ValidationError) as refused:
        svc.evaluation_material_review(
            actor=reviewer, evaluation=applied, score="59.99", as_of=AS_OF
        )
    assert "note" in refused.value.message_dict

    svc.evaluation_material_review(
        actor=reviewer, evaluation=applied, score="59.99", note="缺少检测报告", as_of=AS_OF
    )

    applied.refresh_from_db()
    assert applied.status == Status.NOT_PASSED and applied.decided_at is not None
    (notice,) = Notification.objects.filter(recipient=supplier)
    assert "Not passed" in notice.title and "59.99" in notice.title
    assert "缺少检测报告" in notice.body


def test_exactly_60_passes(reviewer, base):
    applied = evaluation(base, status=Status.MATERIAL_REVIEW)
    svc.evaluation_material_review(actor=reviewer, evaluation=applied, score="60", as_of=AS_OF)
    applied.refresh_from_db()
    assert applied.status == Status.SITE_VERIFICATION


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (Status.APPLIED, "material"),
        (Status.MATERIAL_REVIEW, "take_up"),
        (Status.SITE_VERIFICATION, "publish"),
        (Status.NOT_PASSED, "take_up"),
        (Status.PUBLISHED, "publish"),
        (Status.IN_DISCLOSURE, "site"),
    ],
)
def test_invalid_transitions_are_refused(city_officer, base, status, step):
    current = evaluation(base, status=status, final_score="80")
    calls = {
        "take_up": lambda: svc.evaluation_take_up(
            actor=city_officer, evaluation=current, as_of=AS_OF
        ),
        "material": lambda: svc.evaluation_material_review(
            actor=city_officer, evaluation=current, score="80", as_of=AS_OF
        ),
        "publish": lambda: svc.evaluation_publish(
            actor=city_officer, evaluation=current, as_of=AS_OF
        ),
        "site": lambda: svc.evaluation_site_record(
            actor=city_officer, evaluation=current, scores={}, complete=True, as_of=AS_OF
        ),
    }
    with pytest.raises(ApplicationError):
        calls[step]()
    current.refresh_from_db()
    assert current.status == status


def test_the_site_verification_completes_only_when_every_expert_has_scored(reviewer, base):
    site = evaluation(base)
    sheets = drawn(site, experts(6))
    partial = {sheet.pk: "80" for sheet in sheets[:4]}
    with pytest.raises(ApplicationError, match="Scores still missing"):
        svc.evaluation_site_record(
            actor=reviewer,
            evaluation=site,
            scores=partial,
            site_verified_on=AS_OF,
            site_note="核查",
            complete=True,
            as_of=AS_OF,
        )
    # saving without completing keeps the scores
    svc.evaluation_site_record(actor=reviewer, evaluation=site, scores=partial, as_of=AS_OF)
    assert site.assignments.filter(score__isnull=False).count() == 4
    site.refresh_from_db()
    assert site.status == Status.SITE_VERIFICATION


def test_completing_the_site_verification_needs_its_day_and_findings(reviewer, base):
    site = evaluation(base)
    sheets = drawn(site, experts(5))
    with pytest.raises(ValidationError) as refused:
        svc.evaluation_site_record(
            actor=reviewer,
            evaluation=site,
            scores={sheet.pk: "80" for sheet in sheets},
            site_verified_on=AS_OF + datetime.timedelta(days=1),
            complete=True,
            as_of=AS_OF,
        )
    assert set(refused.value.message_dict) == {"site_verified_on", "site_note"}


def test_who_may_take_each_step(supplier, supplier_2, reviewer, city_officer, clerk, base):
    applied = evaluation(base, status=Status.RESULT_REVIEW, final_score="80")
    with pytest.raises(PermissionDenied):
        svc.evaluation_publish(actor=reviewer, evaluation=applied, as_of=AS_OF)
    other = evaluation(base_of(base.supplier, name="第二基地"))
    with pytest.raises(PermissionDenied):
        svc.evaluation_take_up(actor=supplier, evaluation=other, as_of=AS_OF)
    with pytest.raises(PermissionDenied):
        svc.evaluation_take_up(actor=clerk, evaluation=other, as_of=AS_OF)
    with pytest.raises(PermissionDenied):
        svc.evaluation_withdraw(actor=supplier_2, evaluation=other, as_of=AS_OF)
    with pytest.raises(PermissionDenied):
        svc.evaluation_apply(
            actor=supplier_2,
            base=base,
            year=YEAR,
            self_score="80",
            self_assessment="x",
            as_of=AS_OF,
        )
    assert svc.allowed_actions(other, supplier) == ["withdraw"]
    assert svc.allowed_actions(other, supplier_2) == []
    assert svc.allowed_actions(other, city_officer) == ["take_up"]
    assert svc.allowed_actions(applied, reviewer) == []
    assert svc.allowed_actions(applied, city_officer) == ["publish"]


def apply(actor, base, **values):
    return svc.evaluation_apply(
        actor=actor,
        base=base,
        **{"year": YEAR, "self_score": "80", "self_assessment": "自评", "as_of": AS_OF, **values},
    )


def test_once_a_year_per_base_but_a_withdrawn_application_may_be_made_again(supplier, base):
    first = apply(supplier, base)
    with pytest.raises(ApplicationError, match="already has an evaluation for 2026"):
        apply(supplier, base)
    svc.evaluation_withdraw(actor=supplier, evaluation=first, as_of=AS_OF)
    again = apply(supplier, base, self_score="85")
    assert again.pk == first.pk
    assert (again.status, again.self_score) == (Status.APPLIED, D("85.00"))
    assert apply(supplier, base, year=YEAR - 1).year == YEAR - 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"year": YEAR - 2}, "year"),
        ({"year": YEAR + 1}, "year"),
        ({"self_score": "100.5"}, "self_score"),
        ({"self_score": "-1"}, "self_score"),
        ({"self_assessment": "  "}, "self_assessment"),
    ],
)
def test_the_application_is_checked(supplier, base, values, field):
    with pytest.raises(ValidationError) as refused:
        apply(supplier, base, **values)
    assert field in refused.value.message_dict


def test_a_base_not_active_cannot_apply(supplier, base):
    base.status = "suspended"
    base.save()
    with pytest.raises(ValidationError) as refused:
        apply(supplier, base)
    assert "base" in refused.value.message_dict


def test_a_withdrawal_after_the_material_review_is_refused(supplier, base):
    site = evaluation(base, status=Status.SITE_VERIFICATION)
    with pytest.raises(ApplicationError):
        svc.evaluation_withdraw(actor=supplier, evaluation=site, as_of=AS_OF)


def test_publication_recomputes_the_deduction_from_the_monitoring_as_it_stands(city_officer, base):
    done = evaluation(base, self_score="90", final_score="80")
    for sheet in drawn(done, experts(5)):
        sheet.score = D(85)
        sheet.save()
    done.status = Status.RESULT_REVIEW
    done.monitoring_deduction = D(5)
    done.save()
    # the failure counted at site verification was annulled since
    failed(kind=SAMPLE, day=datetime.date(YEAR, 3, 1), base=base, annulled=True)

    svc.evaluation_publish(actor=city_officer, evaluation=done, as_of=AS_OF)

    done.refresh_from_db()
    assert (done.monitoring_deduction, done.final_score) == (D("0.00"), D("86.00"))


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


def test_a_supplier_reads_only_its_own_bases_evaluations(supplier, supplier_2, clerk, base):
    evaluation(base)
    assert len(evaluation_list(user=supplier)) == 1
    assert len(evaluation_list(user=supplier_2)) == 0
    assert len(evaluation_list(user=clerk)) == 0
