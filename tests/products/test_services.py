"""The certification application's life, enforced in one place (products.services)."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.errors import ApplicationError
from portal.models import Notification
from portal.periods import add_months
from products.models import (
    ApplicationEvent,
    Certificate,
    CertificationApplication,
    CertificationScheme,
)
from products.services.application_documents import application_document_add
from products.services.applications import (
    TRANSITIONS,
    allowed_actions,
    application_create,
    application_submit,
    application_update,
    application_withdraw,
    missing_requirements,
    requirement_checks,
)
from products.services.review import (
    application_decide,
    application_return,
    application_review,
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
        poverty_link="保底收购田阳区脱贫户的香芒，按收购量分红",
        households=120,
    )


def with_document(supplier, application, *kinds):
    for kind in kinds or ("test_report",):
        application_document_add(
            actor=supplier,
            application=application,
            kind=kind,
            file=SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf"),
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
        actor=supplier,
        application=with_document(supplier, draft(supplier, mango, "recognition"), "licence"),
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
    application = with_document(supplier, draft(supplier, mango, "recognition"), "licence")
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


# --- What each scheme needs before submission (REQUIREMENTS) ---------------------------------


def bare(supplier, product, code, **facts):
    return application_create(
        actor=supplier, supplier=product.supplier, scheme=scheme(code), product=product, **facts
    )


@pytest.mark.parametrize(
    ("code", "facts", "kinds", "named"),
    [
        # 帮扶产品认定: how households are lifted, how many, and a business licence.
        ("recognition", {"households": 30}, ["licence"], "how the product lifts poor households"),
        ("recognition", {"poverty_link": "保底收购"}, ["licence"], "households linked"),
        (
            "recognition",
            {"poverty_link": "保底收购", "households": 30},
            ["test_report"],
            "business licence",
        ),
        # 圳品: the standard claimed and a quality test report.
        ("szp", {}, ["test_report"], "standard claimed"),
        ("szp", {"standard_claimed": "圳品标准"}, ["licence"], "quality test report"),
    ],
)
def test_submission_names_what_the_scheme_still_needs(supplier, mango, code, facts, kinds, named):
    application = with_document(supplier, bare(supplier, mango, code, **facts), *kinds)
    with pytest.raises(ApplicationError, match=named) as refusal:
        application_submit(actor=supplier, application=application)
    assert refusal.value.message.count(";") == 0  # only the one missing item is named
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_a_base_needs_the_standard_and_the_licence(supplier, supplier_org):
    base = supplier_org.bases.create(name="田阳芒果基地", region=f.region(f.TIANYANG))
    application = application_create(
        actor=supplier, supplier=supplier_org, scheme=scheme("base"), base=base
    )
    with pytest.raises(ApplicationError) as refusal:
        application_submit(actor=supplier, application=application)
    assert "standard claimed" in refusal.value.message
    assert "business licence" in refusal.value.message
    application_update(
        actor=supplier,
        application=application,
        standard_claimed="《菜篮子基地认定与监测管理办法》",
        poverty_link="",
        households=0,
    )
    with_document(supplier, application, "licence")
    assert application_submit(actor=supplier, application=application).status == Status.SUBMITTED


def test_requirement_checks_tick_what_is_there(supplier, mango):
    application = with_document(supplier, bare(supplier, mango, "recognition", households=5))
    checks = {check.code: check.met for check in requirement_checks(application)}
    assert checks == {"poverty_link": False, "households": True, "licence": False}
    assert missing_requirements(application) == [
        "how the product lifts poor households",
        "a business licence document",
    ]


def test_a_szp_application_with_a_test_report_only_is_complete(supplier, mango):
    application = with_document(supplier, bare(supplier, mango, "szp", standard_claimed="圳品"))
    assert application_submit(actor=supplier, application=application).status == Status.SUBMITTED


@pytest.mark.parametrize("status", ["pending", "suspended"])
def test_a_supplier_not_active_may_draft_but_not_submit(supplier, supplier_org, mango, status):
    supplier_org.status = status
    supplier_org.save()
    application = with_document(supplier, draft(supplier, mango))  # drafting is allowed
    with pytest.raises(ApplicationError, match="only an active supplier may submit"):
        application_submit(actor=supplier, application=application)
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_only_a_listed_product_can_apply(supplier, supplier_org):
    suspended = f.ProductFactory(supplier=supplier_org, status="suspended")
    with pytest.raises(ValidationError) as refusal:
        draft(supplier, suspended)
    assert "product" in refusal.value.message_dict


# --- Changing a draft -------------------------------------------------------------------------


def test_the_supplier_edits_its_draft_or_returned_application_only(
    supplier, supplier_2, reviewer, mango
):
    application = bare(supplier, mango, "szp")
    application_update(
        actor=supplier,
        application=application,
        standard_claimed=" 圳品 ",
        poverty_link="",
        households=3,
    )
    application.refresh_from_db()
    assert (application.standard_claimed, application.households) == ("圳品", 3)
    assert application.events.last().action == "edit"
    for outsider in (supplier_2, reviewer):
        with pytest.raises(PermissionDenied):
            application_update(
                actor=outsider,
                application=application,
                standard_claimed="x",
                poverty_link="",
                households=0,
            )
    with_document(supplier, application)
    application_submit(actor=supplier, application=application)
    with pytest.raises(ApplicationError, match="can no longer be changed"):
        application_update(
            actor=supplier,
            application=application,
            standard_claimed="y",
            poverty_link="",
            households=3,
        )
    application_review(actor=reviewer, application=application)
    application_return(actor=reviewer, application=application, request="请写明带贫户数")
    application_update(
        actor=supplier,
        application=application,
        standard_claimed="圳品",
        poverty_link="",
        households=9,
    )
    application.refresh_from_db()
    assert application.households == 9


# --- Checklist evaluations --------------------------------------------------------------------

SZP_FULL = {"standard": 28, "testing": 25, "process": "18.5", "packaging": 12, "traceability": 9}


def test_a_checklist_evaluation_scores_the_sum_of_its_items(supplier, reviewer, mango):
    application = under_review(supplier, reviewer, mango)
    evaluation = evaluation_record(
        actor=reviewer,
        application=application,
        evaluated_on=AS_OF,
        items=SZP_FULL,
        as_of=AS_OF,
    )
    assert evaluation.score == Decimal("92.5")
    evaluation.refresh_from_db()
    assert evaluation.items == {
        "standard": "28",
        "testing": "25",
        "process": "18.5",
        "packaging": "12",
        "traceability": "9",
    }


@pytest.mark.parametrize(
    ("items", "score", "field", "message"),
    [
        ({**SZP_FULL, "testing": 26}, None, "items", "between 0 and 25"),
        ({**SZP_FULL, "testing": -1}, None, "items", "between 0 and 25"),
        ({**SZP_FULL, "origin": 5}, None, "items", "origin"),
        ({k: v for k, v in SZP_FULL.items() if k != "packaging"}, None, "items", "包装与标识规范"),
        (SZP_FULL, Decimal("90"), "score", "92.5"),
    ],
)
def test_a_checklist_evaluation_is_refused_when_it_does_not_add_up(
    supplier, reviewer, mango, items, score, field, message
):
    application = under_review(supplier, reviewer, mango)
    with pytest.raises(ValidationError) as refusal:
        evaluation_record(
            actor=reviewer,
            application=application,
            evaluated_on=AS_OF,
            items=items,
            score=score,
            as_of=AS_OF,
        )
    assert message in " ".join(refusal.value.message_dict[field])
    assert not application.evaluations.exists()


def test_a_score_that_agrees_with_the_items_is_accepted(supplier, reviewer, mango):
    application = under_review(supplier, reviewer, mango)
    evaluation = evaluation_record(
        actor=reviewer,
        application=application,
        evaluated_on=AS_OF,
        items=SZP_FULL,
        score=Decimal("92.50"),
        as_of=AS_OF,
    )
    assert evaluation.score == Decimal("92.5")


# --- Notifications ----------------------------------------------------------------------------


@pytest.fixture
def addresses(supplier, reviewer, city_officer):
    for user, address in (
        (supplier, "sales@tianyang.example.cn"),
        (reviewer, "expert@szfp.example.cn"),
        (city_officer, "office@szfp.example.cn"),
    ):
        user.email = address
        user.save()


def notes_of(user):
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def test_submission_notifies_the_reviewers_and_mails_after_commit(
    addresses, supplier, reviewer, city_officer, mango, django_capture_on_commit_callbacks
):
    application = with_document(supplier, draft(supplier, mango))
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(actor=supplier, application=application)
        assert mail.outbox == []
    [note] = notes_of(reviewer)
    assert "田阳香芒" in note.title
    assert note.link == f"/products/applications/{application.pk}/"
    assert notes_of(city_officer) == [] and notes_of(supplier) == []
    assert [m.to for m in mail.outbox] == [["expert@szfp.example.cn"]]
    assert note.link in mail.outbox[0].body


def test_a_refused_submission_notifies_no_one(
    addresses, supplier, reviewer, mango, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError):
        application_submit(actor=supplier, application=draft(supplier, mango))
    assert notes_of(reviewer) == [] and mail.outbox == []


def test_each_review_step_tells_the_supplier(
    addresses, supplier, reviewer, mango, django_capture_on_commit_callbacks
):
    colleague = f.member(supplier.membership.role, supplier.membership.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        application = under_review(supplier, reviewer, mango)
        application_return(actor=reviewer, application=application, request="请补充农残检测报告")
        application_submit(actor=supplier, application=application)
        application_review(actor=reviewer, application=application)
        evaluate(reviewer, application)
        certificate = application_decide(
            actor=reviewer, application=application, decision="approve", as_of=AS_OF
        )
    titles = [note.title for note in notes_of(supplier)]
    assert len(titles) == 4
    assert "under review" in titles[0]
    assert "More material" in titles[1]
    assert "请补充农残检测报告" in notes_of(supplier)[1].body
    assert "Approved" in titles[3]
    assert certificate.number in notes_of(supplier)[3].body
    assert [note.title for note in notes_of(colleague)] == titles  # every user of the supplier
    reviewer_titles = [note.title for note in notes_of(reviewer)]
    assert len(reviewer_titles) == 2 and "Resubmitted" in reviewer_titles[1]
    assert sum(m.to == ["sales@tianyang.example.cn"] for m in mail.outbox) == 4


def test_a_rejection_tells_the_supplier_the_reasons(supplier, reviewer, supplier_2, mango):
    application = under_review(supplier, reviewer, mango)
    application_decide(
        actor=reviewer, application=application, decision="reject", comment="农残超标", as_of=AS_OF
    )
    last = notes_of(supplier)[-1]
    assert "rejected" in last.title and "农残超标" in last.body
    assert notes_of(supplier_2) == []
