"""The audit trail of the certification side (issue 7, point 2): every step a service takes on
a supplier, base, product, application or certificate leaves one history row naming who and
why; each record's page shows the trail to those who may read the record, and to nobody else;
the public catalogue and the certificate verification show none."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from portal.periods import today
from products.models import (
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Product,
    Supplier,
    SupplierBase,
)
from products.services import oversight, upkeep
from products.services.application_documents import application_document_add
from products.services.applications import (
    application_create,
    application_submit,
    application_update,
)
from products.services.disclosure import disclosures_settle
from products.services.expiry import certificates_expire, certificates_warn
from products.services.review import application_decide, application_return, application_review
from products.services.suppliers import (
    Registration,
    supplier_activate,
    supplier_register,
    supplier_status_set,
)
from products.tasks import certificates_daily
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 23)
DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n% a business licence\n"
HISTORY = 'data-testid="change-history"'


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
def base(supplier_org):
    return SupplierBase.objects.create(
        supplier=supplier_org, name="田阳芒果种植基地", region=f.region(f.TIANYANG)
    )


def rows(record) -> list[tuple[str, object]]:
    """The record's history, oldest first, as (reason, user)."""
    return [
        (version.history_change_reason, version.history_user)
        for version in record.history.order_by("history_date", "history_id")
    ]


def trail(response) -> str:
    """The page's change history section (the last thing on each page)."""
    assert response.status_code == 200
    body = response.content.decode()
    return body[body.index(HISTORY) :]


def visit(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args))


def drafted(supplier, product, **facts) -> CertificationApplication:
    """A recognition application holding what the scheme needs (facts and a licence)."""
    application = application_create(
        actor=supplier,
        supplier=product.supplier,
        scheme=CertificationScheme.objects.get(code="recognition"),
        product=product,
        poverty_link=facts.get("poverty_link", "保底收购脱贫户的香芒"),
        households=facts.get("households", 120),
    )
    application_document_add(
        actor=supplier,
        application=application,
        kind="licence",
        file=SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf"),
    )
    return application


def under_review(supplier, reviewer, product) -> CertificationApplication:
    application = application_submit(actor=supplier, application=drafted(supplier, product))
    return application_review(actor=reviewer, application=application)


def product_data(product: Product, **changes) -> upkeep.ProductData:
    values = upkeep.editable_values(product, upkeep.ProductData)
    values["region"] = product.region
    values["base"] = product.base
    values.update(changes)
    return upkeep.ProductData(**values)


def base_data(base: SupplierBase, **changes) -> upkeep.BaseData:
    values = upkeep.editable_values(base, upkeep.BaseData)
    values["region"] = base.region
    values.update(changes)
    return upkeep.BaseData(**values)


def certificate(supplier_org, *, until, **kwargs) -> Certificate:
    return f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org),
        valid_from=datetime.date(2024, 1, 1),
        valid_until=until,
        **kwargs,
    )


# --- applications: each step, one row, its actor and its name ---------------------------------


def test_each_step_of_an_application_is_one_history_row_naming_actor_and_step(
    supplier, reviewer, mango
):
    application = under_review(supplier, reviewer, mango)
    certificate = application_decide(
        actor=reviewer,
        application=application,
        decision="approve",
        comment="符合认定条件",
        as_of=AS_OF,
    )

    assert rows(application) == [
        ("Draft created", supplier),
        ("Submitted", supplier),
        ("Taken under review", reviewer),
        ("Approved", reviewer),
    ]
    decision = application.history.latest()
    assert (decision.status, decision.reviewer_id) == ("approved", reviewer.pk)
    assert decision.decision_comment == "符合认定条件" and decision.decided_at is not None
    assert rows(certificate) == [(f"Issued on application #{application.pk}", reviewer)]


def test_the_application_page_shows_the_decision_to_the_supplier(client, supplier, reviewer, mango):
    application = under_review(supplier, reviewer, mango)
    application_decide(
        actor=reviewer,
        application=application,
        decision="approve",
        comment="符合认定条件",
        as_of=AS_OF,
    )

    history = trail(visit(client, supplier, "products:application_detail", application.pk))
    assert "Change history" in history
    assert "Approved" in history and "Taken under review" in history
    assert "status: Under review → Approved" in history
    assert "decision comment: — → 符合认定条件" in history
    assert f"reviewer: — → {reviewer.username}" in history  # the related user, by name
    assert history.count(f"<strong>{reviewer.username}</strong>") == 2
    assert history.count(f"<strong>{supplier.username}</strong>") == 2


