"""The reviewers' journey in the browser: the queue (oldest first, filters), taking an
application under review, the checklist evaluation, returning, approving and rejecting."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from portal.models import Notification
from portal.periods import today
from products.models import (
    ApplicationEvent,
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Evaluation,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

Status = CertificationApplication.Status
SZP_ITEMS = {
    "item_standard": "28",
    "item_testing": "25",
    "item_process": "18",
    "item_packaging": "12",
    "item_traceability": "9",
}


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def scheme(code):
    return CertificationScheme.objects.get(code=code)


def application(supplier_org, *, status=Status.SUBMITTED, code="szp", days_ago=1, **kwargs):
    """An application already at ``status`` (the services' rules are tested elsewhere)."""
    if code == "base":
        base = supplier_org.bases.create(
            name=kwargs.pop("name", "田阳芒果基地"),
            region=kwargs.pop("region", f.region(f.TIANYANG)),
        )
        subject = {"base": base}
    else:
        subject = {"product": f.ProductFactory(supplier=supplier_org, **kwargs)}
    submitted_at = None
    if status != Status.DRAFT:
        submitted_at = timezone.now() - datetime.timedelta(days=days_ago)
    return CertificationApplication.objects.create(
        supplier=supplier_org,
        scheme=scheme(code),
        status=status,
        submitted_at=submitted_at,
        standard_claimed="《“圳品”评价规范》",
        **subject,
    )


def visit(client, user, name, *args, **query):
    client.force_login(user)
    return client.get(reverse(name, args=args), query)


def listed(response) -> list[int]:
    return [a.pk for a in response.context["page"].object_list]


# --- The queue --------------------------------------------------------------------------------


def test_the_reviewer_s_list_opens_on_the_queue_oldest_submission_first(
    client, reviewer, supplier_org
):
    recent = application(supplier_org, days_ago=1)
    oldest = application(supplier_org, days_ago=30)
    taken = application(supplier_org, status=Status.UNDER_REVIEW, days_ago=10)
    application(supplier_org, status=Status.DRAFT)
    application(supplier_org, status=Status.APPROVED, days_ago=60)
    response = visit(client, reviewer, "products:applications")
    assert listed(response) == [oldest.pk, taken.pk, recent.pk]
    assert response.context["totals"]["total"] == 3
    assert 'data-testid="tab-queue"' in response.content.decode()
    everything = visit(client, reviewer, "products:applications", status="")
    assert everything.context["totals"]["total"] == 5


def test_the_city_office_sees_every_application_by_default(client, city_officer, supplier_org):
    application(supplier_org, status=Status.DRAFT)
    application(supplier_org)
    response = visit(client, city_officer, "products:applications")
    assert response.context["totals"]["total"] == 2


def test_the_queue_filters_by_scheme_region_of_origin_and_text(
    client, reviewer, supplier_org, supplier_org_2
):
    mango = application(supplier_org, name="田阳香芒")  # 广西
    prunes = application(supplier_org_2, name="喀什西梅", region=f.region("653101"))  # 新疆
    base = application(supplier_org, code="base", name="平果火龙果基地")
    assert listed(visit(client, reviewer, "products:applications", scheme="base")) == [base.pk]
    guangxi = visit(client, reviewer, "products:applications", province="450000")
    assert set(listed(guangxi)) == {mango.pk, base.pk}
    xinjiang = visit(client, reviewer, "products:applications", province="650000")
    assert listed(xinjiang) == [prunes.pk]
    by_name = visit(client, reviewer, "products:applications", q="西梅")
    assert listed(by_name) == [prunes.pk]
    by_supplier = visit(client, reviewer, "products:applications", q="百色市田阳区")
    assert set(listed(by_supplier)) == {mango.pk, base.pk}
    by_number = visit(client, reviewer, "products:applications", q=f"#{base.pk}")
    assert listed(by_number) == [base.pk]
    nothing = visit(client, reviewer, "products:applications", q="不存在的产品")
    body = nothing.content.decode()
    assert 'data-testid="empty-state"' in body and "Clear filters" in body


def test_the_queue_s_empty_state_says_what_happens_next(client, reviewer):
    body = visit(client, reviewer, "products:applications").content.decode()
    assert "Nothing waits for review" in body


@pytest.mark.parametrize("size", [2, 25])
def test_the_queue_runs_a_bounded_number_of_queries(
    client, reviewer, size, django_assert_max_num_queries
):
    for n in range(size):
        application(f.SupplierFactory(), days_ago=n + 1, code="base" if n % 3 == 0 else "szp")
    client.force_login(reviewer)
    # Session, user, membership, the totals, one page of rows with their subjects and regions,
    # the provinces of the filter: the same at any size.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("products:applications"), {"province": "450000"})
    assert response.context["totals"]["total"] == size


# --- One application's page, under review -----------------------------------------------------


def test_the_detail_page_runs_a_bounded_number_of_queries(
    client, reviewer, supplier, supplier_org, django_assert_max_num_queries
):
    from django.core.files.base import ContentFile

    app = application(supplier_org, status=Status.UNDER_REVIEW)
    for n in range(20):
        app.documents.create(
            kind="other",
            file=ContentFile(b"%PDF-1.4", name=f"{n}.pdf"),
            original_name=f"{n}.pdf",
            content_type="application/pdf",
            size=8,
            sha256="0" * 64,
            uploaded_by=supplier,
        )
        ApplicationEvent.objects.create(
            application=app,
            action="edit",
            from_status="draft",
            to_status="draft",
            actor=supplier,
            at=timezone.now(),
        )
        Evaluation.objects.create(
            application=app,
            evaluated_on=today(),
            score=90,
            items={"standard": "30"},
            evaluator=reviewer,
        )
    client.force_login(reviewer)
    # Session, user, membership, the application, its documents, evaluations and steps.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("products:application_detail", args=[app.pk]))
    assert len(response.context["documents"]) == 20
    assert len(response.context["timeline"]) == 20


def test_taking_an_application_under_review(client, reviewer, supplier, supplier_org):
    app = application(supplier_org)
    response = visit(client, reviewer, "products:application_detail", app.pk)
    assert 'data-testid="take-review"' in response.content.decode()
    assert 'data-testid="record-evaluation"' not in response.content.decode()
    client.post(reverse("products:application_review", args=[app.pk]))
    app.refresh_from_db()
    assert (app.status, app.reviewer) == (Status.UNDER_REVIEW, reviewer)
    # A second click finds it no longer submitted and says so instead of failing.
    response = client.post(reverse("products:application_review", args=[app.pk]), follow=True)
    assert "cannot be taken under review" in response.content.decode()
    assert Notification.objects.filter(recipient=supplier, title__contains="under review").count()


def test_the_evaluation_form_scores_each_checklist_item_and_sums_them(
    client, reviewer, supplier_org
):
    app = application(supplier_org, status=Status.UNDER_REVIEW)
    url = reverse("products:application_evaluate", args=[app.pk])
    form = visit(client, reviewer, "products:application_evaluate", app.pk)
    body = form.content.decode()
    assert "符合“圳品”评价规范 (max. 30)" in body
    assert 'data-testid="save-evaluation"' in body
    too_much = client.post(
        url, {"evaluated_on": today().isoformat(), **SZP_ITEMS, "item_testing": "26"}
    )
    assert too_much.status_code == 200
    assert "item_testing" in too_much.context["form"].errors
    future = client.post(
        url,
        {"evaluated_on": (today() + datetime.timedelta(days=1)).isoformat(), **SZP_ITEMS},
    )
    assert "evaluated_on" in future.context["form"].errors
    assert not Evaluation.objects.exists()
    done = client.post(url, {"evaluated_on": today().isoformat(), **SZP_ITEMS, "findings": "合格"})
    assert done.status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.score == 92
    assert evaluation.items["standard"] == "28"


def test_the_evaluation_form_is_for_an_application_under_review_only(
    client, reviewer, supplier_org
):
    app = application(supplier_org)
    response = visit(client, reviewer, "products:application_evaluate", app.pk)
    assert response.status_code == 302


# --- Decisions --------------------------------------------------------------------------------


def test_approval_waits_for_the_on_site_evaluation_then_issues_the_certificate(
    client, reviewer, supplier, supplier_org, django_capture_on_commit_callbacks
):
    supplier.email = "sales@tianyang.example.cn"
    supplier.save()
    app = application(supplier_org, status=Status.UNDER_REVIEW)
    url = reverse("products:application_approve", args=[app.pk])
    page = visit(client, reviewer, "products:application_approve", app.pk)
    assert "needs an on-site evaluation" in page.content.decode()
    refused = client.post(url)
    assert refused.status_code == 200
    assert "on-site evaluation" in str(refused.context["form"].non_field_errors())
    assert not Certificate.objects.exists()

    client.post(
        reverse("products:application_evaluate", args=[app.pk]),
        {"evaluated_on": today().isoformat(), **SZP_ITEMS},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"comment": "符合圳品评价规范"}, follow=True)
    certificate = Certificate.objects.get(application=app)
    assert certificate.number in response.content.decode()
    note = Notification.objects.get(recipient=supplier, title__startswith="Approved")
    assert certificate.number in note.body
    assert note.link == reverse("products:application_detail", args=[app.pk])
    assert [m.to for m in mail.outbox] == [["sales@tianyang.example.cn"]]


