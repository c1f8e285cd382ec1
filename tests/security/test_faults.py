"""Faults (issue 7, point 5): what the portal does when something underneath it fails.

1. Redis stopped: purchases are still logged and every main page still answers; a report
   request answers at once and its run is marked failed with a clear error (never a 500).
2. The database failing in the middle of a multi-row write leaves nothing half-written: no
   row, and no uploaded file left in MEDIA_ROOT without its row.
3. Two approvers submitting the same quarter at the same moment: one submission, the other
   refused with a readable message (PostgreSQL: real concurrent transactions).
4. The same import posted twice at the same moment: the purchases exist once and the losing
   request gets its row problems, not an unhandled IntegrityError (PostgreSQL).
5. A declaration, a purchase or an import made while the quarter is being submitted either
   lands before the submission (and is part of it) or is refused after it (PostgreSQL).
"""

import contextlib
import csv
import datetime
import io
import threading
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, connections
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from outlets.models import Inspection, InspectionPhoto, OutletPhoto
from outlets.services.oversight import CHECK_PASSED, CHECKLIST_CODES, inspection_record
from portal.celery import app as celery_app
from portal.errors import ApplicationError
from portal.models import Role
from portal.periods import last_ended_quarter, today
from procurement import imports as imports_module
from procurement.imports import HEADERS, procurement_import
from procurement.models import Declaration, ProcurementRecord, QuarterSubmission, Voucher
from procurement.rules import RecordData, RowErrors
from procurement.services import declaration_set, procurement_record_create, quarter_submit
from products.models import (
    ApplicationDocument,
    CertificationApplication,
    CertificationScheme,
    ProductPhoto,
)
from products.services.application_documents import application_document_add
from reporting.models import ReportRun
from tests import factories as f