def test_a_return_and_a_correction_name_their_actors(supplier, reviewer, mango):
    application = under_review(supplier, reviewer, mango)
    application_return(actor=reviewer, application=application, request="补充营业执照副本")
    application_update(
        actor=supplier,
        application=application,
        standard_claimed="",
        poverty_link="保底收购脱贫户的香芒，按量分红",
        households=150,
    )

    assert rows(application)[-2:] == [
        ("Returned for more material", reviewer),
        ("Application details changed", supplier),
    ]
    assert application.history.latest().households == 150


def test_the_history_escapes_html_in_values(client, supplier, reviewer, city_officer, mango):
    application = under_review(supplier, reviewer, mango)
    application_decide(
        actor=reviewer,
        application=application,
        decision="reject",
        comment='<script>alert("x")</script>材料不全',
        as_of=AS_OF,
    )

    history = trail(visit(client, city_officer, "products:application_detail", application.pk))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;材料不全" in history
    assert "<script>alert" not in history
    assert rows(application)[-1] == ("Rejected", reviewer)


# --- certificates: dynamic exit, by page, service and API; expiry by the daily job --------------


def test_suspension_and_revocation_name_the_office_and_the_reason(
    client, supplier, city_officer, mango
):
    cert = f.CertificateFactory(product=mango)
    oversight.certificate_suspend(
        actor=city_officer, certificate=cert, reason="quality", note="农残抽检不合格"
    )
    oversight.certificate_revoke(actor=city_officer, certificate=cert, reason="integrity")

    assert rows(cert)[-2:] == [
        ("Suspended (Quality failure)", city_officer),
        ("Revoked (Dishonest operation)", city_officer),
    ]
    history = trail(visit(client, supplier, "products:certificate_detail", cert.pk))
    assert "Suspended (Quality failure)" in history
    assert "status: Valid → Suspended" in history
    assert "status: Suspended → Revoked" in history
    assert f"<strong>{city_officer.username}</strong>" in history


