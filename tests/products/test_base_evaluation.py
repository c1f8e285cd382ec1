"""The yearly base evaluation (issue 10): the stages and their refusals, the supplier's
notifications, the publication through a public disclosure that takes effect or is withdrawn,
and who reads the list. The arithmetic and the ranking are in ``test_evaluation_scores``."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.errors import ApplicationError
from portal.models import Notification
from products.evaluation_selectors import evaluation_list
from products.models import Disclosure, MonitoringRecord
from products.services import base_evaluation as svc
from products.services import disclosure as core

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


# --- who reads the list ------------------------------------------------------------------------


def test_a_supplier_reads_only_its_own_bases_evaluations(supplier, supplier_2, clerk, base):
    evaluation(base)
    assert len(evaluation_list(user=supplier)) == 1
    assert len(evaluation_list(user=supplier_2)) == 0
    assert len(evaluation_list(user=clerk)) == 0
