"""Dynamic exit (动态退出) and monitoring: each action and each refusal, by service, page and
API; only the city office acts; every step is written to the exit history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from portal.errors import ApplicationError
from portal.models import Notification
from products.models import (
    Certificate,
    CertificationScheme,
    Disclosure,
    ExitAction,
    MonitoringRecord,
    Product,
    SupplierBase,
)
from products.services import monitoring
from products.services import oversight as svc
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 23)
Status = Certificate.Status


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def mango(supplier_org):
    return f.ProductFactory(supplier=supplier_org, name="田阳香芒")


@pytest.fixture
def cert(mango):
    return f.CertificateFactory(
        product=mango,
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )


@pytest.fixture
def base(supplier_org):
    return SupplierBase.objects.create(
        supplier=supplier_org, name="田阳芒果种植基地", region=f.region(f.TIANYANG)
    )


@pytest.fixture
def base_cert(base):
    return f.CertificateFactory(
        number="JD-2025-000001",
        scheme=CertificationScheme.objects.get(code="base"),
        product=None,
        base=base,
        supplier=base.supplier,
    )


def reload(obj):
    obj.refresh_from_db()
    return obj


def titles(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


# --- certificates: services --------------------------------------------------------------


def test_the_city_office_suspends_a_certificate_with_a_reason_written_to_history(
    city_officer, supplier, cert
):
    svc.certificate_suspend(
        actor=city_officer, certificate=cert, reason="quality", note="农残抽检不合格"
    )

    assert reload(cert).status == Status.SUSPENDED
    (step,) = ExitAction.objects.filter(certificate=cert)
    assert (step.action, step.from_status, step.to_status) == ("suspend", "valid", "suspended")
    assert (step.reason, step.note, step.actor) == ("quality", "农残抽检不合格", city_officer)
    assert step.at is not None
    assert titles(supplier) == [
        f"Certificate {cert.number} has been suspended by the city coordination office"
    ]
    assert "农残抽检不合格" in Notification.objects.get(recipient=supplier).body


def test_suspend_then_reinstate_within_validity_then_revoke(city_officer, cert):
    svc.certificate_suspend(actor=city_officer, certificate=cert, reason="price")
    svc.certificate_reinstate(
        actor=city_officer, certificate=cert, reason="price", note="价格已整改", as_of=AS_OF
    )
    assert reload(cert).status == Status.VALID
    svc.certificate_revoke(actor=city_officer, certificate=cert, reason="integrity")
    assert reload(cert).status == Status.REVOKED
    actions = list(
        ExitAction.objects.filter(certificate=cert).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["suspend", "reinstate", "revoke"]


def test_a_suspended_certificate_can_be_revoked(city_officer, cert):
    svc.certificate_suspend(actor=city_officer, certificate=cert, reason="quality")
    svc.certificate_revoke(actor=city_officer, certificate=cert, reason="quality")
    assert reload(cert).status == Status.REVOKED


@pytest.mark.parametrize(
    ("start", "service", "message"),
    [
        (Status.SUSPENDED, svc.certificate_suspend, "is already “Suspended”"),
        (Status.REVOKED, svc.certificate_revoke, "is already “Revoked”"),
        (Status.REVOKED, svc.certificate_suspend, "revoked, which is final"),
        (Status.EXPIRED, svc.certificate_suspend, "“Expired” cannot be suspended"),
        (Status.EXPIRED, svc.certificate_revoke, "“Expired” cannot be revoked"),
    ],
)
def test_illegal_certificate_moves_are_refused(city_officer, cert, start, service, message):
    Certificate.objects.filter(pk=cert.pk).update(status=start)

    with pytest.raises(ApplicationError, match=message):
        service(actor=city_officer, certificate=cert, reason="quality")
    assert reload(cert).status == start
    assert not ExitAction.objects.exists()


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (Status.VALID, "is already “Valid”"),
        (Status.REVOKED, "revoked, which is final"),
        (Status.EXPIRED, "“Expired” cannot be reinstated"),
    ],
)
def test_reinstating_anything_but_a_suspended_certificate_is_refused(
    city_officer, cert, start, message
):
    Certificate.objects.filter(pk=cert.pk).update(status=start)
    with pytest.raises(ApplicationError, match=message):
        svc.certificate_reinstate(
            actor=city_officer, certificate=cert, reason="other", note="复核", as_of=AS_OF
        )


def test_a_suspended_certificate_past_its_validity_cannot_be_reinstated(city_officer, cert):
    svc.certificate_suspend(actor=city_officer, certificate=cert, reason="quality")

    with pytest.raises(ApplicationError, match="valid until 2026-12-31"):
        svc.certificate_reinstate(
            actor=city_officer,
            certificate=cert,
            reason="quality",
            as_of=datetime.date(2027, 1, 1),
        )
    assert reload(cert).status == Status.SUSPENDED


def test_a_reason_from_the_list_is_required_and_other_needs_a_note(city_officer, cert):
    with pytest.raises(ValidationError) as unknown:
        svc.certificate_suspend(actor=city_officer, certificate=cert, reason="whim")
    assert "reason" in unknown.value.message_dict
    with pytest.raises(ValidationError) as other:
        svc.certificate_suspend(actor=city_officer, certificate=cert, reason="other", note=" ")
    assert "note" in other.value.message_dict
    assert reload(cert).status == Status.VALID
    assert not ExitAction.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer", "district_officer", "supplier", "clerk"])
def test_only_the_city_office_may_change_a_certificates_standing(request, persona, cert):
    someone = request.getfixturevalue(persona)
    for service in (svc.certificate_suspend, svc.certificate_revoke):
        with pytest.raises(PermissionDenied):
            service(actor=someone, certificate=cert, reason="quality")
    with pytest.raises(PermissionDenied):
        svc.certificate_reinstate(actor=someone, certificate=cert, reason="quality", as_of=AS_OF)
    assert reload(cert).status == Status.VALID
    assert not ExitAction.objects.exists()


# --- products and bases: services --------------------------------------------------------


def test_suspending_a_product_keeps_its_certificates_and_relisting_restores_it(
    city_officer, supplier, mango, cert
):
    change = svc.product_set_status(
        actor=city_officer, product=mango, status="suspended", reason="price", note="高于市场价40%"
    )
    assert change.certificates_revoked == 0
    assert reload(mango).status == Product.Status.SUSPENDED
    assert reload(cert).status == Status.VALID
    svc.product_set_status(actor=city_officer, product=mango, status="listed", reason="price")
    assert reload(mango).status == Product.Status.LISTED
    steps = ExitAction.objects.filter(product=mango).order_by("id")
    assert [(s.action, s.from_status, s.to_status) for s in steps] == [
        ("suspend", "listed", "suspended"),
        ("reinstate", "suspended", "listed"),
    ]
    assert len(titles(supplier)) == 2


def test_exiting_a_product_revokes_its_live_certificates_and_is_final(city_officer, mango, cert):
    suspended = f.CertificateFactory(product=mango, status=Status.SUSPENDED)
    expired = f.CertificateFactory(product=mango, status=Status.EXPIRED)

    change = svc.product_set_status(
        actor=city_officer, product=mango, status="exited", reason="no_effect"
    )

    assert change.certificates_revoked == 2
    assert reload(mango).status == Product.Status.EXITED
    assert reload(cert).status == Status.REVOKED
    assert reload(suspended).status == Status.REVOKED
    assert reload(expired).status == Status.EXPIRED
    assert ExitAction.objects.filter(product=mango, action="exit").count() == 1
    assert ExitAction.objects.filter(certificate__product=mango, action="revoke").count() == 2

    for target in ("listed", "suspended"):
        with pytest.raises(ApplicationError, match="exited, which is final"):
            svc.product_set_status(
                actor=city_officer, product=mango, status=target, reason="other", note="x"
            )
    with pytest.raises(ApplicationError, match="already “Exited”"):
        svc.product_set_status(actor=city_officer, product=mango, status="exited", reason="price")


def test_product_no_op_and_unknown_status_are_refused(city_officer, mango):
    with pytest.raises(ApplicationError, match="already “Listed”"):
        svc.product_set_status(actor=city_officer, product=mango, status="listed", reason="price")
    with pytest.raises(ValidationError) as unknown:
        svc.product_set_status(actor=city_officer, product=mango, status="gone", reason="price")
    assert "status" in unknown.value.message_dict
    assert not ExitAction.objects.exists()


def test_base_suspend_reactivate_and_exit(city_officer, base, base_cert):
    svc.base_set_status(actor=city_officer, base=base, status="suspended", reason="quality")
    assert reload(base).status == SupplierBase.Status.SUSPENDED
    assert reload(base_cert).status == Status.VALID
    svc.base_set_status(actor=city_officer, base=base, status="active", reason="quality")
    change = svc.base_set_status(
        actor=city_officer, base=base, status="exited", reason="integrity", note="虚报产量"
    )
    assert change.certificates_revoked == 1
    assert reload(base_cert).status == Status.REVOKED
    assert ExitAction.objects.filter(base=base).count() == 3
    with pytest.raises(ApplicationError, match="final"):
        svc.base_set_status(actor=city_officer, base=base, status="active", reason="quality")


@pytest.mark.parametrize("persona", ["reviewer", "district_officer", "supplier"])
def test_only_the_city_office_may_change_a_product_or_base(request, persona, mango, base):
    someone = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        svc.product_set_status(actor=someone, product=mango, status="suspended", reason="price")
    with pytest.raises(PermissionDenied):
        svc.base_set_status(actor=someone, base=base, status="suspended", reason="price")
    assert not ExitAction.objects.exists()


# --- monitoring: services ----------------------------------------------------------------


def record(actor, subject, *, result="failed", **overrides):
    values = {
        "kind": "sample_test",
        "performed_on": AS_OF,
        "agency": "深圳市计量质量检测研究院",
        "result": result,
        "findings": "农药残留超标" if result == "failed" else "",
        "as_of": AS_OF,
    }
    values.update(overrides)
    key = "product" if isinstance(subject, Product) else "base"
    return monitoring.monitoring_record(actor=actor, **{key: subject}, **values)


def test_a_passed_test_proposes_nothing(reviewer, city_officer, mango):
    passed = record(reviewer, mango, result="passed")
    assert passed.proposal == ""
    assert titles(city_officer) == []


def test_a_failed_test_proposes_a_suspension_and_tells_the_city_office(
    reviewer, city_officer, mango
):
    failed = record(reviewer, mango)

    assert failed.proposal == MonitoringRecord.Proposal.OPEN
    assert failed.recorded_by == reviewer
    note = Notification.objects.get(recipient=city_officer)
    assert "田阳香芒" in note.title
    assert note.link == reverse("products:monitoring_proposals")


def test_the_city_office_records_an_inspection_of_a_base(city_officer, base):
    inspection = record(city_officer, base, kind="inspection", result="passed")
    assert inspection.base == base


def test_monitoring_refusals(reviewer, supplier, mango, city_officer):
    with pytest.raises(PermissionDenied):
        record(supplier, mango)
    with pytest.raises(ValidationError) as future:
        record(reviewer, mango, performed_on=AS_OF + datetime.timedelta(days=1))
    assert "performed_on" in future.value.message_dict
    with pytest.raises(ValidationError) as silent:
        record(reviewer, mango, findings="")
    assert "findings" in silent.value.message_dict
    with pytest.raises(ValidationError) as anonymous:
        record(reviewer, mango, agency=" ")
    assert "agency" in anonymous.value.message_dict
    svc.product_set_status(actor=city_officer, product=mango, status="exited", reason="quality")
    with pytest.raises(ApplicationError, match="nothing left to monitor"):
        record(reviewer, mango)
    assert not MonitoringRecord.objects.exists()


def test_accepting_a_proposal_suspends_the_product_for_quality(
    reviewer, city_officer, supplier, mango
):
    failed = record(reviewer, mango)

    monitoring.monitoring_proposal_accept(actor=city_officer, record=failed)

    failed = reload(failed)
    assert failed.proposal == MonitoringRecord.Proposal.ACCEPTED
    assert (failed.handled_by, failed.handled_at is not None) == (city_officer, True)
    assert reload(mango).status == Product.Status.SUSPENDED
    step = ExitAction.objects.get(product=mango)
    assert (step.action, step.reason, step.note) == ("suspend", "quality", "农药残留超标")
    assert any("suspended" in title for title in titles(supplier))
    with pytest.raises(ApplicationError, match="already been decided"):
        monitoring.monitoring_proposal_accept(actor=city_officer, record=failed)


def test_accepting_for_a_base_already_suspended_writes_no_second_step(reviewer, city_officer, base):
    failed = record(reviewer, base)
    svc.base_set_status(actor=city_officer, base=base, status="suspended", reason="price")

    monitoring.monitoring_proposal_accept(actor=city_officer, record=failed, note="已暂停")

    assert reload(failed).proposal == MonitoringRecord.Proposal.ACCEPTED
    assert ExitAction.objects.filter(base=base).count() == 1


def test_dismissing_a_proposal_needs_a_note(reviewer, city_officer, mango):
    failed = record(reviewer, mango)
    with pytest.raises(ValidationError) as bare:
        monitoring.monitoring_proposal_dismiss(actor=city_officer, record=failed, note="")
    assert "note" in bare.value.message_dict

    monitoring.monitoring_proposal_dismiss(actor=city_officer, record=failed, note="复检合格")

    failed = reload(failed)
    assert (failed.proposal, failed.proposal_note) == ("dismissed", "复检合格")
    assert reload(mango).status == Product.Status.LISTED


def test_only_the_city_office_decides_proposals(reviewer, mango):
    failed = record(reviewer, mango)
    with pytest.raises(PermissionDenied):
        monitoring.monitoring_proposal_accept(actor=reviewer, record=failed)
    with pytest.raises(PermissionDenied):
        monitoring.monitoring_proposal_dismiss(actor=reviewer, record=failed, note="x")


# --- pages -------------------------------------------------------------------------------


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_certificate_page_offers_the_city_office_its_actions(client, city_officer, cert):
    page = signed_in(client, city_officer).get(
        reverse("products:certificate_detail", args=[cert.pk])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("products:certificate_action", args=[cert.pk, "suspend"]) in html
    assert reverse("products:certificate_action", args=[cert.pk, "revoke"]) in html
    assert reverse("products:certificate_action", args=[cert.pk, "reinstate"]) not in html


def test_suspending_by_page_asks_for_confirmation_then_acts(client, city_officer, cert):
    url = reverse("products:certificate_action", args=[cert.pk, "suspend"])
    browser = signed_in(client, city_officer)

    confirm = browser.get(url)
    assert confirm.status_code == 200
    assert b'name="reason"' in confirm.content
    assert reload(cert).status == Status.VALID

    done = browser.post(url, {"reason": "quality", "note": "抽检不合格"})
    assert done.status_code == 302
    assert done["Location"] == reverse("products:certificate_detail", args=[cert.pk])
    assert reload(cert).status == Status.SUSPENDED

    page = browser.get(done["Location"])
    assert "抽检不合格" in page.content.decode()
    assert "Quality failure" in page.content.decode()


def test_a_refusal_is_shown_on_the_confirmation_page(client, city_officer, cert):
    url = reverse("products:certificate_action", args=[cert.pk, "suspend"])
    page = signed_in(client, city_officer).post(url, {"reason": "other", "note": ""})
    assert page.status_code == 200
    assert "when you choose “Other”" in page.content.decode()
    Certificate.objects.filter(pk=cert.pk).update(status=Status.REVOKED)
    page = client.post(url, {"reason": "quality", "note": ""})
    assert "which is final" in page.content.decode()
    assert reload(cert).status == Status.REVOKED


@pytest.mark.parametrize("persona", ["reviewer", "district_officer", "supplier"])
def test_other_roles_may_not_open_the_action_pages(request, client, persona, cert, mango, base):
    browser = signed_in(client, request.getfixturevalue(persona))
    urls = [
        reverse("products:certificate_action", args=[cert.pk, "suspend"]),
        reverse("products:product_status", args=[mango.pk, "exited"]),
        reverse("products:base_status", args=[base.pk, "suspended"]),
        reverse("products:monitoring_proposals"),
    ]
    for url in urls:
        assert browser.get(url).status_code == 403
        assert browser.post(url, {"reason": "quality"}).status_code == 403
    assert reload(cert).status == Status.VALID


def test_exiting_a_product_by_page_publishes_the_exit_first(client, city_officer, mango, cert):
    """Issue 10: an exit is disclosed (公示) and takes effect after its period; the page says
    until when (tests/products/test_exit_disclosure.py follows it to the end)."""
    browser = signed_in(client, city_officer)
    oversight_page = browser.get(reverse("products:product_oversight", args=[mango.pk]))
    url = reverse("products:product_status", args=[mango.pk, "exited"])
    assert url in oversight_page.content.decode()
    assert 'data-testid="disclosure-notice"' in browser.get(url).content.decode()

    done = browser.post(url, {"reason": "integrity", "note": "冒用认证标志"})

    assert done.status_code == 302
    assert reload(mango).status == Product.Status.LISTED
    assert reload(cert).status == Status.VALID
    disclosure = Disclosure.objects.get(product=mango)
    assert (disclosure.kind, disclosure.removal, disclosure.reason, disclosure.summary) == (
        "exit",
        "exit",
        "integrity",
        "冒用认证标志",
    )
    page = browser.get(done["Location"]).content.decode()
    assert f"in public disclosure until {disclosure.ends_on.isoformat()}" in page
    assert 'data-testid="exit-disclosure"' in page
    # One exit in disclosure at a time: the page no longer offers another.
    assert url not in page


@pytest.mark.parametrize("persona", ["city_officer", "reviewer", "district_officer"])
def test_offices_and_reviewers_read_the_oversight_pages(request, client, persona, mango, base):
    browser = signed_in(client, request.getfixturevalue(persona))
    assert browser.get(reverse("products:product_oversight", args=[mango.pk])).status_code == 200
    assert browser.get(reverse("products:base_oversight", args=[base.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["supplier", "clerk"])
def test_suppliers_and_units_do_not_read_the_oversight_pages(request, client, persona, mango):
    browser = signed_in(client, request.getfixturevalue(persona))
    assert browser.get(reverse("products:product_oversight", args=[mango.pk])).status_code == 403


def test_a_reviewer_records_a_failed_test_and_the_office_accepts_it_by_page(
    client, reviewer, city_officer, mango
):
    url = reverse("products:monitoring_product_create", args=[mango.pk])
    browser = signed_in(client, reviewer)
    assert browser.get(url).status_code == 200
    done = browser.post(
        url,
        {
            "kind": "sample_test",
            "performed_on": "2026-01-05",
            "agency": "深圳市计量质量检测研究院",
            "result": "failed",
            "findings": "重金属超标",
        },
    )
    assert done.status_code == 302
    failed = MonitoringRecord.objects.get(product=mango)
    assert failed.proposal == "open"

    office = signed_in(client, city_officer)
    listing = office.get(reverse("products:monitoring_proposals")).content.decode()
    assert "田阳香芒" in listing
    decide = reverse("products:monitoring_proposal", args=[failed.pk])
    assert office.get(decide).status_code == 200
    refused = office.post(decide, {"decision": "dismiss", "note": ""})
    assert refused.status_code == 200
    assert "Say why the proposal is dismissed." in refused.content.decode()
    assert office.post(decide, {"decision": "accept", "note": ""}).status_code == 302
    assert reload(mango).status == Product.Status.SUSPENDED
    assert reload(failed).proposal == "accepted"


def test_the_monitoring_form_shows_a_future_date_inline(client, reviewer, base):
    url = reverse("products:monitoring_base_create", args=[base.pk])
    page = signed_in(client, reviewer).post(
        url,
        {
            "kind": "inspection",
            "performed_on": "2999-01-01",
            "agency": "市协作办巡查组",
            "result": "passed",
        },
    )
    assert page.status_code == 200
    assert "is in the future" in page.content.decode()
    assert not MonitoringRecord.objects.exists()


def test_the_proposals_list_runs_a_bounded_number_of_queries(
    client, reviewer, city_officer, supplier_org, django_assert_max_num_queries
):
    for n in range(22):
        record(reviewer, f.ProductFactory(supplier=supplier_org, name=f"芒果{n}"))
    browser = signed_in(client, city_officer)
    with django_assert_max_num_queries(10):
        page = browser.get(reverse("products:monitoring_proposals"))
    assert page.status_code == 200
    assert "22 proposals" in page.content.decode()


# --- API ---------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_the_city_office_suspends_a_certificate(city_officer, cert):
    response = api_for(city_officer).post(
        f"/api/v1/oversight/certificates/{cert.pk}/status/",
        {"status": "suspended", "reason": "quality", "note": "抽检不合格"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "suspended"
    assert body["exit_actions"][0]["reason"] == "quality"
    assert body["exit_actions"][0]["actor"] == "city_office"


def test_api_refusals_are_400_with_the_message(city_officer, cert):
    Certificate.objects.filter(pk=cert.pk).update(status=Status.REVOKED)
    api = api_for(city_officer)
    url = f"/api/v1/oversight/certificates/{cert.pk}/status/"
    final = api.post(url, {"status": "valid", "reason": "quality"}, format="json")
    assert final.status_code == 400
    assert "final" in final.json()["non_field_errors"][0]
    bad = api.post(url, {"status": "suspended", "reason": "whim"}, format="json")
    assert bad.status_code == 400
    assert "reason" in bad.json()
    other = api.post(url, {"status": "bogus", "reason": "quality"}, format="json")
    assert other.status_code == 400
    assert "status" in other.json()


def test_api_what_the_caller_may_not_see_is_404(supplier_2, city_officer, cert, mango):
    svc.product_set_status(actor=city_officer, product=mango, status="suspended", reason="price")
    api = api_for(supplier_2)
    assert (
        api.post(
            f"/api/v1/oversight/certificates/{cert.pk}/status/",
            {"status": "suspended", "reason": "quality"},
            format="json",
        ).status_code
        == 404
    )
    assert (
        api.post(
            f"/api/v1/oversight/products/{mango.pk}/status/",
            {"status": "listed", "reason": "quality"},
            format="json",
        ).status_code
        == 404
    )
    assert api.get(f"/api/v1/oversight/certificates/{cert.pk}/").status_code == 404


def test_api_product_and_base_status(city_officer, mango, cert, base, base_cert):
    api = api_for(city_officer)
    response = api.post(
        f"/api/v1/oversight/products/{mango.pk}/status/",
        {"status": "exited", "reason": "no_effect", "note": "连续两年无带贫成效"},
        format="json",
    )
    # Issue 10: the exit is disclosed first (202), the product unchanged until it takes effect.
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "listed"
    assert response.json()["disclosure"]["status"] == "open"
    assert reload(cert).status == Status.VALID
    response = api.post(
        f"/api/v1/oversight/bases/{base.pk}/status/",
        {"status": "suspended", "reason": "quality"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "suspended"
    assert [a["action"] for a in response.json()["exit_actions"]] == ["suspend"]


def test_api_monitoring_record_list_and_accept(reviewer, city_officer, supplier, clerk, mango):
    created = api_for(reviewer).post(
        "/api/v1/oversight/monitoring/",
        {
            "product": mango.pk,
            "kind": "sample_test",
            "performed_on": "2026-01-05",
            "agency": "深圳市计量质量检测研究院",
            "result": "failed",
            "findings": "农残超标",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["proposal"] == "open"
    pk = created.json()["id"]

    listed = api_for(city_officer).get("/api/v1/oversight/monitoring/?proposal=open").json()
    assert [r["id"] for r in listed["results"]] == [pk]
    assert api_for(supplier).get("/api/v1/oversight/monitoring/").json()["count"] == 1
    assert api_for(clerk).get("/api/v1/oversight/monitoring/").json()["count"] == 0

    assert api_for(reviewer).post(f"/api/v1/oversight/monitoring/{pk}/accept/").status_code == 403
    accepted = api_for(city_officer).post(f"/api/v1/oversight/monitoring/{pk}/accept/")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["proposal"] == "accepted"
    assert reload(mango).status == Product.Status.SUSPENDED


def test_api_monitoring_refusals(supplier, reviewer, supplier_2, mango, city_officer):
    payload = {
        "product": mango.pk,
        "kind": "inspection",
        "performed_on": "2026-01-05",
        "agency": "巡查组",
        "result": "passed",
    }
    assert (
        api_for(supplier).post("/api/v1/oversight/monitoring/", payload, format="json").status_code
        == 403
    )
    both = api_for(reviewer).post(
        "/api/v1/oversight/monitoring/", {**payload, "base": 1}, format="json"
    )
    assert both.status_code == 400
    future = api_for(reviewer).post(
        "/api/v1/oversight/monitoring/", {**payload, "performed_on": "2999-01-01"}, format="json"
    )
    assert future.status_code == 400
    assert "performed_on" in future.json()


def test_api_monitoring_list_runs_a_bounded_number_of_queries(
    reviewer, city_officer, supplier_org, django_assert_max_num_queries
):
    for n in range(22):
        record(reviewer, f.ProductFactory(supplier=supplier_org, name=f"芒果{n}"))
    api = api_for(city_officer)
    with django_assert_max_num_queries(4):
        body = api.get("/api/v1/oversight/monitoring/").json()
    assert body["count"] == 22
    assert {r["kind"] for r in body["results"]} == {"sample_test"}


def test_api_monitoring_unknown_codes_are_400_by_field(reviewer, mango):
    response = api_for(reviewer).post(
        "/api/v1/oversight/monitoring/",
        {
            "product": mango.pk,
            "kind": "rumour",
            "performed_on": "2026-01-05",
            "agency": "巡查组",
            "result": "maybe",
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"kind", "result"} <= set(response.json())
