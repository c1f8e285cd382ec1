"""Public disclosure (公示), the core: the period in working days, taking effect when it passes
unopposed (the nightly Celery job, under a frozen clock), and upheld objections stopping it."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError

from portal.errors import ApplicationError
from portal.models import Notification
from portal.workdays import add_working_days, is_working_day
from products.models import (
    Certificate,
    CertificationApplication,
    Disclosure,
    Evaluation,
    ExitAction,
    MonitoringRecord,
    Objection,
    SupplierBase,
)
from products.selectors import catalogue_products
from products.services.disclosure import (
    disclosures_settle,
    exit_disclose,
    objection_decide,
    objection_submit,
)
from products.services.monitoring import monitoring_record
from products.services.review import application_decide
from products.tasks import disclosures_daily
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# A Monday; five working days later is Monday 2026-11-30, so it takes effect on 2026-12-01.
AS_OF = datetime.date(2026, 11, 23)
LAST_DAY = datetime.date(2026, 11, 30)
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def mango(supplier_org):
    return f.ProductFactory(supplier=supplier_org, name="田阳香芒", households_lifted=120)


@pytest.fixture
def approved(reviewer, mango):
    """An approved 圳品 application and the certificate it issued, in disclosure."""
    application = CertificationApplication.objects.create(
        supplier=mango.supplier,
        scheme_id="szp",
        product=mango,
        status=CertificationApplication.Status.UNDER_REVIEW,
        reviewer=reviewer,
        households=120,
    )
    Evaluation.objects.create(
        application=application, evaluated_on=AS_OF, score=Decimal("88.5"), evaluator=reviewer
    )
    certificate = application_decide(
        actor=reviewer, application=application, decision="approve", as_of=AS_OF
    )
    return certificate


def disclosure_of(certificate: Certificate) -> Disclosure:
    return Disclosure.objects.get(certificate=certificate, kind="certification")


def objection(disclosure, *, as_of=AS_OF, text="该产品实际产地不在田阳区"):
    return objection_submit(
        disclosure=disclosure, name="李明", contact="13800138000", text=text, as_of=as_of
    )


# -- working days -----------------------------------------------------------------------------


def test_working_days_follow_the_official_calendar():
    # National Day 2026: 1–7 October are holidays; Thursday the 8th is a working day again.
    assert not is_working_day(datetime.date(2026, 10, 1))
    assert not is_working_day(datetime.date(2026, 11, 28))  # a Saturday
    assert is_working_day(datetime.date(2026, 11, 27))
    assert add_working_days(datetime.date(2026, 9, 30), 1) == datetime.date(2026, 10, 8)
    assert add_working_days(AS_OF, 5) == LAST_DAY  # across a weekend


def test_a_year_the_calendar_does_not_cover_counts_monday_to_friday():
    # 2027 is not published yet: Friday 1 January 2027 counts as a working day.
    assert add_working_days(datetime.date(2026, 12, 31), 1) == datetime.date(2027, 1, 1)
    assert add_working_days(datetime.date(2027, 1, 1), 1) == datetime.date(2027, 1, 4)


def test_a_period_needs_at_least_one_working_day():
    with pytest.raises(ValueError):
        add_working_days(AS_OF, 0)


# -- certification results ----------------------------------------------------------------------


def test_an_approval_issues_the_certificate_in_disclosure(approved, mango):
    disclosure = disclosure_of(approved)
    assert approved.status == Certificate.Status.PENDING
    assert (disclosure.status, disclosure.starts_on, disclosure.ends_on) == (
        "open",
        AS_OF,
        LAST_DAY,
    )
    assert disclosure.application_id == approved.application_id
    # Not valid yet: the catalogue does not list the product.
    assert mango not in catalogue_products(as_of=datetime.date(2026, 11, 24))


def test_the_disclosure_takes_effect_the_night_after_its_period_with_a_frozen_clock(
    approved, mango, supplier
):
    # The last day of the period: nothing yet.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 1, 10, tzinfo=SHANGHAI)):
        assert disclosures_daily.delay().get() == {"as_of": "2026-11-30", "effective": 0}
    approved.refresh_from_db()
    assert approved.status == Certificate.Status.PENDING
    # The next night the beat's job puts it in effect, valid from that day.
    with time_machine.travel(datetime.datetime(2026, 12, 1, 1, 10, tzinfo=SHANGHAI)):
        assert disclosures_daily.delay().get() == {"as_of": "2026-12-01", "effective": 1}
    approved.refresh_from_db()
    assert approved.status == Certificate.Status.VALID
    assert approved.valid_from == datetime.date(2026, 12, 1)
    assert approved.valid_until == datetime.date(2029, 11, 30)  # 圳品: 36 months
    assert disclosure_of(approved).status == "effective"
    assert mango in catalogue_products(as_of=datetime.date(2026, 12, 1))
    assert Notification.objects.filter(recipient=supplier, title__contains=approved.number).exists()
    # Idempotent: run again, nothing more happens.
    assert disclosures_settle(as_of=datetime.date(2026, 12, 2))["effective"] == 0


def test_the_beat_runs_the_disclosures_before_the_certificates_expire():
    entries = {
        entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    }
    disclosures, expiry = (
        entries["products.disclosures_daily"],
        entries["products.certificates_daily"],
    )
    assert (disclosures.hour, disclosures.minute) == ({1}, {10})
    assert (min(disclosures.hour), min(disclosures.minute)) < (
        min(expiry.hour),
        min(expiry.minute),
    )


def test_an_upheld_objection_stops_the_certificate(approved, city_officer, supplier):
    disclosure = disclosure_of(approved)
    complaint = objection(disclosure)
    assert complaint.status == "pending"
    objection_decide(
        actor=city_officer,
        objection=complaint,
        decision="uphold",
        note="经核实，产地与申报不符",
        as_of=datetime.date(2026, 11, 26),
    )
    disclosure.refresh_from_db()
    approved.refresh_from_db()
    assert disclosure.status == "withdrawn"
    assert approved.status == Certificate.Status.REVOKED
    # The period passes: it never takes effect.
    assert disclosures_settle(as_of=datetime.date(2026, 12, 7))["effective"] == 0
    approved.refresh_from_db()
    assert approved.status == Certificate.Status.REVOKED
    assert Notification.objects.filter(
        recipient=supplier, title__startswith="Withdrawn", body="经核实，产地与申报不符"
    ).exists()


def test_a_pending_objection_holds_the_disclosure_until_it_is_dismissed(approved, city_officer):
    disclosure = disclosure_of(approved)
    complaint = objection(disclosure)
    assert disclosures_settle(as_of=datetime.date(2026, 12, 1))["effective"] == 0
    approved.refresh_from_db()
    assert approved.status == Certificate.Status.PENDING
    # Dismissed after the period: it takes effect at once, from the day of the decision.
    objection_decide(
        actor=city_officer,
        objection=complaint,
        decision="dismiss",
        note="产地证明齐全，异议不成立",
        as_of=datetime.date(2026, 12, 3),
    )
    approved.refresh_from_db()
    assert approved.status == Certificate.Status.VALID
    assert approved.valid_from == datetime.date(2026, 12, 3)
    with pytest.raises(ApplicationError):
        objection_decide(
            actor=city_officer,
            objection=complaint,
            decision="uphold",
            note="再议",
            as_of=datetime.date(2026, 12, 3),
        )


def test_a_dismissal_within_the_period_leaves_it_to_the_nightly_job(approved, city_officer):
    complaint = objection(disclosure_of(approved))
    objection_decide(
        actor=city_officer, objection=complaint, decision="dismiss", note="不成立", as_of=AS_OF
    )
    approved.refresh_from_db()
    assert approved.status == Certificate.Status.PENDING
    assert disclosures_settle(as_of=datetime.date(2026, 12, 1))["effective"] == 1


def test_objections_close_with_the_period_and_need_their_facts(approved):
    disclosure = disclosure_of(approved)
    with pytest.raises(ValidationError) as error:
        objection_submit(disclosure=disclosure, name=" ", contact="", text="", as_of=AS_OF)
    assert set(error.value.message_dict) == {"name", "contact", "text"}
    with pytest.raises(ApplicationError):
        objection(disclosure, as_of=datetime.date(2026, 12, 1))
    assert not Objection.objects.exists()


def test_only_the_city_office_decides_objections_and_with_reasons(approved, reviewer, city_officer):
    complaint = objection(disclosure_of(approved))
    with pytest.raises(PermissionDenied):
        objection_decide(
            actor=reviewer, objection=complaint, decision="uphold", note="x", as_of=AS_OF
        )
    with pytest.raises(ValidationError):
        objection_decide(
            actor=city_officer, objection=complaint, decision="uphold", note=" ", as_of=AS_OF
        )
    complaint.refresh_from_db()
    assert complaint.status == "pending"


def test_a_renewal_takes_effect_the_day_after_the_certificate_it_renews(reviewer, mango):
    old = f.CertificateFactory(
        product=mango,
        scheme_id="szp",
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )
    application = CertificationApplication.objects.create(
        supplier=mango.supplier,
        scheme_id="szp",
        product=mango,
        renews=old,
        status=CertificationApplication.Status.UNDER_REVIEW,
        reviewer=reviewer,
    )
    Evaluation.objects.create(
        application=application, evaluated_on=AS_OF, score=Decimal("90"), evaluator=reviewer
    )
    renewal = application_decide(
        actor=reviewer, application=application, decision="approve", as_of=AS_OF
    )
    assert renewal.renews == old
    disclosures_settle(as_of=datetime.date(2026, 12, 1))
    renewal.refresh_from_db()
    assert renewal.status == Certificate.Status.VALID
    assert (renewal.valid_from, renewal.valid_until) == (
        datetime.date(2027, 1, 1),
        datetime.date(2029, 12, 31),
    )


# -- exits, self-reports and monitoring ------------------------------------------------------------


@pytest.fixture
def base(supplier_org):
    return SupplierBase.objects.create(
        supplier=supplier_org, name="田阳芒果种植基地", region=f.region(f.TIANYANG)
    )


def test_an_exit_waits_for_its_disclosure_then_exits_the_base_and_its_certificates(
    base, city_officer
):
    certificate = f.CertificateFactory(
        product=None, base=base, supplier=base.supplier, scheme_id="base"
    )
    disclosure = exit_disclose(
        actor=city_officer, subject=base, reason="quality", note="连续两次抽检不合格", as_of=AS_OF
    )
    base.refresh_from_db()
    assert (disclosure.removal, base.status) == ("exit", SupplierBase.Status.ACTIVE)
    with pytest.raises(ApplicationError):  # one exit in disclosure at a time
        exit_disclose(actor=city_officer, subject=base, reason="quality", note="", as_of=AS_OF)
    disclosures_settle(as_of=datetime.date(2026, 12, 1))
    base.refresh_from_db()
    certificate.refresh_from_db()
    assert base.status == SupplierBase.Status.EXITED
    assert certificate.status == Certificate.Status.REVOKED
    step = ExitAction.objects.get(base=base)
    assert (step.action, step.reason, step.actor) == ("exit", "quality", city_officer)


def test_an_upheld_objection_to_an_exit_leaves_the_product_listed(mango, city_officer):
    disclosure = exit_disclose(
        actor=city_officer, subject=mango, reason="price", note="价格明显高于市场价", as_of=AS_OF
    )
    objection_decide(
        actor=city_officer,
        objection=objection(disclosure, text="价格含冷链运费，属合理"),
        decision="uphold",
        note="价格构成合理",
        as_of=AS_OF,
    )
    disclosures_settle(as_of=datetime.date(2026, 12, 1))
    mango.refresh_from_db()
    assert mango.status == "listed"
    assert not ExitAction.objects.filter(product=mango).exists()


def test_a_base_reports_itself_and_only_its_own_supplier_may(base, supplier, supplier_2):
    with pytest.raises(PermissionDenied):
        exit_disclose(
            actor=supplier_2,
            subject=base,
            reason="other",
            note="不再符合",
            as_of=AS_OF,
            self_reported=True,
        )
    with pytest.raises(PermissionDenied):  # a supplier may not exit by the office's way
        exit_disclose(actor=supplier, subject=base, reason="quality", note="x", as_of=AS_OF)
    disclosure = exit_disclose(
        actor=supplier,
        subject=base,
        reason="no_effect",
        note="基地已转产，不再带动脱贫户",
        as_of=AS_OF,
        self_reported=True,
    )
    assert disclosure.self_reported
    disclosures_settle(as_of=datetime.date(2026, 12, 1))
    base.refresh_from_db()
    assert base.status == SupplierBase.Status.EXITED


def test_a_monitoring_result_is_disclosed_and_an_upheld_objection_annuls_it(mango, city_officer):
    record = monitoring_record(
        actor=city_officer,
        product=mango,
        kind="sample_test",
        performed_on=AS_OF,
        agency="深圳市计量质量检测研究院",
        result="failed",
        findings="农药残留超标",
        as_of=AS_OF,
    )
    disclosure = Disclosure.objects.get(monitoring_record=record)
    assert disclosure.kind == "monitoring" and record.proposal == "open"
    objection_decide(
        actor=city_officer,
        objection=objection(disclosure, text="送检样品非本企业产品"),
        decision="uphold",
        note="复检合格，原检测结果作废",
        as_of=AS_OF,
    )
    record.refresh_from_db()
    assert record.annulled
    assert record.proposal == MonitoringRecord.Proposal.DISMISSED
