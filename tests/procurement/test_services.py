"""Logging, changing and deleting purchases; declarations; submitting and reopening quarters."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.errors import ApplicationError
from procurement.models import Declaration, ProcurementRecord, QuarterSubmission, Voucher
from procurement.services import (
    declaration_set,
    procurement_record_create,
    procurement_record_delete,
    procurement_record_update,
    quarter_reopen,
    quarter_submit,
)
from tests import factories as f

from .conftest import AS_OF, purchase

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def log(clerk, unit, data, **kwargs):
    return procurement_record_create(
        actor=clerk, budget_unit=unit, data=data, as_of=AS_OF, **kwargs
    )


def refusal(call) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        call()
    return excinfo.value.message_dict


def test_clerk_logs_a_purchase_with_a_voucher(clerk, unit_a, recognised, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    voucher = SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf")
    record = log(clerk, unit_a, purchase(recognised), vouchers=[voucher])
    assert record.status == ProcurementRecord.Status.RECORDED
    assert record.created_by == clerk
    stored = Voucher.objects.get(record=record)
    assert stored.content_type == "application/pdf"
    assert stored.size == len(PDF)
    import hashlib

    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()


def test_a_supplier_without_recognition_on_that_date_is_refused(clerk, unit_a, recognised):
    errors = refusal(
        lambda: log(clerk, unit_a, purchase(recognised, purchased_on=datetime.date(2024, 12, 31)))
    )
    # 2024-12-31 is also before the oldest loggable date, but the supplier is named too.
    assert "百色市田阳区农业发展有限公司" in errors["supplier"][0]
    assert "2024-12-31" in errors["supplier"][0]


def test_an_unrecognised_supplier_is_refused_naming_it_and_the_date(clerk, unit_a, supplier_org):
    errors = refusal(lambda: log(clerk, unit_a, purchase(supplier_org)))
    assert errors["supplier"] == [
        "“百色市田阳区农业发展有限公司” did not hold a valid assistance-product recognition "
        "on 2026-10-09."
    ]
    assert not ProcurementRecord.objects.exists()


def test_a_revoked_recognition_does_not_count(clerk, unit_a, supplier_org):
    f.CertificateFactory(product=f.ProductFactory(supplier=supplier_org), status="revoked")
    assert "supplier" in refusal(lambda: log(clerk, unit_a, purchase(supplier_org)))


def test_an_expired_certificate_still_covers_the_days_it_was_valid(clerk, unit_a, supplier_org):
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org),
        status="expired",
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2026, 10, 31),
    )
    assert log(clerk, unit_a, purchase(supplier_org)).pk


def test_a_future_date_is_refused(clerk, unit_a, recognised):
    errors = refusal(
        lambda: log(
            clerk, unit_a, purchase(recognised, purchased_on=AS_OF + datetime.timedelta(days=1))
        )
    )
    assert errors["purchased_on"] == ["The purchase date 2026-11-24 is in the future."]


def test_a_date_in_a_submitted_quarter_is_refused(clerk, unit_a, recognised):
    from django.utils import timezone

    QuarterSubmission.objects.create(
        budget_unit=unit_a, year=2026, quarter=3, submitted_at=timezone.now()
    )
    errors = refusal(
        lambda: log(clerk, unit_a, purchase(recognised, purchased_on=datetime.date(2026, 9, 30)))
    )
    assert "has been submitted" in errors["purchased_on"][0]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("0"), "greater than zero"),
        (Decimal("-12.50"), "greater than zero"),
        (Decimal("10000000.01"), "check the decimal point"),
    ],
)
def test_non_positive_or_absurd_amounts_are_refused(clerk, unit_a, recognised, amount, message):
    errors = refusal(lambda: log(clerk, unit_a, purchase(recognised, amount=amount)))
    assert message in errors["amount"][0]


def test_an_invoice_already_used_with_that_supplier_is_refused(clerk, unit_a, recognised):
    log(clerk, unit_a, purchase(recognised))
    errors = refusal(lambda: log(clerk, unit_a, purchase(recognised)))
    assert "Invoice 44031001" in errors["invoice_no"][0]
    assert ProcurementRecord.objects.count() == 1


def test_a_product_of_another_supplier_is_refused(clerk, unit_a, recognised, supplier_org_2):
    other = f.ProductFactory(supplier=supplier_org_2, name="喀什香馕")
    errors = refusal(lambda: log(clerk, unit_a, purchase(recognised, product=other)))
    assert "喀什香馕" in errors["product"][0]


def test_a_voucher_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_saved(
    clerk, unit_a, recognised
):
    fake = SimpleUploadedFile("发票.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        log(clerk, unit_a, purchase(recognised), vouchers=[fake])
    assert "vouchers" in excinfo.value.message_dict
    assert not ProcurementRecord.objects.exists()


def test_an_oversized_voucher_is_refused(clerk, unit_a, recognised, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * 2048, content_type="application/pdf")
    with pytest.raises(ValidationError):
        log(clerk, unit_a, purchase(recognised), vouchers=[big])
    assert not ProcurementRecord.objects.exists()


def test_only_the_unit_s_own_clerk_may_log(clerk_b, approver, unit_a, recognised):
    for user in (clerk_b, approver):
        with pytest.raises(PermissionDenied):
            log(user, unit_a, purchase(recognised))


def test_update_and_delete_while_the_quarter_is_open(clerk, unit_a, recognised):
    record = log(clerk, unit_a, purchase(recognised))
    procurement_record_update(
        actor=clerk,
        record=record,
        data=purchase(recognised, amount=Decimal("99.90")),
        as_of=AS_OF,
    )
    record.refresh_from_db()
    assert record.amount == Decimal("99.90")
    procurement_record_delete(actor=clerk, record=record)
    assert not ProcurementRecord.objects.exists()


def test_clerk_b_cannot_change_unit_a_s_records(clerk, clerk_b, unit_a, recognised):
    record = log(clerk, unit_a, purchase(recognised))
    with pytest.raises(PermissionDenied):
        procurement_record_update(
            actor=clerk_b, record=record, data=purchase(recognised), as_of=AS_OF
        )
    with pytest.raises(PermissionDenied):
        procurement_record_delete(actor=clerk_b, record=record)


def test_declaration_warns_when_logged_assistance_exceeds_it(clerk, unit_a, recognised):
    log(clerk, unit_a, purchase(recognised, amount=Decimal("5000.00")))
    result = declaration_set(
        actor=clerk,
        budget_unit=unit_a,
        year=2026,
        quarter=4,
        agri_total=Decimal("4000.00"),
        as_of=AS_OF,
    )
    assert "exceed the declared farm-products total" in result.warning
    result = declaration_set(
        actor=clerk,
        budget_unit=unit_a,
        year=2026,
        quarter=4,
        agri_total=Decimal("20000.00"),
        as_of=AS_OF,
    )
    assert result.warning is None
    assert Declaration.objects.get().agri_total == Decimal("20000.00")


@pytest.mark.parametrize(
    ("year", "quarter", "total", "field"),
    [
        (2026, 4, Decimal("-1"), "agri_total"),
        (2027, 1, Decimal("100"), "quarter"),  # not begun
        (2026, 4, Decimal("10000000000.01"), "agri_total"),
    ],
)
def test_bad_declarations_are_refused(clerk, unit_a, year, quarter, total, field):
    errors = refusal(
        lambda: declaration_set(
            actor=clerk,
            budget_unit=unit_a,
            year=year,
            quarter=quarter,
            agri_total=total,
            as_of=AS_OF,
        )
    )
    assert field in errors
    assert not Declaration.objects.exists()


def _ready_quarter(clerk, unit_a, recognised):
    record = log(clerk, unit_a, purchase(recognised, purchased_on=datetime.date(2026, 8, 8)))
    declaration_set(
        actor=clerk,
        budget_unit=unit_a,
        year=2026,
        quarter=3,
        agri_total=Decimal("50000"),
        as_of=AS_OF,
    )
    return record


def test_approver_submits_and_the_quarter_is_locked_for_everyone(
    clerk, approver, unit_a, recognised
):
    record = _ready_quarter(clerk, unit_a, recognised)
    submission = quarter_submit(
        actor=approver, budget_unit=unit_a, year=2026, quarter=3, as_of=AS_OF
    )
    assert submission.submitted_by == approver
    record.refresh_from_db()
    assert record.status == ProcurementRecord.Status.SUBMITTED
    with pytest.raises(ApplicationError):
        procurement_record_update(
            actor=clerk,
            record=record,
            data=purchase(recognised, purchased_on=datetime.date(2026, 8, 8), amount=Decimal("1")),
            as_of=AS_OF,
        )
    with pytest.raises(ApplicationError):
        procurement_record_delete(actor=clerk, record=record)
    with pytest.raises(ApplicationError):
        declaration_set(
            actor=clerk,
            budget_unit=unit_a,
            year=2026,
            quarter=3,
            agri_total=Decimal("1"),
            as_of=AS_OF,
        )
    with pytest.raises(ValidationError):
        log(
            clerk,
            unit_a,
            purchase(recognised, purchased_on=datetime.date(2026, 9, 1), invoice_no="X2"),
        )
    with pytest.raises(ApplicationError):
        quarter_submit(actor=approver, budget_unit=unit_a, year=2026, quarter=3, as_of=AS_OF)


def test_a_quarter_cannot_be_submitted_before_it_ends_or_without_a_declaration(approver, unit_a):
    with pytest.raises(ApplicationError, match="has not ended"):
        quarter_submit(actor=approver, budget_unit=unit_a, year=2026, quarter=4, as_of=AS_OF)
    with pytest.raises(ApplicationError, match="Declare the farm-products total"):
        quarter_submit(actor=approver, budget_unit=unit_a, year=2026, quarter=3, as_of=AS_OF)


def test_only_the_approver_submits(clerk, unit_a, recognised):
    _ready_quarter(clerk, unit_a, recognised)
    with pytest.raises(PermissionDenied):
        quarter_submit(actor=clerk, budget_unit=unit_a, year=2026, quarter=3, as_of=AS_OF)


def test_district_office_reopens_with_a_reason_and_the_clerk_corrects(
    clerk, approver, district_officer, unit_a, recognised
):
    record = _ready_quarter(clerk, unit_a, recognised)
    quarter_submit(actor=approver, budget_unit=unit_a, year=2026, quarter=3, as_of=AS_OF)
    errors = refusal(
        lambda: quarter_reopen(
            actor=district_officer, budget_unit=unit_a, year=2026, quarter=3, reason="  "
        )
    )
    assert "reason" in errors
    submission = quarter_reopen(
        actor=district_officer,
        budget_unit=unit_a,
        year=2026,
        quarter=3,
        reason="发票金额与凭证不符",
    )
    assert submission.status == QuarterSubmission.Status.REOPENED
    assert submission.reopened_by == district_officer
    assert submission.reopen_reason == "发票金额与凭证不符"
    record.refresh_from_db()
    assert record.status == ProcurementRecord.Status.RECORDED
    procurement_record_update(
        actor=clerk,
        record=record,
        data=purchase(recognised, purchased_on=datetime.date(2026, 8, 8), amount=Decimal("3000")),
        as_of=AS_OF,
    )
    resubmitted = quarter_submit(
        actor=approver, budget_unit=unit_a, year=2026, quarter=3, as_of=AS_OF
    )
    assert resubmitted.status == QuarterSubmission.Status.SUBMITTED
    assert resubmitted.reopen_reason == "发票金额与凭证不符"  # the earlier round stays on record


def test_only_offices_over_the_unit_may_reopen(
    clerk, approver, unit_a, unit_b, recognised, city_officer
):
    from portal.models import Role

    _ready_quarter(clerk, unit_a, recognised)
    quarter_submit(actor=approver, budget_unit=unit_a, year=2026, quarter=3, as_of=AS_OF)
    nanshan_office = f.member(
        Role.DISTRICT_OFFICE, f.DistrictOfficeFactory(region=f.region(f.NANSHAN))
    )
    for user in (nanshan_office, approver, clerk):
        with pytest.raises(PermissionDenied):
            quarter_reopen(actor=user, budget_unit=unit_a, year=2026, quarter=3, reason="x")
    assert (
        quarter_reopen(
            actor=city_officer, budget_unit=unit_a, year=2026, quarter=3, reason="市级抽查"
        ).status
        == "reopened"
    )


def test_the_refusal_reads_in_plain_chinese(clerk, unit_a, supplier_org):
    from django.utils import translation

    with translation.override("zh-hans"):
        errors = refusal(lambda: log(clerk, unit_a, purchase(supplier_org)))
    assert errors["supplier"] == [
        "该供应商“百色市田阳区农业发展有限公司”在2026-10-09时未持有有效的帮扶产品认定。"
    ]


def test_every_change_is_in_the_record_s_history_with_who_and_why(
    clerk, approver, district_officer, unit_a, recognised
):
    from procurement.selectors import record_history

    record = _ready_quarter(clerk, unit_a, recognised)
    procurement_record_update(
        actor=clerk,
        record=record,
        data=purchase(recognised, purchased_on=datetime.date(2026, 8, 8), amount=Decimal("77")),
        as_of=AS_OF,
    )
    quarter_submit(actor=approver, budget_unit=unit_a, year=2026, quarter=3, as_of=AS_OF)
    quarter_reopen(
        actor=district_officer, budget_unit=unit_a, year=2026, quarter=3, reason="金额有误"
    )
    record.refresh_from_db()
    entries = record_history(record)
    assert [e.user for e in entries] == [district_officer, approver, clerk, clerk]
    assert [e.reason for e in entries] == [
        "Quarter reopened: 金额有误",
        "Quarter submitted",
        "Corrected",
        "Logged",
    ]
    assert ("amount (yuan)", Decimal("3280.00"), Decimal("77.00")) in entries[2].changes
    assert ("status", "Submitted", "Recorded") in entries[0].changes  # labels, not codes