AS_OF = datetime.date(2026, 11, 23)  # 2026Q4 is open; 2026Q3 has just ended
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: "Redis stopped"
PDF = b"%PDF-1.4\n% a scanned invoice\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def english_and_today(settings, monkeypatch, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    for where in (
        "procurement.views.records.today",
        "procurement.views.imports.today",
        "procurement.api.views.today",
    ):
        monkeypatch.setattr(where, lambda: AS_OF)
    with translation.override("en"):
        yield


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests empty every table afterwards, the migrations' reference data
    (regions, certification schemes) included: load it again (idempotent)."""
    from portal.models import DistrictPairing, Region
    from portal.reference_data import load_regions
    from products.models import CertificationScheme
    from products.reference_data import load_schemes

    load_regions(Region, DistrictPairing)
    load_schemes(CertificationScheme)


# Real commits (on_commit runs, other threads see the rows), the reference data loaded first.
def committed(test):
    return pytest.mark.django_db(transaction=True)(pytest.mark.usefixtures("reference_data")(test))


@pytest.fixture
def seller(supplier_org):
    """A supplier recognised over 2025–2026 with 田阳香芒 in its catalogue."""
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org, name="田阳香芒"),
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )
    return supplier_org


def _csv(seller, invoices) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    for invoice in invoices:
        writer.writerow(
            [
                "2026-10-09",
                seller.credit_code,
                seller.name,
                "田阳香芒",
                "1,280.50",
                "20",
                "箱",
                "832平台",
                "食堂",
                invoice,
            ]
        )
    return text.getvalue().encode("utf-8-sig")


def _reset_celery_connections() -> None:
    """Drop the app's cached broker pool and result backend so the next call connects to
    whatever the configuration now says."""
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


@pytest.fixture
def redis_stopped(settings, monkeypatch):
    """The broker (and the result store, the same Redis in production) cannot be reached, and
    tasks are really sent (not run eagerly). Celery reads CELERY_BROKER_URL and
    CELERY_RESULT_BACKEND from the environment before its configuration, so both change."""
    dead = {
        "broker_url": DEAD_BROKER,
        "result_backend": DEAD_BROKER,
        "task_always_eager": False,
        "CELERY_BROKER_URL": DEAD_BROKER,
        "CELERY_RESULT_BACKEND": DEAD_BROKER,
        "CELERY_TASK_ALWAYS_EAGER": False,
    }
    changes = celery_app.conf.changes  # the layer set at run time, above settings/defaults
    saved = {key: changes[key] for key in dead if key in changes}
    settings.CELERY_BROKER_URL = DEAD_BROKER
    settings.CELERY_RESULT_BACKEND = DEAD_BROKER
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setenv("CELERY_BROKER_URL", DEAD_BROKER)
    monkeypatch.setenv("CELERY_RESULT_BACKEND", DEAD_BROKER)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    celery_app.conf.update(dead)
    _reset_celery_connections()
    assert celery_app.connection_for_write().as_uri().endswith("127.0.0.1:1/0")
    assert not celery_app.conf.task_always_eager
    yield
    for key in dead:
        with contextlib.suppress(KeyError):  # CELERY_X and x name one entry
            del changes[key]
    changes.update(saved)
    monkeypatch.undo()
    _reset_celery_connections()


# 1. Redis stopped -------------------------------------------------------------------------


def _main_pages():
    return {
        "clerk": [
            "reporting:home",
            "procurement:ledger",
            "procurement:record_create",
            "procurement:import",
            "procurement:quarters",
            "notifications",
        ],
        "approver": ["reporting:home", "procurement:ledger", "procurement:quarters"],
        "city_officer": [
            "reporting:home",
            "reporting:dashboard",
            "reporting:reports",
            "reporting:bulletins",
            "reporting:targets",
            "procurement:compliance",
            "products:applications",
            "products:certificates",
            "products:suppliers",
            "outlets:manage",
            "notifications",
        ],
        "district_officer": ["reporting:home", "reporting:dashboard", "reporting:reports"],
        "supplier": ["reporting:home", "products:my_products", "products:applications"],
        None: ["products:catalogue", "outlets:finder", "products:certificate_verify", "login"],
    }


@committed
def test_with_redis_stopped_purchases_are_logged_and_every_main_page_answers(
    redis_stopped,
    clerk,
    approver,
    city_officer,
    district_officer,
    supplier,
    seller,
):
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    response = client.post(
        reverse("procurement:record_create"),
        f.purchase_form(
            seller, vouchers=[SimpleUploadedFile("invoice.pdf", PDF, "application/pdf")]
        ),
    )
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse("procurement:ledger")
    assert ProcurementRecord.objects.get().invoice_no == "44031001"
    assert Voucher.objects.count() == 1

    people = {
        "clerk": clerk,
        "approver": approver,
        "city_officer": city_officer,
        "district_officer": district_officer,
        "supplier": supplier,
    }
    for persona, names in _main_pages().items():
        client = Client(raise_request_exception=False)
        if persona:
            client.force_login(people[persona])
        for name in names:
            page = client.get(reverse(name))
            assert page.status_code == 200, (persona, name, page.status_code)


@committed
def test_with_redis_stopped_a_report_request_fails_its_run_with_a_clear_error(
    redis_stopped, city_officer
):
    """The run is marked failed with the error (not left queued with nobody to build it),
    and the request answers within seconds: the page redirects to the run, which shows the
    error; the API answers 202 with the failed run and its error."""
    period = last_ended_quarter(as_of=today())
    client = Client(raise_request_exception=False)
    client.force_login(city_officer)

    started = time.monotonic()
    response = client.post(
        reverse("reporting:reports"), {"year": period.year, "quarter": period.quarter}
    )
    assert time.monotonic() - started < 10
    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert run.status == ReportRun.Status.FAILED
    assert "The task queue could not be reached" in run.error
    assert "Request the report again" in run.error
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'data-status="failed"' in page.content.decode()
    assert "The task queue could not be reached" in page.content.decode()
    # The page does not claim the report is queued: the message is the error.
    said = [str(message) for message in page.context["messages"]]
    assert any("could not be reached" in message for message in said)
    assert not any("is queued" in message for message in said)

    api = APIClient(raise_request_exception=False)
    api.force_authenticate(city_officer)
    started = time.monotonic()
    answer = api.post(
        "/api/v1/reports/",
        {"year": period.year, "quarter": period.quarter, "district": f.FUTIAN},
        format="json",
    )
    assert time.monotonic() - started < 10
    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "failed"
    assert "The task queue could not be reached" in body["error"]
    # A failed run does not block asking again (the duplicate rule reuses active runs only).
    again = api.post(
        "/api/v1/reports/",
        {"year": period.year, "quarter": period.quarter, "district": f.FUTIAN},
        format="json",
    )
    assert again.status_code == 202 and again.json()["id"] != body["id"]


# 2. The database failing mid-request ------------------------------------------------------


class FailOnInsert:
    """A database that accepts the first ``allow`` INSERTs into ``table`` and then fails."""

    def __init__(self, table: str, allow: int):
        self.table, self.allow, self.seen = table, allow, 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and f'"{self.table}"' in sql:
            self.seen += 1
            if self.seen > self.allow:
                raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


def _counts():
    return (
        ProcurementRecord.objects.count(),
        ProcurementRecord.history.count(),
        Voucher.objects.count(),
    )


@pytest.mark.django_db
def test_an_import_failing_on_its_second_batch_leaves_nothing_behind(clerk, seller, monkeypatch):
    monkeypatch.setattr(imports_module, "BATCH_SIZE", 2)
    content = _csv(seller, ["44030001", "44030002", "44030003"])
    before = _counts()
    failing = FailOnInsert(ProcurementRecord._meta.db_table, allow=1)

    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    with connection.execute_wrapper(failing):
        page = client.post(
            reverse("procurement:import"),
            {"file": SimpleUploadedFile("purchases.csv", content, "text/csv")},
        )
    assert failing.seen == 2  # the first batch of two was written, the second failed
    assert page.status_code == 500  # not caught: the transaction is rolled back whole
    assert _counts() == before

    api = APIClient(raise_request_exception=False)
    api.force_authenticate(clerk)
    failing = FailOnInsert(ProcurementRecord._meta.db_table, allow=1)
    with connection.execute_wrapper(failing):
        answer = api.post(
            "/api/v1/procurement/imports/",
            {"file": SimpleUploadedFile("purchases.csv", content, "text/csv")},
            format="multipart",
        )
    assert failing.seen == 2
    assert answer.status_code == 500
    assert _counts() == before

    # The database back: the same file imports whole.
    ok = client.post(
        reverse("procurement:import"),
        {"file": SimpleUploadedFile("purchases.csv", content, "text/csv")},
    )
    assert ok.status_code == 302
    assert ProcurementRecord.objects.count() == before[0] + 3


@pytest.mark.django_db
def test_a_purchase_whose_voucher_cannot_be_saved_is_not_half_logged(clerk, seller):
    before = _counts()
    failing = FailOnInsert(Voucher._meta.db_table, allow=0)
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    with connection.execute_wrapper(failing):
        page = client.post(
            reverse("procurement:record_create"),
            f.purchase_form(
                seller, vouchers=[SimpleUploadedFile("invoice.pdf", PDF, "application/pdf")]
            ),
        )
    assert failing.seen == 1  # the record row went in first; its voucher row failed
    assert page.status_code == 500
    assert _counts() == before
    assert _stored_files() == []


def _stored_files() -> list:
    media = settings.MEDIA_ROOT
    return sorted(path for path in media.rglob("*") if path.is_file())


def _purchase_form(seller) -> dict:
    return f.purchase_form(
        seller,
        vouchers=[
            SimpleUploadedFile("invoice.pdf", PDF, "application/pdf"),
            SimpleUploadedFile("contract.pdf", PDF, "application/pdf"),
        ],
    )


def _second_write_fails(monkeypatch) -> list:
    """A disk that takes the first file and is full for the second; the list counts writes."""
    original, writes = FileSystemStorage._save, []

    def _save(storage, name, content):
        writes.append(name)
        if len(writes) > 1:
            raise OSError(28, "No space left on device")
        return original(storage, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", _save)
    return writes


@pytest.mark.django_db
@pytest.mark.parametrize("step", ["logging", "correcting"])
@pytest.mark.parametrize("failure", ["second voucher row", "second voucher file"])
def test_vouchers_of_a_failed_purchase_leave_no_file_behind(
    clerk, unit_a, seller, monkeypatch, step, failure
):
    """Two vouchers: the first is stored and its row inserted, then the second fails (its row
    or its file); the transaction rolls back and both stored files are removed."""
    record = None
    if step == "logging":
        url = reverse("procurement:record_create")
    else:
        record = f.RecordFactory(
            budget_unit=unit_a,
            supplier=seller,
            purchased_on=datetime.date(2026, 10, 9),
            amount=Decimal("1000.00"),
        )
        url = reverse("procurement:record_edit", args=[record.pk])
    before = _counts()
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    if failure == "second voucher row":
        failing = FailOnInsert(Voucher._meta.db_table, allow=1)
        with connection.execute_wrapper(failing):
            page = client.post(url, _purchase_form(seller))
        assert failing.seen == 2
    else:
        writes = _second_write_fails(monkeypatch)
        page = client.post(url, _purchase_form(seller))
        assert len(writes) == 2
    assert page.status_code == 500
    assert _counts() == before
    assert _stored_files() == []
    if record is not None:
        record.refresh_from_db()
        assert record.amount == Decimal("1000.00")


@pytest.mark.django_db
@pytest.mark.parametrize("subject", ["product", "outlet"])
def test_a_photo_whose_row_cannot_be_saved_leaves_no_file_behind(
    subject, supplier, supplier_org, district_officer
):
    if subject == "product":
        user, model = supplier, ProductPhoto
        url = reverse("products:my_photo_add", args=[f.ProductFactory(supplier=supplier_org).pk])
    else:
        user, model = district_officer, OutletPhoto
        url = reverse("outlets:outlet_photo_add", args=[f.OutletFactory().pk])
    client = Client(raise_request_exception=False)
    client.force_login(user)
    failing = FailOnInsert(model._meta.db_table, allow=0)
    with connection.execute_wrapper(failing):
        page = client.post(url, {"file": SimpleUploadedFile("shop.jpg", JPEG, "image/jpeg")})
    assert failing.seen == 1
    assert page.status_code == 500
    assert not model.objects.exists()
    assert _stored_files() == []


@pytest.mark.django_db
def test_an_application_document_whose_row_cannot_be_saved_leaves_no_file_behind(
    supplier, supplier_org
):
    application = CertificationApplication.objects.create(
        supplier=supplier_org,
        scheme=CertificationScheme.objects.get(code="szp"),
        product=f.ProductFactory(supplier=supplier_org),
    )
    failing = FailOnInsert(ApplicationDocument._meta.db_table, allow=0)
    with connection.execute_wrapper(failing), pytest.raises(OperationalError):
        application_document_add(
            actor=supplier,
            application=application,
            kind=ApplicationDocument.Kind.LICENCE,
            file=SimpleUploadedFile("licence.pdf", PDF, "application/pdf"),
        )
    assert failing.seen == 1
    assert not ApplicationDocument.objects.exists()
    assert _stored_files() == []


@pytest.mark.django_db
def test_inspection_photos_of_a_failed_inspection_leave_no_file_behind(district_officer):
    outlet = f.OutletFactory()
    failing = FailOnInsert(InspectionPhoto._meta.db_table, allow=1)
    with connection.execute_wrapper(failing), pytest.raises(OperationalError):
        inspection_record(
            actor=district_officer,
            outlet=outlet,
            inspected_on=datetime.date(2026, 10, 9),
            inspector_name="李明",
            checklist=dict.fromkeys(CHECKLIST_CODES, CHECK_PASSED),
            result=Inspection.Result.PASSED,
            photos=[
                SimpleUploadedFile("front.jpg", JPEG, "image/jpeg"),
                SimpleUploadedFile("shelf.jpg", JPEG, "image/jpeg"),
            ],
            as_of=datetime.date(2026, 10, 10),
        )
    assert failing.seen == 2
    assert not Inspection.objects.exists()
    assert _stored_files() == []


# 3 and 4. Two requests at the same moment (PostgreSQL) ------------------------------------


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (CI runs it)")


def _race(work, count=2):
    """Run ``work(index)`` in ``count`` threads released together; each thread has its own
    database connection, closed at the end. Returns each thread's result or exception."""
    start = threading.Barrier(count, timeout=10)
    outcomes: list = [None] * count

    def target(index):
        try:
            start.wait()
            outcomes[index] = work(index)
        except Exception as error:  # the outcome under test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def _meet(barrier: threading.Barrier) -> None:
    """Hold both racers at the same step if both get there; a racer that waits alone (the
    other is blocked on a lock) goes on after the timeout."""
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()


