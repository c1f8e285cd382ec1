"""Tasks of the reporting app: build a report run, the quarterly schedule, the stale-run
recovery. Each takes primitive ids (or nothing), calls services, and is safe to run twice."""

from __future__ import annotations

import datetime
import os
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.periods import today

from .reports import build as content
from .services import (
    REPORT_SOFT_TIME_LIMIT,
    REPORT_TIME_LIMIT,
    report_run_fail,
    report_run_progress,
    report_run_retry,
    report_run_start,
    report_run_succeed,
    report_runs_recover_stale,
    report_runs_schedule,
)

# Only where this environment variable is "1" (the worker tests) does the task read a run's
# test switches: ``fail_times`` (the first n attempts fail with a transient error) and
# ``stall_seconds`` with ``stall_times`` (the first n attempts pause, so a test can kill the
# worker mid-run). Nothing a user sends sets a run's parameters.
TEST_SWITCHES_ENV = "PORTAL_REPORT_TEST_SWITCHES"


class TransientReportError(Exception):
    """A failure that another attempt may not meet (a lost connection, a busy database)."""


# Worth another attempt: the database or a network peer was briefly away. Anything else (a
# bug, bad data) would fail the same way again, so it fails the run at once.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
    TransientReportError,
)


def _apply_test_switches(run) -> None:
    if os.environ.get(TEST_SWITCHES_ENV) != "1":
        return
    switches = run.parameters or {}
    if run.attempts <= int(switches.get("fail_times", 0)):
        raise TransientReportError(f"test switch: attempt {run.attempts} fails")
    if run.attempts <= int(switches.get("stall_times", 0)):
        report_run_progress(run_id=run.pk, progress=5)
        time.sleep(float(switches.get("stall_seconds", 0)))


@shared_task(
    name="reporting.build_report",
    bind=True,
    # A worker lost mid-build must not lose the run: the message is acknowledged only when the
    # task ends, and given back to the broker if the worker process dies.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,  # 1 s, 2 s, 4 s (with jitter) between attempts
    retry_backoff_max=60,
    max_retries=3,
    time_limit=REPORT_TIME_LIMIT,
    soft_time_limit=REPORT_SOFT_TIME_LIMIT,
    serializer="json",
)
def build_report(self, run_id: int) -> dict:
    """Build report run ``run_id``'s files. Idempotent: a finished run, or a message the run
    no longer expects, is skipped; a run restarted after a lost worker builds from zero."""
    run = report_run_start(run_id=run_id, task_id=self.request.id, now=timezone.now())
    if run is None:
        return {"run": run_id, "skipped": True}
    try:
        _apply_test_switches(run)
        files = content.build_report(
            year=run.year,
            quarter=run.quarter,
            district_code=run.district_id,
            progress=lambda percent: report_run_progress(run_id=run_id, progress=percent),
        )
    except SoftTimeLimitExceeded:
        report_run_fail(
            run_id=run_id,
            error=_("Building the report took longer than %(minutes)d minutes; it was stopped.")
            % {"minutes": REPORT_SOFT_TIME_LIMIT // 60},
            now=timezone.now(),
        )
        raise
    except TRANSIENT_ERRORS as error:
        # autoretry_for turns the re-raised error into a retry, or into the final failure once
        # max_retries is spent; the run shows which.
        if self.request.retries >= self.max_retries:
            report_run_fail(
                run_id=run_id,
                error=_("Gave up after %(attempts)d attempts: %(error)s")
                % {"attempts": run.attempts, "error": error},
                now=timezone.now(),
            )
        else:
            report_run_retry(
                run_id=run_id,
                error=_("Attempt %(attempt)d failed (%(error)s); trying again shortly.")
                % {"attempt": run.attempts, "error": error},
            )
        raise
    except Exception as error:
        report_run_fail(
            run_id=run_id,
            error=_("The report could not be built: %(error)s") % {"error": error},
            now=timezone.now(),
        )
        raise
    done = report_run_succeed(
        run_id=run_id, task_id=self.request.id, files=files, now=timezone.now()
    )
    return {"run": run_id, "succeeded": done is not None, "checksum": files.checksum}


@shared_task(
    name="reporting.quarterly_report",
    # A handful of inserts; idempotent (see report_runs_schedule), so a lost one is redone.
    acks_late=True,
    time_limit=2 * 60,
    soft_time_limit=90,
    serializer="json",
)
def quarterly_report(as_of: str | None = None) -> dict:
    """Beat, on the 5th of January, April, July and October: queue the reports of the quarter
    just ended (city and each district). ``as_of`` is an ISO date (default: today in
    Asia/Shanghai), so a missed day can be run again."""
    day = datetime.date.fromisoformat(as_of) if as_of else today()
    runs = report_runs_schedule(as_of=day)
    return {"as_of": day.isoformat(), "runs": [run.pk for run in runs]}


@shared_task(
    name="reporting.recover_stale_runs",
    acks_late=True,
    time_limit=2 * 60,
    soft_time_limit=90,
    serializer="json",
)
def recover_stale_runs() -> dict:
    """Beat, every 15 minutes: no run stays stuck (see ``report_runs_recover_stale``)."""
    return report_runs_recover_stale(now=timezone.now())
