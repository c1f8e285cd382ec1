"""The daily expiry of certificates and the warnings 60 and 30 days before it (issue 4), with
fixed dates passed in, and their effect on the rest of the portal: purchases."""

import datetime
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from portal.celery import app
from portal.models import Notification
from procurement.models import ProcurementRecord
from procurement.rules import RecordData
from procurement.services import procurement_record_create
from products.models import Certificate
from products.services.expiry import certificates_expire, certificates_warn
from products.services.oversight import certificate_revoke, certificate_suspend
from products.tasks import certificates_daily
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 23)
DAY = datetime.timedelta(days=1)
Status = Certificate.Status


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def certificate(supplier_org, *, until, status=Status.VALID, **extra):
    return f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org),
        valid_from=datetime.date(2025, 1, 1),
        valid_until=until,
        status=status,
        **extra,
    )


def inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


# --- expiry ------------------------------------------------------------------------------


def test_a_valid_certificate_past_its_validity_expires_once(supplier, supplier_org):
    ended = certificate(supplier_org, until=AS_OF - DAY)
    last_day = certificate(supplier_org, until=AS_OF)

    assert certificates_expire(as_of=AS_OF) == 1
    ended.refresh_from_db()
    last_day.refresh_from_db()
    assert ended.status == Status.EXPIRED
    assert last_day.status == Status.VALID  # valid through its last day
    assert inbox(supplier) == [f"Certificate {ended.number} has expired"]

    assert certificates_expire(as_of=AS_OF) == 0  # a second run changes nothing
    assert len(inbox(supplier)) == 1


def test_expiry_leaves_suspended_and_revoked_certificates_alone(supplier_org):
    suspended = certificate(supplier_org, until=AS_OF - DAY, status=Status.SUSPENDED)
    revoked = certificate(supplier_org, until=AS_OF - DAY, status=Status.REVOKED)

    assert certificates_expire(as_of=AS_OF) == 0
    suspended.refresh_from_db()
    revoked.refresh_from_db()
    assert (suspended.status, revoked.status) == (Status.SUSPENDED, Status.REVOKED)


# --- warnings ----------------------------------------------------------------------------


def test_warned_at_60_days_then_at_30_and_never_twice(supplier, supplier_org):
    cert = certificate(supplier_org, until=AS_OF + 60 * DAY)

    assert certificates_warn(as_of=AS_OF) == 1
    cert.refresh_from_db()
    assert cert.warned_days == 60
    assert inbox(supplier) == [f"Certificate {cert.number} expires in 60 days"]

    assert certificates_warn(as_of=AS_OF) == 0  # twice the same day
    assert certificates_warn(as_of=AS_OF + DAY) == 0  # the next day: 59 days left
    assert certificates_warn(as_of=AS_OF + 29 * DAY) == 0  # 31 days left

    assert certificates_warn(as_of=AS_OF + 30 * DAY) == 1  # 30 days left
    cert.refresh_from_db()
    assert cert.warned_days == 30
    assert certificates_warn(as_of=AS_OF + 30 * DAY) == 0
    assert certificates_warn(as_of=AS_OF + 59 * DAY) == 0  # 1 day left: already warned
    assert len(inbox(supplier)) == 2


def test_no_warning_beyond_60_days(supplier, supplier_org):
    cert = certificate(supplier_org, until=AS_OF + 61 * DAY)

    assert certificates_warn(as_of=AS_OF) == 0
    cert.refresh_from_db()
    assert cert.warned_days is None
    assert inbox(supplier) == []


def test_first_seen_within_30_days_it_is_warned_once(supplier, supplier_org):
    cert = certificate(supplier_org, until=AS_OF + 25 * DAY)

    assert certificates_warn(as_of=AS_OF) == 1
    cert.refresh_from_db()
    assert cert.warned_days == 30
    assert certificates_warn(as_of=AS_OF) == 0
    assert inbox(supplier) == [f"Certificate {cert.number} expires in 25 days"]


def test_suspended_revoked_and_expired_certificates_are_not_warned(supplier, supplier_org):
    certificate(supplier_org, until=AS_OF + 20 * DAY, status=Status.SUSPENDED)
    certificate(supplier_org, until=AS_OF + 50 * DAY, status=Status.REVOKED)
    certificate(supplier_org, until=AS_OF - DAY, status=Status.EXPIRED)
    certificate(supplier_org, until=AS_OF - DAY)  # past its validity, not yet marked

    assert certificates_warn(as_of=AS_OF) == 0
    assert inbox(supplier) == []