def test_a_suspension_through_the_api_names_the_office(city_officer, mango):
    cert = f.CertificateFactory(product=mango)
    api = APIClient()
    api.force_authenticate(city_officer)  # authenticated inside the view, after the middleware

    response = api.post(
        f"/api/v1/oversight/certificates/{cert.pk}/status/",
        {"status": "suspended", "reason": "price"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert rows(cert)[-1] == ("Suspended (Prices out of line)", city_officer)


def test_the_daily_job_writes_expiry_and_warnings_to_the_history(client, supplier, supplier_org):
    ended = certificate(supplier_org, until=AS_OF - DAY)
    ending = certificate(supplier_org, until=AS_OF + 45 * DAY)

    assert certificates_daily(as_of=AS_OF.isoformat()) == {
        "as_of": AS_OF.isoformat(),
        "expired": 1,
        "warned": 1,
    }

    assert rows(ended)[-1] == ("Expired at the end of its validity", None)
    assert ended.history.latest().status == "expired"
    assert rows(ending)[-1] == ("Expiry warning sent (60 days before)", None)
    history = trail(visit(client, supplier, "products:certificate_detail", ended.pk))
    assert "<strong>System</strong>" in history
    assert "status: Valid → Expired" in history


@pytest.mark.parametrize("size", [2, 40])
def test_the_daily_job_writes_its_history_rows_in_bounded_queries(
    supplier_org, size, django_assert_max_num_queries
):
    for _n in range(size):
        certificate(supplier_org, until=AS_OF - DAY)
        certificate(supplier_org, until=AS_OF + 20 * DAY)

    # Each run: its savepoint and release; the locked read of each window (one for expiry, one
    # per warning threshold); where certificates are due, one UPDATE, one INSERT of their
    # history rows and the holder's staff (none here, so no notification). Nothing grows.
    with django_assert_max_num_queries(2 * 2 + 3 + 2 * 3):
        certificates_expire(as_of=AS_OF)
        certificates_warn(as_of=AS_OF)

    expired = Certificate.history.filter(history_change_reason__startswith="Expired")
    warned = Certificate.history.filter(history_change_reason__startswith="Expiry warning")
    assert (expired.count(), warned.count()) == (size, size)


# --- products and bases: the supplier's upkeep and the office's standing ------------------------


def test_the_suppliers_product_edit_shows_on_its_edit_page(client, supplier, mango):
    upkeep.product_update(
        actor=supplier, product=mango, data=product_data(mango, price=Decimal("72.50"))
    )

    assert rows(mango)[-1] == ("Product details changed", supplier)
    history = trail(visit(client, supplier, "products:my_product_edit", mango.pk))
    assert "Product details changed" in history
    assert "price (yuan): 68.00 → 72.50" in history


def test_a_product_suspension_shows_on_its_oversight_page(client, reviewer, city_officer, mango):
    oversight.product_set_status(
        actor=city_officer, product=mango, status=Product.Status.SUSPENDED, reason="quality"
    )

    assert rows(mango)[-1] == ("Suspended (Quality failure)", city_officer)
    history = trail(visit(client, reviewer, "products:product_oversight", mango.pk))
    assert "status: Listed → Suspended" in history
    assert f"<strong>{city_officer.username}</strong>" in history


def test_the_suppliers_base_edit_shows_on_its_edit_page(client, supplier, base):
    upkeep.base_update(actor=supplier, base=base, data=base_data(base, area_mu=Decimal("120.5")))

    assert rows(base)[-1] == ("Base details changed", supplier)
    history = trail(visit(client, supplier, "products:my_base_edit", base.pk))
    assert "area (mu): — → 120.5" in history


def test_a_base_exit_revokes_its_certificates_with_history(client, city_officer, base):
    cert = f.CertificateFactory(
        scheme=CertificationScheme.objects.get(code="base"),
        product=None,
        base=base,
        supplier=base.supplier,
    )

    oversight.base_set_status(
        actor=city_officer, base=base, status=SupplierBase.Status.EXITED, reason="no_effect"
    )

    assert rows(base)[-1] == ("Exited (No poverty-reduction effect)", city_officer)
    assert rows(cert)[-1] == (f"Revoked with the exit of “{base.name}”.", city_officer)
    history = trail(visit(client, city_officer, "products:base_oversight", base.pk))
    assert "status: Active → Exited" in history


# --- suppliers: registration, standing, profile -------------------------------------------------


def test_a_registration_is_the_new_accounts_and_its_activation_the_offices(client, city_officer):
    supplier = supplier_register(
        data=Registration(
            name="田东县芒果合作社",
            credit_code=f.credit_code("451022"),
            region=f.region("451022"),
            legal_representative="黄明",
            contact_name="黄明",
            contact_phone="0776-5212345",
            email="huang@example.com",
            address="田东县平马镇",
            username="tiandong_coop",
            password="Mango-harvest-2026",
        )
    )

    supplier_activate(actor=city_officer, supplier=supplier)

    (registered, registrant), activated = rows(supplier)
    assert registered == "Registered by the supplier itself"
    assert registrant.username == "tiandong_coop"
    assert activated == ("Activated by the city coordination office", city_officer)
    history = trail(visit(client, city_officer, "products:supplier_detail", supplier.pk))
    assert "<strong>黄明</strong>" in history  # the account, by its full name
    assert "status: Awaiting activation → Active" in history


def test_the_offices_suspension_and_the_suppliers_profile_edit_are_recorded(
    client, supplier, city_officer, supplier_org
):
    supplier_status_set(
        actor=city_officer, supplier=supplier_org, status="suspended", reason="多次延迟供货"
    )
    upkeep.supplier_profile_update(
        actor=supplier,
        supplier=Supplier.objects.get(pk=supplier_org.pk),
        legal_representative="李华",
        contact_name="李华",
        contact_phone="0776-1234567",
        address="百色市田阳区",
    )

    assert rows(supplier_org)[-2:] == [
        ("Suspended (多次延迟供货)", city_officer),
        ("Profile updated", supplier),
    ]
    history = trail(visit(client, city_officer, "products:supplier_detail", supplier_org.pk))
    assert "status: Active → Suspended" in history
    assert "contact person: " in history and "→ 李华" in history


def test_a_long_reason_is_cut_to_the_column(city_officer, supplier_org):
    supplier_status_set(
        actor=city_officer, supplier=supplier_org, status="exited", reason="严重失信" * 60
    )

    reason, _user = rows(supplier_org)[-1]
    assert len(reason) == 100 and reason.startswith("Exited (严重失信") and reason.endswith("…")


# --- who sees the trail ---------------------------------------------------------------------


@pytest.fixture
def records(supplier, reviewer, city_officer, mango, base):
    application = under_review(supplier, reviewer, mango)
    # Approved three weeks ago: its public disclosure has taken effect by today.
    cert = application_decide(
        actor=reviewer,
        application=application,
        decision="approve",
        as_of=today() - datetime.timedelta(days=21),
    )
    disclosures_settle(as_of=today())
    cert.refresh_from_db()
    upkeep.base_update(actor=supplier, base=base, data=base_data(base, address="田阳区那坡镇"))
    return {"application": application, "certificate": cert, "product": mango, "base": base}


@pytest.mark.parametrize(
    ("persona", "name", "record", "status"),
    [
        ("supplier_2", "products:application_detail", "application", 404),
        ("district_officer", "products:application_detail", "application", 403),
        ("supplier_2", "products:certificate_detail", "certificate", 404),
        ("supplier", "products:product_oversight", "product", 403),
        ("supplier", "products:base_oversight", "base", 403),
        ("supplier_2", "products:my_product_edit", "product", 404),
        ("supplier_2", "products:my_base_edit", "base", 404),
        ("city_officer", "products:my_product_edit", "product", 403),
        ("supplier", "products:supplier_detail", "supplier", 403),
        ("supplier_2", "products:supplier_detail", "supplier", 403),
    ],
)
def test_who_may_not_read_the_record_sees_no_history(
    request, client, records, supplier_org, persona, name, record, status
):
    target = supplier_org if record == "supplier" else records[record]
    response = visit(client, request.getfixturevalue(persona), name, target.pk)

    assert response.status_code == status
    assert HISTORY.encode() not in response.content
    assert b"Taken under review" not in response.content


def test_the_public_pages_show_no_history(client, records):
    cert = records["certificate"]
    catalogue = client.get(reverse("products:catalogue_product", args=[cert.product_id]))
    verify = client.get(reverse("products:certificate_verify"), {"number": cert.number})

    for response in (catalogue, verify):
        assert response.status_code == 200
        body = response.content.decode()
        assert cert.number in body
        assert HISTORY not in body and 'data-testid="history"' not in body
        assert "Issued on application" not in body and "Product details changed" not in body


# --- bounded queries, with several history rows -----------------------------------------------


def _grow(*, supplier, city_officer, records, times):
    """Several more rows in the history of the product, base, supplier and certificate."""
    mango, base, cert = records["product"], records["base"], records["certificate"]
    for n in range(times):
        upkeep.product_update(
            actor=supplier, product=mango, data=product_data(mango, price=Decimal(70 + n))
        )
        upkeep.base_update(
            actor=supplier, base=base, data=base_data(base, area_mu=Decimal(100 + n))
        )
        for status in ("suspended", "active"):
            supplier_status_set(
                actor=city_officer, supplier=mango.supplier, status=status, reason="核查"
            )
        oversight.certificate_suspend(actor=city_officer, certificate=cert, reason="quality")
        oversight.certificate_reinstate(
            actor=city_officer, certificate=cert, reason="other", note="复检合格", as_of=AS_OF
        )


@pytest.mark.parametrize(
    ("persona", "name", "record", "bound"),
    [
        ("supplier", "products:application_detail", "application", 9),
        # The certificate, product and base pages also read the exit in public disclosure.
        ("reviewer", "products:certificate_detail", "certificate", 7),
        ("reviewer", "products:product_oversight", "product", 10),
        ("city_officer", "products:base_oversight", "base", 10),
        ("supplier", "products:my_product_edit", "product", 9),
        ("supplier", "products:my_base_edit", "base", 7),
        ("city_officer", "products:supplier_detail", "supplier", 9),
    ],
)
def test_the_pages_run_a_bounded_number_of_queries_however_long_the_history(
    request,
    client,
    supplier,
    city_officer,
    records,
    persona,
    name,
    record,
    bound,
    django_assert_max_num_queries,
):
    target = records["product"].supplier if record == "supplier" else records[record]
    _grow(supplier=supplier, city_officer=city_officer, records=records, times=2)
    client.force_login(request.getfixturevalue(persona))
    url = reverse(name, args=[target.pk])
    client.get(url)  # warm the session

    with django_assert_max_num_queries(bound) as few:
        assert client.get(url).status_code == 200
    _grow(supplier=supplier, city_officer=city_officer, records=records, times=8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["change_history"]) > 3
