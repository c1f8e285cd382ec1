"""Report runs through the real Redis broker to Celery workers this test starts (issue 6's
acceptance: a run goes from queued to succeeded and both files download; a task that fails
once and then succeeds shows the retry; a worker killed during a run does not leave the run
stuck).

Each worker is a subprocess (``--pool=solo``) consuming a queue of its own, on the test's
PostgreSQL database (``DATABASE_URL`` pointed at pytest-django's ``test_…`` database; the tests
are transactional so the worker sees committed rows) and a temporary MEDIA_ROOT shared with
this process. On SQLite the in-memory test database cannot be shared with another process, so
these tests need PostgreSQL (CI: ``DATABASE_URL=postgres://…``, ``CELERY_BROKER_URL=redis://…``,
``PORTAL_REQUIRE_SERVICES=1``).

The killed worker: with ``acks_late`` the message stays unacknowledged in Redis when the
worker dies; Redis hands such messages out again once they are older than the transport's
``visibility_timeout`` (one hour by default). The second worker is started with a visibility
timeout of 3 s (``broker_transport_options`` on its command line) and sweeps every second, so
it takes the dead worker's message over within seconds and finishes the run (``attempts`` 2).
In production the stale-run recovery (``reporting.services``) does the same within 30 minutes.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from portal.celery import app
from portal.periods import last_ended_quarter, today
from reporting.models import ReportRun
from reporting.services import report_run_request
from reporting.tasks import TEST_SWITCHES_ENV
from tests.support import skip_or_fail

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
FINISHED = (ReportRun.Status.SUCCEEDED, ReportRun.Status.FAILED)
# Seconds: each test stays well under a minute.
BOOT_AND_BUILD = 45


def _broker() -> str:
    broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if not broker or not broker.startswith("redis"):
        skip_or_fail("No Redis broker configured (set CELERY_BROKER_URL=redis://…)")
    import redis

    try:
        redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis at {broker} is not reachable: {error}")
    return broker


def _database_url() -> str:
    """The test database as a URL for the worker (pytest-django's ``test_<name>``)."""
    if connection.vendor != "postgresql":
        skip_or_fail(
            "A worker process cannot share the SQLite in-memory test database: "
            "set DATABASE_URL=postgres://… to run these tests"
        )
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Transactional tests empty every table afterwards, the migrations' reference data
    included; load it again."""
    from portal.models import DistrictPairing, Region
    from portal.reference_data import load_regions

    load_regions(Region, DistrictPairing)


@pytest.fixture
def workers(settings, tmp_path, monkeypatch):
    """Start workers on a queue of this test's own, route the report task there and send
    tasks for real (not eagerly) while the test runs."""
    broker = _broker()
    database = _database_url()
    settings.MEDIA_ROOT = tmp_path / "media"
    queue = f"reports-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "CELERY_BROKER_URL": broker,
        "DATABASE_URL": database,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        TEST_SWITCHES_ENV: "1",
    }
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(name: str, *config: str) -> subprocess.Popen:
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=solo",
                "--queues",
                queue,
                "--hostname",
                f"{name}-{queue}@%h",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--loglevel=INFO",
                *(("--", *config) if config else ()),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
        return process

    start.logs = (
        lambda: "\n".join(  # type: ignore[attr-defined]
            f"--- {log.name} ---\n{log.read_text()[-4000:]}" for _, log in started
        )
    )
    previous_routes = app.conf.task_routes
    app.conf.update(task_routes={"reporting.build_report": {"queue": queue}})
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    try:
        yield start
    finally:
        app.conf.update(task_routes=previous_routes)
        for process, _log in started:
            if process.poll() is None:
                process.terminate()
        for process, _log in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait(run_id: int, until, *, timeout: float, logs) -> ReportRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ReportRun.objects.get(pk=run_id)
        if until(run):
            return run
        time.sleep(0.25)
    pytest.fail(f"Run {run_id} stayed {run.status} ({run.progress}%)\n{logs()}")


def _quarter():
    period = last_ended_quarter(as_of=today())
    return {"year": period.year, "quarter": period.quarter}


def test_a_run_goes_from_queued_to_succeeded_and_both_files_download(workers, client, city_officer):
    workers("solo")
    client.force_login(city_officer)
    response = client.post("/api/v1/reports/", _quarter(), content_type="application/json")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    run_id = response.json()["id"]

    run = _wait(run_id, lambda r: r.status in FINISHED, timeout=BOOT_AND_BUILD, logs=workers.logs)
    assert run.status == ReportRun.Status.SUCCEEDED, (run.error, workers.logs())
    assert (run.attempts, run.progress, len(run.checksum)) == (1, 100, 64)
    assert run.started_at <= run.finished_at

    detail = client.get(f"/api/v1/reports/{run_id}/").json()
    assert detail["status"] == "succeeded"
    xlsx = client.get(detail["xlsx_url"])
    assert xlsx.status_code == 200
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"
    pdf = client.get(detail["pdf_url"])
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content)[:4] == b"%PDF"


def test_a_task_that_fails_once_is_retried_and_shows_two_attempts(workers, city_officer):
    workers("solo")
    run = report_run_request(actor=city_officer, **_quarter(), parameters={"fail_times": 1})

    run = _wait(run.pk, lambda r: r.status in FINISHED, timeout=BOOT_AND_BUILD, logs=workers.logs)
    assert run.status == ReportRun.Status.SUCCEEDED, (run.error, workers.logs())
    assert run.attempts == 2
    assert run.error == ""  # the retry's note is cleared by the success
    assert "Retry in" in workers.logs()


def test_a_worker_killed_mid_run_does_not_leave_the_run_stuck(workers, city_officer):
    first = workers("doomed")
    # The first attempt stalls after starting, long enough to kill its worker mid-run.
    run = report_run_request(
        actor=city_officer,
        **_quarter(),
        parameters={"stall_times": 1, "stall_seconds": 120},
    )
    _wait(
        run.pk,
        lambda r: r.status == ReportRun.Status.RUNNING and r.progress == 5,
        timeout=BOOT_AND_BUILD,
        logs=workers.logs,
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    run.refresh_from_db()
    assert (run.status, run.attempts) == (ReportRun.Status.RUNNING, 1)

    # A second worker that sweeps unacknowledged messages older than 3 s every second.
    transport = {
        "visibility_timeout": 3,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
    workers("rescuer", f"broker_transport_options=(json){json.dumps(transport)}")
    run = _wait(run.pk, lambda r: r.status in FINISHED, timeout=BOOT_AND_BUILD, logs=workers.logs)
    assert run.status == ReportRun.Status.SUCCEEDED, (run.error, workers.logs())
    assert run.attempts == 2
    assert run.xlsx and run.pdf