@committed
def test_two_approvers_submitting_the_same_quarter_at_once_make_one_submission(
    monkeypatch, unit_a, approver, clerk, seller
):
    _postgresql_only()
    second_approver = f.member(Role.UNIT_APPROVER, unit_a, "unit_approver_2")
    for invoice in ("44039001", "44039002"):
        f.RecordFactory(
            budget_unit=unit_a,
            supplier=seller,
            purchased_on=datetime.date(2026, 8, 9),
            invoice_no=invoice,
        )
    Declaration.objects.create(budget_unit=unit_a, year=2026, quarter=3, agri_total=100000)

    # Both racers past their checks before either writes: the widest window for a double
    # submission (a racer that must wait for the other's lock goes on after 2 s).
    inside = threading.Barrier(2, timeout=2)
    original = QuarterSubmission.full_clean

    def full_clean(self, *args, **kwargs):
        _meet(inside)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuarterSubmission, "full_clean", full_clean)
    actors = [approver, second_approver]
    outcomes = _race(
        lambda index: quarter_submit(
            actor=actors[index], budget_unit=unit_a, year=2026, quarter=3, as_of=AS_OF
        )
    )

    submissions = [o for o in outcomes if isinstance(o, QuarterSubmission)]
    refusals = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(submissions) == 1 and len(refusals) == 1, outcomes
    assert "has already been submitted" in str(refusals[0])
    stored = QuarterSubmission.objects.get(budget_unit=unit_a, year=2026, quarter=3)
    assert stored.status == QuarterSubmission.Status.SUBMITTED
    assert stored.submitted_by == submissions[0].submitted_by
    assert set(
        ProcurementRecord.objects.filter(budget_unit=unit_a).values_list("status", flat=True)
    ) == {ProcurementRecord.Status.SUBMITTED}