def test_only_the_holders_staff_are_warned(supplier, supplier_2, supplier_org):
    certificate(supplier_org, until=AS_OF + 45 * DAY)

    assert certificates_warn(as_of=AS_OF) == 1
    assert len(inbox(supplier)) == 1
    assert inbox(supplier_2) == []


def test_warnings_cost_a_bounded_number_of_queries(
    supplier, supplier_org, supplier_org_2, django_assert_max_num_queries
):
    for n in range(12):
        certificate(supplier_org, until=AS_OF + (5 + n) * DAY)
        certificate(supplier_org_2, until=AS_OF + (40 + n) * DAY)
    certs = 24

    # Per threshold: one locked read, one bulk update; per supplier: its staff, once; per
    # certificate: the notification's insert. Nothing else grows with the number.
    with django_assert_max_num_queries(2 * 2 + 2 + certs + 4):
        assert certificates_warn(as_of=AS_OF) == certs
    assert Certificate.objects.filter(warned_days=30).count() == 12
    assert Certificate.objects.filter(warned_days=60).count() == 12


def test_expiry_costs_a_bounded_number_of_queries(supplier_org, django_assert_max_num_queries):
    for _n in range(20):
        certificate(supplier_org, until=AS_OF - DAY)

    with django_assert_max_num_queries(2 + 1 + 20 + 4):
        assert certificates_expire(as_of=AS_OF) == 20


# --- the daily task ----------------------------------------------------------------------


def test_the_daily_task_expires_then_warns_for_the_day_given(supplier, supplier_org):
    ended = certificate(supplier_org, until=datetime.date(2026, 11, 22))
    soon = certificate(supplier_org, until=datetime.date(2026, 12, 20))

    result = certificates_daily.delay(as_of="2026-11-23").get(timeout=10)

    assert result == {"as_of": "2026-11-23", "expired": 1, "warned": 1}
    ended.refresh_from_db()
    soon.refresh_from_db()
    assert ended.status == Status.EXPIRED
    assert soon.warned_days == 30
    # Idempotent: the same day again does nothing.
    again = certificates_daily.delay(as_of="2026-11-23").get(timeout=10)
    assert again == {"as_of": "2026-11-23", "expired": 0, "warned": 0}


def test_the_daily_task_is_declared_and_scheduled_at_01_30_shanghai_time():
    assert "products.certificates_daily" in app.tasks
    task = app.tasks["products.certificates_daily"]
    assert task.time_limit and task.soft_time_limit
    entries = [
        entry
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "products.certificates_daily"
    ]
    assert len(entries) == 1
    assert entries[0]["schedule"] == crontab(hour=1, minute=30)
    assert django_settings.CELERY_TIMEZONE == "Asia/Shanghai"


# --- the effect on purchases ---------------------------------------------------------------


def purchase(supplier_org, day, invoice):
    return RecordData(
        purchased_on=day,
        supplier=supplier_org,
        amount=Decimal("2680.00"),
        channel="platform_832",
        purpose="canteen",
        invoice_no=invoice,
    )


def test_an_expired_recognition_no_longer_covers_purchases_after_it(clerk, unit_a, supplier_org):
    certificate(supplier_org, until=datetime.date(2026, 6, 30))
    assert certificates_expire(as_of=datetime.date(2026, 7, 1)) == 1
    as_of = datetime.date(2026, 7, 20)

    with pytest.raises(ValidationError) as refusal:
        procurement_record_create(
            actor=clerk,
            budget_unit=unit_a,
            data=purchase(supplier_org, datetime.date(2026, 7, 10), "44030001"),
            as_of=as_of,
        )
    message = " ".join(refusal.value.message_dict["supplier"])
    assert supplier_org.name in message
    assert "2026-07-10" in message

    record = procurement_record_create(
        actor=clerk,
        budget_unit=unit_a,
        data=purchase(supplier_org, datetime.date(2026, 6, 15), "44030002"),
        as_of=as_of,
    )
    assert ProcurementRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("service", [certificate_revoke, certificate_suspend])
def test_a_revoked_or_suspended_recognition_covers_no_purchase_at_all(
    service, clerk, unit_a, supplier_org, city_officer
):
    cert = certificate(supplier_org, until=datetime.date(2026, 12, 31))
    service(actor=city_officer, certificate=cert, reason="integrity", note="虚开发票")

    with pytest.raises(ValidationError) as refusal:
        procurement_record_create(
            actor=clerk,
            budget_unit=unit_a,
            data=purchase(supplier_org, datetime.date(2026, 3, 10), "44030003"),
            as_of=datetime.date(2026, 7, 20),
        )
    assert supplier_org.name in " ".join(refusal.value.message_dict["supplier"])
