"""The certification application's life, enforced in one place (products.services)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.errors import ApplicationError
from products.models import (
    ApplicationEvent,
    Certificate,
    CertificationApplication,
    CertificationScheme,
)
from products.services.applications import (
    TRANSITIONS,
    add_months,
    allowed_actions,
    application_create,
    application_decide,
    application_document_add,
    application_return,
    application_review,
    application_submit,
    application_withdraw,
    evaluation_record,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 23)
PDF = b"%PDF-1.4\n% a test report\n"
Status = CertificationApplication.Status


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def scheme(code):
    return CertificationScheme.objects.get(code=code)


@pytest.fixture
def mango(supplier_org):
    return f.ProductFactory(supplier=supplier_org, name="田阳香芒")


def draft(supplier, product, code="szp"):
    return application_create(
        actor=supplier,
        supplier=product.supplier,
        scheme=scheme(code),
        product=product,
        standard_claimed="SZDB/Z 圳品标准",
        households=120,
    )


def with_document(supplier, application):
    application_document_add(
        actor=supplier,
        application=application,
        kind="test_report",
        file=SimpleUploadedFile("检测报告.pdf", PDF, content_type="application/pdf"),
    )
    return application


def submitted(supplier, product):
    return application_submit(
        actor=supplier, application=with_document(supplier, draft(supplier, product))
    )


def under_review(supplier, reviewer, product):
    return application_review(actor=reviewer, application=submitted(supplier, product))


def evaluate(reviewer, application, score="88.5"):
    return evaluation_record(
        actor=reviewer,
        application=application,
        evaluated_on=datetime.date(2026, 11, 20),
        score=Decimal(score),
        findings="基地现场符合圳品标准",
        as_of=AS_OF,
    )


def test_the_whole_happy_path_issues_a_certificate(supplier, reviewer, mango):
    application = under_review(supplier, reviewer, mango)
    evaluate(reviewer, application)
    certificate = application_decide(
        actor=reviewer, application=application, decision="approve", comment="符合标准", as_of=AS_OF
    )
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert application.reviewer == reviewer
    assert certificate.number == "SZP-2026-000001"
    assert certificate.product == mango
    assert certificate.valid_from == AS_OF
    assert certificate.valid_until == datetime.date(2029, 11, 22)  # 36 months
    steps = list(application.events.values_list("action", "to_status"))
    assert steps == [
        ("create", "draft"),
        ("submit", "submitted"),
        ("review", "under_review"),
        ("approve", "approved"),
    ]
    assert ApplicationEvent.objects.filter(actor=reviewer).count() == 2


def test_certificate_numbers_continue_after_the_highest(supplier, reviewer, mango):
    f.CertificateFactory(number="SZP-2026-000041", scheme=scheme("szp"))
    application = under_review(supplier, reviewer, mango)
    evaluate(reviewer, application)
    certificate = application_decide(
        actor=reviewer, application=application, decision="approve", as_of=AS_OF
    )
    assert certificate.number == "SZP-2026-000042"


def test_return_for_more_material_then_resubmit(supplier, reviewer, mango):
    application = under_review(supplier, reviewer, mango)
    with pytest.raises(ValidationError):
        application_return(actor=reviewer, application=application, request=" ")
    application_return(actor=reviewer, application=application, request="请补充农残检测报告")
    application.refresh_from_db()
    assert application.status == Status.RETURNED
    assert application.events.last().comment == "请补充农残检测报告"
    with_document(supplier, application)
    application_submit(actor=supplier, application=application)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_on_site_schemes_need_an_evaluation_before_approval(supplier, reviewer, mango):
    application = under_review(supplier, reviewer, mango)
    with pytest.raises(ApplicationError, match="on-site evaluation"):
        application_decide(actor=reviewer, application=application, decision="approve", as_of=AS_OF)
    assert not Certificate.objects.exists()


def test_recognition_needs_no_on_site_evaluation(supplier, reviewer, mango):
    application = application_submit(
        actor=supplier, application=with_document(supplier, draft(supplier, mango, "recognition"))
    )
    application_review(actor=reviewer, application=application)
    certificate = application_decide(
        actor=reviewer, application=application, decision="approve", as_of=AS_OF
    )
    assert certificate.number == "RZ-2026-000001"
    assert certificate.valid_until == datetime.date(2028, 11, 22)


def test_rejection_needs_reasons_and_issues_nothing(supplier, reviewer, mango):
    application = under_review(supplier, reviewer, mango)
    with pytest.raises(ValidationError):
        application_decide(actor=reviewer, application=application, decision="reject", as_of=AS_OF)
    assert (
        application_decide(
            actor=reviewer,
            application=application,
            decision="reject",
            comment="农残超标",
            as_of=AS_OF,
        )
        is None
    )
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert application.decision_comment == "农残超标"
    assert not Certificate.objects.exists()


def test_a_rejected_application_cannot_be_submitted_again_but_a_new_one_can(
    supplier, reviewer, mango
):
    application = under_review(supplier, reviewer, mango)
    application_decide(
        actor=reviewer, application=application, decision="reject", comment="资料不全", as_of=AS_OF
    )
    with pytest.raises(ApplicationError):
        application_submit(actor=supplier, application=application)
    assert draft(supplier, mango).status == Status.DRAFT


def test_submission_needs_a_document(supplier, mango):
    with pytest.raises(ApplicationError, match="document"):
        application_submit(actor=supplier, application=draft(supplier, mango))


def test_one_open_application_per_subject_and_scheme(supplier, mango):
    draft(supplier, mango)
    with pytest.raises(ApplicationError, match="already has an open"):
        draft(supplier, mango)
    assert draft(supplier, mango, "recognition").scheme_id == "recognition"


def test_a_base_scheme_needs_a_base(supplier, supplier_org, mango):
    with pytest.raises(ValidationError):
        draft(supplier, mango, "base")
    base = supplier_org.bases.create(name="田阳芒果基地", region=f.region(f.TIANYANG))
    application = application_create(
        actor=supplier, supplier=supplier_org, scheme=scheme("base"), base=base
    )
    assert application.base == base


def test_a_supplier_cannot_apply_for_another_supplier_s_product(supplier, supplier_2, mango):
    with pytest.raises(PermissionDenied):
        application_create(
            actor=supplier_2, supplier=mango.supplier, scheme=scheme("szp"), product=mango
        )
    with pytest.raises(PermissionDenied):
        application_create(
            actor=supplier_2,
            supplier=supplier_2.membership.organisation.supplier,
            scheme=scheme("szp"),
            product=mango,
        )


def test_documents_are_checked_by_content(supplier, mango):
    application = draft(supplier, mango)
    with pytest.raises(ValidationError) as excinfo:
        application_document_add(
            actor=supplier,
            application=application,
            kind="licence",
            file=SimpleUploadedFile("营业执照.pdf", b"GIF89a fake", content_type="application/pdf"),
        )
    assert "file" in excinfo.value.message_dict
    assert not application.documents.exists()


def test_withdrawal_is_possible_only_before_review(supplier, reviewer, mango):
    application = submitted(supplier, mango)
    application_withdraw(actor=supplier, application=application)
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    other = under_review(supplier, reviewer, f.ProductFactory(supplier=mango.supplier))
    with pytest.raises(ApplicationError):
        application_withdraw(actor=supplier, application=other)


def test_evaluation_rules(supplier, reviewer, mango):
    application = submitted(supplier, mango)
    with pytest.raises(ApplicationError):
        evaluate(reviewer, application)  # not under review yet
    application_review(actor=reviewer, application=application)
    with pytest.raises(ValidationError):
        evaluate(reviewer, application, score="101")
    with pytest.raises(PermissionDenied):
        evaluation_record(
            actor=supplier,
            application=application,
            evaluated_on=AS_OF,
            score=Decimal("90"),
            as_of=AS_OF,
        )
    assert evaluate(reviewer, application).score == Decimal("88.5")


# Every action from every status, by every role: allowed exactly as TRANSITIONS says.
ROLES = ["supplier", "reviewer", "city_officer", "clerk"]
ACTIONS = {
    "submit": lambda user, app: application_submit(actor=user, application=app),
    "withdraw": lambda user, app: application_withdraw(actor=user, application=app),
    "review": lambda user, app: application_review(actor=user, application=app),
    "return": lambda user, app: application_return(actor=user, application=app, request="补充材料"),
    "approve": lambda user, app: application_decide(
        actor=user, application=app, decision="approve", as_of=AS_OF
    ),
    "reject": lambda user, app: application_decide(
        actor=user, application=app, decision="reject", comment="不符合", as_of=AS_OF
    ),
}


@pytest.mark.parametrize("status", [s.value for s in Status])
@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("persona", ROLES)
def test_every_transition_is_allowed_or_refused_as_the_table_says(
    request, status, action, persona, supplier, mango
):
    user = request.getfixturevalue(persona)
    application = with_document(supplier, draft(supplier, mango, "recognition"))
    CertificationApplication.objects.filter(pk=application.pk).update(status=status)
    application.refresh_from_db()
    sources, target, roles = TRANSITIONS[action]
    allowed = status in sources and user.membership.role in roles
    assert (action in allowed_actions(application, user)) == allowed
    if allowed:
        ACTIONS[action](user, application)
        application.refresh_from_db()
        assert application.status == target
    else:
        with pytest.raises((PermissionDenied, ApplicationError)):
            ACTIONS[action](user, application)
        application.refresh_from_db()
        assert application.status == status


def test_add_months_keeps_the_end_of_month():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2026, 11, 23), 36) == datetime.date(2029, 11, 23)