@committed
def test_the_same_import_posted_twice_at_once_is_saved_once(monkeypatch, clerk, unit_a, seller):
    _postgresql_only()
    content = _csv(seller, [f"4403{n:04d}" for n in range(1, 6)])

    # Both racers at the save together if they could be: the unit's lock makes the second wait
    # for the first's commit (after 2 s alone at the barrier), then find the invoices logged.
    inside = threading.Barrier(2, timeout=2)
    original = imports_module.bulk_create_with_history

    def bulk_create_with_history(*args, **kwargs):
        _meet(inside)
        return original(*args, **kwargs)

    monkeypatch.setattr(imports_module, "bulk_create_with_history", bulk_create_with_history)
    outcomes = _race(
        lambda index: procurement_import(
            actor=clerk,
            budget_unit=unit_a,
            name="purchases.csv",
            content=content,
            as_of=AS_OF,
        )
    )

    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    winners = [o for o in outcomes if o.created == 5 and not o.errors]
    losers = [o for o in outcomes if o.created == 0 and o.errors]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert [(problem.row, problem.column) for problem in losers[0].errors] == [
        (row, "发票号码") for row in range(2, 7)
    ]
    assert all("is already logged by this unit" in p.message for p in losers[0].errors)
    assert ProcurementRecord.objects.filter(budget_unit=unit_a).count() == 5
    assert ProcurementRecord.history.count() == 5  # the loser left no history rows either


