"""Renewal (续证, issue 10 item 2) in the services: which certificates may be renewed, the
renewal pre-filled from the last approved application with its documents carried over,
replacing and removing carried documents without touching the stored files, and the expiry
reminders that lead to the renewal and keep quiet while it is with the reviewers."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.errors import ApplicationError
from portal.models import Notification
from products.models import Certificate, CertificationApplication, CertificationScheme
from products.services import renewal
from products.services.application_documents import (
    application_document_add,
    application_document_remove,
)
from products.services.applications import application_create, application_submit
from products.services.expiry import certificates_expire, certificates_warn
from products.services.oversight import (
    certificate_reinstate,
    certificate_revoke,
    certificate_suspend,
)
from products.services.review import application_decide, application_review
from tests import factories as f

from .renewal_builders import AS_OF, DAY, PDF, approved_application, certificate_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

Status = CertificationApplication.Status
CertStatus = Certificate.Status


@pytest.fixture
def mango(supplier_org):
    return f.ProductFactory(supplier=supplier_org, name="田阳香芒")


@pytest.fixture
def issued(supplier, mango):
    """A recognition certificate of 田阳香芒 issued on an approved application with a licence
    and a test report, valid until 45 days after AS_OF."""
    application = approved_application(supplier, mango, documents=("licence", "test_report"))
    return certificate_on(application)


def open_renewal(supplier, certificate, as_of=AS_OF):
    return renewal.renewal_open(actor=supplier, certificate=certificate, as_of=as_of)


def upload(supplier, application, kind, name="新检测报告.pdf"):
    return application_document_add(
        actor=supplier, application=application, kind=kind, file=SimpleUploadedFile(name, PDF)
    )


# --- prefill and carry-over ----------------------------------------------------------------


def test_the_renewal_opens_pre_filled_from_the_certificate_s_application(supplier, issued):
    source = issued.application

    application = open_renewal(supplier, issued)

    assert application.status == Status.DRAFT
    assert application.renews == issued
    assert (application.supplier, application.scheme_id, application.product) == (
        issued.supplier,
        "recognition",
        issued.product,
    )
    assert (application.standard_claimed, application.poverty_link, application.households) == (
        source.standard_claimed,
        source.poverty_link,
        source.households,
    )
    carried = list(application.documents.order_by("kind"))
    originals = {d.kind: d for d in source.documents.all()}
    assert [d.kind for d in carried] == ["licence", "test_report"]
    for document in carried:
        original = originals[document.kind]
        assert document.carried_from == original
        assert document.file.name == original.file.name  # the same stored file, not a copy
        assert (document.original_name, document.sha256) == (original.original_name, "0" * 64)
    # The old application keeps its documents.
    assert source.documents.count() == 2
    event = application.events.get()
    assert (event.action, event.actor) == ("create", supplier)
    assert f"application #{source.pk}" in event.comment
    assert "2 documents carried over" in event.comment


def test_without_its_own_application_it_takes_the_latest_approved_one(supplier, mango):
    approved_application(
        supplier, mango, households=80, decided_at=timezone.now() - datetime.timedelta(days=700)
    )
    latest = approved_application(
        supplier, mango, households=150, decided_at=timezone.now() - datetime.timedelta(days=30)
    )
    approved_application(supplier, mango, "szp", households=999)  # another scheme
    cert = certificate_on(None, product=mango)

    application = open_renewal(supplier, cert)

    assert application.households == 150
    assert {d.carried_from.application_id for d in application.documents.all()} == {latest.pk}


def test_a_certificate_with_no_approved_application_opens_an_empty_renewal(supplier, mango):
    cert = certificate_on(None, product=mango)

    application = open_renewal(supplier, cert)

    assert (application.poverty_link, application.households) == ("", 0)
    assert not application.documents.exists()


def test_uploading_a_document_replaces_the_carried_ones_of_its_kind_only(supplier, issued):
    application = open_renewal(supplier, issued)
    old_report = issued.application.documents.get(kind="test_report")

    new = upload(supplier, application, "test_report")

    kinds = sorted((d.kind, d.carried_from_id is not None) for d in application.documents.all())
    assert kinds == [("licence", True), ("test_report", False)]
    assert application.documents.get(kind="test_report") == new
    # The stored file of the old report is still there, and still the old application's.
    assert default_storage.exists(old_report.file.name)
    assert issued.application.documents.filter(pk=old_report.pk).exists()
    # A second upload of the kind adds to the new ones: only carried documents are replaced.
    upload(supplier, application, "test_report", name="补充检测报告.pdf")
    assert application.documents.filter(kind="test_report").count() == 2


def test_removing_a_carried_document_keeps_the_stored_file(
    supplier, issued, django_capture_on_commit_callbacks
):
    application = open_renewal(supplier, issued)
    carried = application.documents.get(kind="licence")

    with django_capture_on_commit_callbacks(execute=True):
        application_document_remove(actor=supplier, document=carried)

    assert not application.documents.filter(kind="licence").exists()
    assert default_storage.exists(carried.file.name)
    assert issued.application.documents.filter(kind="licence").exists()


def test_removing_an_uploaded_document_deletes_its_file_once_committed(
    supplier, issued, django_capture_on_commit_callbacks
):
    application = open_renewal(supplier, issued)
    uploaded = upload(supplier, application, "other", name="说明.pdf")
    assert default_storage.exists(uploaded.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        application_document_remove(actor=supplier, document=uploaded)

    assert not default_storage.exists(uploaded.file.name)


def test_documents_of_a_submitted_renewal_cannot_be_removed(supplier, issued):
    application = open_renewal(supplier, issued)
    application_submit(actor=supplier, application=application)

    with pytest.raises(ApplicationError, match="draft"):
        application_document_remove(
            actor=supplier, document=application.documents.get(kind="licence")
        )


def test_another_supplier_cannot_remove_a_document(supplier, supplier_2, issued):
    application = open_renewal(supplier, issued)

    with pytest.raises(PermissionDenied):
        application_document_remove(actor=supplier_2, document=application.documents.first())
    assert application.documents.count() == 2


def test_a_renewal_with_its_carried_documents_can_be_submitted_as_it_is(supplier, issued):
    application = open_renewal(supplier, issued)

    application_submit(actor=supplier, application=application)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_the_approved_renewal_issues_a_certificate_that_renews_the_old_one(
    supplier, reviewer, issued
):
    application = open_renewal(supplier, issued)
    application_submit(actor=supplier, application=application)
    application_review(actor=reviewer, application=application)

    new = application_decide(
        actor=reviewer, application=application, decision="approve", as_of=AS_OF
    )

    assert new.renews == issued
    assert list(issued.renewals.all()) == [new]


# --- which certificates may be renewed -----------------------------------------------------


@pytest.mark.parametrize(
    ("until", "status"),
    [
        (AS_OF + 90 * DAY, CertStatus.VALID),  # the first day of the window
        (AS_OF, CertStatus.VALID),  # its last day
        (AS_OF - DAY, CertStatus.VALID),  # over, not yet marked expired by the nightly job
        (AS_OF - 100 * DAY, CertStatus.EXPIRED),
        (datetime.date(2026, 5, 23), CertStatus.EXPIRED),  # six months ago to the day
    ],
)
def test_renewable_certificates(supplier, mango, until, status):
    cert = certificate_on(approved_application(supplier, mango), until=until, status=status)

    assert renewal.renewal_refusal(cert, as_of=AS_OF) == ""
    assert open_renewal(supplier, cert).renews == cert


@pytest.mark.parametrize(
    ("until", "status", "reason"),
    [
        (AS_OF + 91 * DAY, CertStatus.VALID, "Renewal opens 90 days before"),
        (datetime.date(2026, 5, 22), CertStatus.EXPIRED, "more than 6 months ago"),
        (AS_OF + 45 * DAY, CertStatus.SUSPENDED, "suspended"),
        (AS_OF + 45 * DAY, CertStatus.REVOKED, "revoked, which is final"),
        (AS_OF + 45 * DAY, CertStatus.PENDING, "still in public disclosure"),
    ],
)
def test_certificates_that_cannot_be_renewed(supplier, mango, until, status, reason):
    cert = certificate_on(approved_application(supplier, mango), until=until, status=status)

    assert reason in renewal.renewal_refusal(cert, as_of=AS_OF)
    with pytest.raises(ApplicationError, match=reason):
        open_renewal(supplier, cert)
    assert not CertificationApplication.objects.filter(renews=cert).exists()


def test_one_open_renewal_at_a_time(supplier, issued):
    first = open_renewal(supplier, issued)

    with pytest.raises(ApplicationError, match="already has an open"):
        open_renewal(supplier, issued)
    assert renewal.open_renewal(issued) == first
    # Once withdrawn, the certificate may be renewed again.
    first.status = Status.WITHDRAWN
    first.save()
    assert open_renewal(supplier, issued).pk != first.pk


def test_a_certificate_already_renewed_is_not_renewed_twice(supplier, issued):
    new = certificate_on(
        None,
        product=issued.product,
        until=AS_OF + 800 * DAY,
        status=CertStatus.PENDING,
        renews=issued,
    )

    with pytest.raises(ApplicationError, match=f"renewed already, by certificate {new.number}"):
        open_renewal(supplier, issued)
    # A renewal revoked (its disclosure drew an upheld objection) leaves the old one renewable.
    new.status = CertStatus.REVOKED
    new.save()
    assert open_renewal(supplier, issued).renews == issued


def test_an_old_certificate_is_not_renewed_beside_a_newer_one(supplier, mango, issued):
    older = certificate_on(
        approved_application(supplier, mango), until=AS_OF - 30 * DAY, status=CertStatus.EXPIRED
    )

    with pytest.raises(ApplicationError, match=f"already holds .* {issued.number}"):
        open_renewal(supplier, older)


def test_a_product_no_longer_listed_cannot_renew(supplier, issued):
    issued.product.status = "suspended"
    issued.product.save()

    with pytest.raises(ApplicationError, match="is not listed"):
        open_renewal(supplier, issued)


def test_only_the_holder_may_renew(supplier_2, city_officer, issued):
    for actor in (supplier_2, city_officer):
        with pytest.raises(PermissionDenied):
            open_renewal(actor, issued)
    assert not CertificationApplication.objects.filter(renews=issued).exists()


def test_a_plain_application_is_refused_while_the_subject_holds_the_certificate(
    supplier, supplier_org, issued
):
    with pytest.raises(ApplicationError, match=f"already holds .* {issued.number}"):
        application_create(
            actor=supplier,
            supplier=supplier_org,
            scheme=issued.scheme,
            product=issued.product,
        )
    # Once it has expired, a new application is a new application.
    certificates_expire(as_of=issued.valid_until + DAY)
    application = application_create(
        actor=supplier, supplier=supplier_org, scheme=issued.scheme, product=issued.product
    )
    assert application.renews is None


def test_a_renewal_of_a_certificate_revoked_meanwhile_cannot_be_submitted(
    supplier, city_officer, issued
):
    application = open_renewal(supplier, issued)
    certificate_revoke(actor=city_officer, certificate=issued, reason="quality", note="抽检不合格")

    with pytest.raises(ApplicationError, match="has been revoked"):
        application_submit(actor=supplier, application=application)


def test_a_suspended_certificate_is_renewable_again_once_reinstated(supplier, city_officer, issued):
    certificate_suspend(actor=city_officer, certificate=issued, reason="quality")
    issued.refresh_from_db()
    with pytest.raises(ApplicationError, match="suspended"):
        open_renewal(supplier, issued)

    certificate_reinstate(
        actor=city_officer, certificate=issued, reason="other", note="复检合格", as_of=AS_OF
    )
    issued.refresh_from_db()
    assert open_renewal(supplier, issued).renews == issued


# --- the expiry reminders -------------------------------------------------------------------


def inbox(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_the_reminder_links_to_the_renewal_to_open(supplier, issued):
    assert certificates_warn(as_of=AS_OF) == 1

    [note] = inbox(supplier)
    assert note.link == reverse("products:certificate_renew", args=[issued.pk])
    assert "Renew it now" in note.body


def test_the_reminder_links_to_the_renewal_being_prepared(supplier, issued):
    application = open_renewal(supplier, issued)

    assert certificates_warn(as_of=AS_OF) == 1

    [note] = inbox(supplier)
    assert note.link == reverse("products:application_detail", args=[application.pk])
    assert "Your renewal is started" in note.body


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.UNDER_REVIEW, Status.APPROVED])
def test_no_reminder_while_the_renewal_is_with_the_reviewers_or_approved(supplier, issued, status):
    application = open_renewal(supplier, issued)
    CertificationApplication.objects.filter(pk=application.pk).update(status=status)

    assert certificates_warn(as_of=AS_OF) == 0
    assert certificates_warn(as_of=AS_OF + 20 * DAY) == 0  # nor at 30 days
    assert inbox(supplier) == []
    issued.refresh_from_db()
    assert issued.warned_days is None  # not marked: warned after all if the renewal fails


def test_a_rejected_renewal_lets_the_reminders_come_again(supplier, issued):
    application = open_renewal(supplier, issued)
    CertificationApplication.objects.filter(pk=application.pk).update(status=Status.UNDER_REVIEW)
    assert certificates_warn(as_of=AS_OF) == 0

    CertificationApplication.objects.filter(pk=application.pk).update(status=Status.REJECTED)

    assert certificates_warn(as_of=AS_OF + DAY) == 1
    assert certificates_warn(as_of=AS_OF + DAY) == 0  # still once per threshold


def test_an_approved_renewal_whose_certificate_was_revoked_lets_the_reminders_come(
    supplier, issued
):
    application = open_renewal(supplier, issued)
    CertificationApplication.objects.filter(pk=application.pk).update(status=Status.APPROVED)
    certificate_on(application, until=AS_OF + 800 * DAY, status=CertStatus.REVOKED, renews=issued)

    assert certificates_warn(as_of=AS_OF) == 1


def test_reminders_with_renewals_cost_a_bounded_number_of_queries(
    supplier, supplier_org, django_assert_max_num_queries
):
    certs = []
    for n in range(12):
        product = f.ProductFactory(supplier=supplier_org)
        certs.append(
            certificate_on(approved_application(supplier, product), until=AS_OF + (5 + n) * DAY)
        )
    for cert in certs[:4]:  # four being prepared: warned, with a link to the draft
        open_renewal(supplier, cert)
    for cert in certs[4:8]:  # four with the reviewers: not warned
        CertificationApplication.objects.filter(pk=open_renewal(supplier, cert).pk).update(
            status=Status.SUBMITTED
        )
    warned = 8

    # One locked read and one bulk update per threshold reached, the staff once, one insert
    # per notification: the renewals are read in the same SELECT.
    with django_assert_max_num_queries(2 + 1 + warned + 4):
        assert certificates_warn(as_of=AS_OF) == warned
    links = {n.link for n in inbox(supplier)}
    assert reverse("products:certificate_renew", args=[certs[8].pk]) in links
    assert reverse("products:application_detail", args=[renewal.open_renewal(certs[0]).pk]) in links


def test_the_expiry_notice_links_to_the_renewal(supplier, issued):
    assert certificates_expire(as_of=issued.valid_until + DAY) == 1

    [note] = inbox(supplier)
    assert note.link == reverse("products:certificate_renew", args=[issued.pk])
    assert "within 6 months" in note.body


def test_the_renewal_window_opens_before_the_first_reminder(supplier, mango):
    """The 60-day reminder's link must lead to a renewal that can be opened."""
    cert = certificate_on(approved_application(supplier, mango), until=AS_OF + 60 * DAY)
    assert certificates_warn(as_of=AS_OF) == 1
    assert renewal.renewal_refusal(cert, as_of=AS_OF) == ""


def test_a_base_certificate_is_renewed_for_its_base(supplier, supplier_org):
    base = supplier_org.bases.create(name="田阳芒果基地", region=f.region(f.TIANYANG))
    cert = f.CertificateFactory(
        product=None,
        base=base,
        supplier=supplier_org,
        scheme=CertificationScheme.objects.get(code="base"),
        valid_until=AS_OF + 30 * DAY,
    )

    application = open_renewal(supplier, cert)

    assert (application.base, application.product, application.scheme_id) == (base, None, "base")
    base.status = "suspended"
    base.save()
    application.status = Status.WITHDRAWN
    application.save()
    assert "is not active" in renewal.renewal_refusal(cert, as_of=AS_OF)