def test_rejection_needs_reasons_which_the_supplier_then_reads(
    client, reviewer, supplier, supplier_org
):
    app = application(supplier_org, status=Status.UNDER_REVIEW)
    url = reverse("products:application_reject", args=[app.pk])
    client.force_login(reviewer)
    refused = client.post(url, {"comment": ""})
    assert refused.status_code == 200
    assert "comment" in refused.context["form"].errors
    app.refresh_from_db()
    assert app.status == Status.UNDER_REVIEW
    assert client.post(url, {"comment": "农残检测不合格"}).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.REJECTED
    body = visit(client, supplier, "products:application_detail", app.pk).content.decode()
    assert 'data-testid="rejection"' in body and "农残检测不合格" in body
    assert 'data-testid="actions"' not in body  # a rejected application takes no more steps


def test_a_supplier_cannot_approve_even_by_posting(client, supplier, supplier_org):
    app = application(supplier_org, status=Status.UNDER_REVIEW)
    client.force_login(supplier)
    response = client.post(reverse("products:application_approve", args=[app.pk]))
    assert response.status_code == 403
    app.refresh_from_db()
    assert app.status == Status.UNDER_REVIEW
    assert not Certificate.objects.exists()


def test_a_reviewer_never_edits_the_supplier_s_data(client, reviewer, supplier_org):
    app = application(supplier_org, status=Status.UNDER_REVIEW)
    client.force_login(reviewer)
    edit = reverse("products:application_edit", args=[app.pk])
    assert client.post(edit, {"standard_claimed": "改过的标准"}).status_code == 403
    assert client.post(reverse("products:application_submit", args=[app.pk])).status_code == 403
    app.refresh_from_db()
    assert app.standard_claimed == "《“圳品”评价规范》"