@pytest.mark.django_db
def test_an_import_beaten_to_its_invoices_by_a_writer_without_the_lock_gets_a_row_problem(
    monkeypatch, clerk, unit_a, seller
):
    """The database's unique invoice constraint is the last line: rows that passed the checks
    but were saved meanwhile by a writer not taking the unit's lock (an admin, a script) give
    the clerk a row problem, not a 500, and nothing of the file is saved."""
    content = _csv(seller, ["44030001", "44030002"])
    f.RecordFactory(
        budget_unit=unit_a,
        supplier=seller,
        purchased_on=datetime.date(2026, 10, 9),
        invoice_no="44030002",
    )
    monkeypatch.setattr(
        imports_module, "check_records", lambda *, rows, **kwargs: [RowErrors() for _ in rows]
    )
    result = procurement_import(
        actor=clerk, budget_unit=unit_a, name="purchases.csv", content=content, as_of=AS_OF
    )
    assert result.created == 0
    assert "imported at the same moment by another request" in result.errors[0].message
    assert ProcurementRecord.objects.filter(budget_unit=unit_a).count() == 1


# 5. A change to the quarter while it is being submitted (PostgreSQL) ----------------------


def _declare(clerk, unit, seller):
    return declaration_set(
        actor=clerk,
        budget_unit=unit,
        year=2026,
        quarter=3,
        agri_total=Decimal("250000.00"),
        as_of=AS_OF,
    )


def _log(clerk, unit, seller):
    data = RecordData(
        purchased_on=datetime.date(2026, 9, 20),
        supplier=seller,
        amount=Decimal("880.00"),
        channel="platform_832",
        purpose="canteen",
        invoice_no="44039100",
    )
    return procurement_record_create(actor=clerk, budget_unit=unit, data=data, as_of=AS_OF)


def _import(clerk, unit, seller):
    content = _csv(seller, ["44039101", "44039102"]).replace(b"2026-10-09", b"2026-09-20")
    return procurement_import(
        actor=clerk, budget_unit=unit, name="purchases.csv", content=content, as_of=AS_OF
    )


# Each change, and where it stands inside its transaction past its checks, before its write.
CHANGES = {
    "declaration": (_declare, Declaration, "save"),
    "purchase": (_log, ProcurementRecord, "save"),
    "import": (_import, imports_module, "bulk_create_with_history"),
}


def _refused(outcome) -> bool:
    if isinstance(outcome, ApplicationError):
        text = outcome.message
    elif isinstance(outcome, ValidationError):
        text = " ".join(outcome.messages)
    elif isinstance(outcome, imports_module.ImportResult) and outcome.errors:
        text = " ".join(problem.message for problem in outcome.errors)
    else:
        return False
    return "has been submitted" in text


@committed
@pytest.mark.parametrize("first", ["change", "submission"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_made_while_the_quarter_is_submitted_lands_before_it_or_is_refused(
    monkeypatch, change, first, unit_a, clerk, approver, seller
):
    """The first racer takes its place inside its transaction and stays there a second; the
    other starts meanwhile. A change that goes first is part of the submission (its records
    submitted, its declaration older than the submission); a change that comes second is
    refused. Never a submitted quarter that changed after it was submitted."""
    _postgresql_only()
    f.RecordFactory(
        budget_unit=unit_a,
        supplier=seller,
        purchased_on=datetime.date(2026, 8, 9),
        invoice_no="44039001",
    )
    Declaration.objects.create(budget_unit=unit_a, year=2026, quarter=3, agri_total=100000)
    make_change, owner, method = CHANGES[change]
    hold_in = (owner, method) if first == "change" else (QuarterSubmission, "full_clean")
    inside = threading.Event()
    original = getattr(*hold_in)

    def held(*args, **kwargs):
        inside.set()
        time.sleep(1)  # the other racer runs into the unit's lock meanwhile
        return original(*args, **kwargs)

    monkeypatch.setattr(*hold_in, held)

    def submit():
        return quarter_submit(actor=approver, budget_unit=unit_a, year=2026, quarter=3, as_of=AS_OF)

    def work(index):
        if index == 1:
            assert inside.wait(10)  # the first racer holds its place
        changes = (index == 0) == (first == "change")
        return make_change(clerk, unit_a, seller) if changes else submit()

    outcomes = _race(work)
    changed, submitted = outcomes if first == "change" else outcomes[::-1]

    assert isinstance(submitted, QuarterSubmission), outcomes
    submission = QuarterSubmission.objects.get(budget_unit=unit_a, year=2026, quarter=3)
    assert submission.status == QuarterSubmission.Status.SUBMITTED
    declaration = Declaration.objects.get(budget_unit=unit_a, year=2026, quarter=3)
    assert declaration.declared_at < submission.submitted_at
    q3 = ProcurementRecord.objects.filter(
        budget_unit=unit_a,
        purchased_on__range=(datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)),
    )
    assert set(q3.values_list("status", flat=True)) == {ProcurementRecord.Status.SUBMITTED}
    if first == "change":
        assert not isinstance(changed, Exception) and not _refused(changed), changed
        expected_total, expected_records = {
            "declaration": (Decimal("250000.00"), 1),
            "purchase": (Decimal("100000.00"), 2),
            "import": (Decimal("100000.00"), 3),
        }[change]
    else:
        assert _refused(changed), changed
        expected_total, expected_records = Decimal("100000.00"), 1
    assert declaration.agri_total == expected_total
    assert q3.count() == expected_records
