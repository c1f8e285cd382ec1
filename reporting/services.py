"""Report runs (issue 6, point 2): a quarterly report is requested, queued to Celery, started,
built with its progress recorded, and ends succeeded (with its files and checksum) or failed
(with the error). Every state change is one service here; the task in ``reporting.tasks`` only
calls them.

How a run is never left stuck (issue 6: "never stuck in running forever"):

- The task is acknowledged late and rejected when its worker is lost, so the broker delivers
  the message again (Redis: after its visibility timeout, one hour by default, longer than the
  task's hard time limit). A redelivered message restarts the run cleanly (``attempts`` + 1).
- ``report_runs_recover_stale`` (beat, every 15 minutes) is the safety net for what the broker
  cannot redo: a run still ``running`` past the task's hard time limit plus a margin cannot
  still be building (the hard limit would have killed it), so its worker was lost. It is queued
  again with a new task id, up to ``MAX_ATTEMPTS`` starts in all; past that it is failed with
  a clear error. A message of the lost attempt that the broker redelivers later carries the old
  task id and is ignored (``report_run_start``). A run left ``queued`` with no sign of life for
  ``QUEUED_STALE_AFTER`` lost its message before any worker took it: it is failed (not queued
  again, which could loop forever) so that the office can request it again, since the
  duplicate rule would otherwise hand back the dead run.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Region, Role
from portal.notifications import members_with_role, notify
from portal.periods import QUARTERS, Quarter, last_ended_quarter, today
from portal.roles import actor_of
from portal.selectors import city_districts
from procurement.rules import quarter_label

from .models import ReportRun

logger = logging.getLogger(__name__)

QUEUED = ReportRun.Status.QUEUED
RUNNING = ReportRun.Status.RUNNING
SUCCEEDED = ReportRun.Status.SUCCEEDED
FAILED = ReportRun.Status.FAILED
ACTIVE = (QUEUED, RUNNING)

# The first year a report may be asked for: the State Council's guiding opinion on
# consumption assistance (国办发〔2018〕129号) dates from December 2018; no data precedes it.
FIRST_REPORT_YEAR = 2018

# The build task's limits (the real build takes seconds; a full city well under a minute).
# The soft limit lets the task record the failure itself; the hard limit kills it.
REPORT_TIME_LIMIT = 10 * 60
REPORT_SOFT_TIME_LIMIT = 9 * 60
# The task's max_retries is 3: one start plus three retries.
MAX_ATTEMPTS = 4
# A run still "running" this long after the hard limit has lost its worker.
STALE_MARGIN = datetime.timedelta(minutes=5)
# A queued run nobody has touched for this long lost its message.
QUEUED_STALE_AFTER = datetime.timedelta(hours=6)
# Bounded work per recovery pass; the beat runs it every 15 minutes.
RECOVERY_BATCH = 100

REPORT_FILE_PREFIX = "消费帮扶季度报告"
CITY_SCOPE_NAME = "全市"


# --- naming -------------------------------------------------------------------------------


def report_scope_name(run: ReportRun) -> str:
    """The scope as it appears in file names and titles: 全市 or the district's name."""
    return run.district.name if run.district_id else CITY_SCOPE_NAME


def report_file_name(run: ReportRun, extension: str) -> str:
    """``消费帮扶季度报告-2026Q3-全市.xlsx``: the name a downloaded file carries."""
    return f"{REPORT_FILE_PREFIX}-{run.year}Q{run.quarter}-{report_scope_name(run)}.{extension}"


def _run_title(run: ReportRun) -> str:
    return _("%(period)s report, %(scope)s") % {
        "period": quarter_label(Quarter(run.year, run.quarter)),
        "scope": run.district.name if run.district_id else _("whole city"),
    }


# --- requesting ---------------------------------------------------------------------------


def _check_period(*, year: int, quarter: int, as_of: datetime.date) -> None:
    """Only a quarter that has ended has figures to report; years before the programme (and
    beyond the calendar) are refused as mistakes."""
    if quarter not in QUARTERS:
        raise ValidationError({"quarter": _("The quarter is 1, 2, 3 or 4.")})
    if year < FIRST_REPORT_YEAR or year > as_of.year:
        raise ValidationError(
            {
                "year": _("Choose a year from %(first)s to %(last)s.")
                % {"first": FIRST_REPORT_YEAR, "last": as_of.year}
            }
        )
    period = Quarter(year, quarter)
    if not period.has_ended(as_of=as_of):
        raise ValidationError(
            {
                "quarter": _("%(quarter)s has not ended yet: its report can be built from %(day)s.")
                % {
                    "quarter": quarter_label(period),
                    "day": (period.last_day + datetime.timedelta(days=1)).isoformat(),
                }
            }
        )


def _district_region(district: Region | str | None) -> Region | None:
    if district is None or district == "":
        return None
    code = district.pk if isinstance(district, Region) else str(district)
    region = city_districts().filter(pk=code).first()
    if region is None:
        raise ValidationError({"district": _("Choose one of the city's districts.")})
    return region


def _queue(run: ReportRun) -> None:
    """Send the run's task once the transaction that wrote it has committed (a worker must
    find the row). ``robust``: a broker that cannot be reached fails the run, and nothing the
    task raises (when run eagerly, without a broker) breaks the caller's request."""
    run_id, task_id = run.pk, run.task_id

    def send() -> None:
        from kombu.exceptions import OperationalError as BrokerError

        from .tasks import build_report

        try:
            # ignore_result: the run's row is its record, nobody waits on a Celery result.
            # Without it the Redis result store is subscribed to before sending, and with Redis
            # down that retries for ~20 s, then raises a RuntimeError this does not catch: the
            # request hung and the run stayed queued with no message (issue 7, faults test).
            build_report.apply_async(args=[run_id], task_id=task_id, ignore_result=True)
        except BrokerError as error:
            logger.exception("Report run %s could not be queued", run_id)
            report_run_fail(
                run_id=run_id,
                error=_(
                    "The task queue could not be reached (%(error)s). Request the report again."
                )
                % {"error": error},
                now=timezone.now(),
            )

    transaction.on_commit(send, robust=True)


def _request(
    *,
    year: int,
    quarter: int,
    district: Region | None,
    requested_by,
    parameters: dict,
) -> ReportRun:
    """Queue a run, unless an identical one is already queued or running: then that one.

    The row of the report's region (the city or the district) is locked first, so two offices
    asking at the same moment get one run, not two."""
    scope = district.pk if district else settings.PORTAL_CITY_CODE
    list(Region.objects.select_for_update().filter(pk=scope))
    existing = (
        ReportRun.objects.filter(
            year=year,
            quarter=quarter,
            district=district,
            status__in=ACTIVE,
            parameters=parameters,
        )
        .order_by("created_at", "pk")
        .first()
    )
    if existing is not None:
        existing.reused = True
        return existing
    run = ReportRun(
        year=year,
        quarter=quarter,
        district=district,
        parameters=parameters,
        requested_by=requested_by,
        task_id=str(uuid.uuid4()),
    )
    run.full_clean()
    run.save()
    run.reused = False
    _queue(run)
    return run


@transaction.atomic
def report_run_request(
    *,
    actor,
    year: int,
    quarter: int,
    district: Region | str | None = None,
    as_of: datetime.date | None = None,
    parameters: dict | None = None,
) -> ReportRun:
    """An office asks for the report of an ended quarter (issue 6: "offices can run any
    quarter on demand"). The city office runs the city's report or any district's; a district
    office only its own district's (asked for no district, it gets its own). Nobody else runs
    reports. If the same report is already queued or running, that run is returned
    (``run.reused``) rather than a second one queued.

    ``parameters`` travel with the run to the task; the only ones the task reads are the test
    switches of ``reporting.tasks``, honoured only where the environment enables them."""
    who = actor_of(actor)
    if who.is_city_office:
        region = _district_region(district)
    elif who.is_district_office:
        code = district.pk if isinstance(district, Region) else district
        if code and code != who.district_code:
            raise PermissionDenied(_("A district office runs its own district's report only."))
        region = Region.objects.get(pk=who.district_code)
    else:
        raise PermissionDenied(_("Only the coordination offices run quarterly reports."))
    _check_period(year=year, quarter=quarter, as_of=as_of or today())
    return _request(
        year=year,
        quarter=quarter,
        district=region,
        requested_by=actor,
        parameters=dict(parameters or {}),
    )


@transaction.atomic
def report_runs_schedule(*, as_of: datetime.date) -> list[ReportRun]:
    """Beat's job on the 5th day of each quarter (issue 6: "the report of the quarter just
    ended on the 5th day of the next quarter"): the city's report and each district's, so
    every district office finds its own report ready too (it cannot read the city's run).

    Idempotent: a scope that already has a scheduled run of that quarter (queued, running or
    succeeded) is skipped, so a repeated or redelivered beat message queues nothing twice."""
    period = last_ended_quarter(as_of=as_of)
    scheduled = set(
        ReportRun.objects.filter(
            year=period.year,
            quarter=period.quarter,
            requested_by__isnull=True,
            status__in=(QUEUED, RUNNING, SUCCEEDED),
        ).values_list("district_id", flat=True)
    )
    runs = []
    for district in [None, *city_districts()]:
        code = district.pk if district else None
        if code in scheduled:
            continue
        runs.append(
            _request(
                year=period.year,
                quarter=period.quarter,
                district=district,
                requested_by=None,
                parameters={},
            )
        )
    return runs


# --- the task's steps ---------------------------------------------------------------------


@transaction.atomic
def report_run_start(
    *, run_id: int, task_id: str | None, now: datetime.datetime
) -> ReportRun | None:
    """A worker starts building: the run goes ``running`` and counts one more attempt.

    Returns None when there is nothing to build: the run is gone, already finished (a
    succeeded run is never rebuilt), or the message is stale (its task id is not the run's
    current one, because the recovery queued the run again). A redelivered message of a run
    left ``running`` by a lost worker restarts it from zero."""
    run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or run.status in (SUCCEEDED, FAILED):
        return None
    if task_id and run.task_id and task_id != run.task_id:
        logger.info("Report run %s: ignoring stale message %s", run_id, task_id)
        return None
    run.status = RUNNING
    run.started_at = now
    run.finished_at = None
    run.progress = 0
    run.attempts += 1
    # The previous attempt's error stays visible while this one runs; success clears it.
    run.save(update_fields=["status", "started_at", "finished_at", "progress", "attempts", "error"])
    return ReportRun.objects.select_related("district").get(pk=run_id)


def report_run_progress(*, run_id: int, progress: int) -> None:
    """Record how far the build is (0-100), for the page's progress bar. One UPDATE, outside
    any transaction of the build, so the page sees it at once."""
    ReportRun.objects.filter(pk=run_id, status=RUNNING).update(
        progress=max(0, min(100, int(progress)))
    )


def _recipients(run: ReportRun) -> Iterable:
    """Who hears that a run ended: whoever asked; for a scheduled run, the office(s) whose
    report it is."""
    if run.requested_by_id:
        return [run.requested_by]
    if run.district_id is None:
        return members_with_role(Role.CITY_OFFICE)
    return get_user_model().objects.filter(
        membership__role=Role.DISTRICT_OFFICE,
        membership__organisation__region_id=run.district_id,
        is_active=True,
    )


@transaction.atomic
def report_run_succeed(
    *, run_id: int, task_id: str | None, files, now: datetime.datetime
) -> ReportRun | None:
    """The build finished: keep the workbook and the PDF (named ``消费帮扶季度报告-2026Q3-全市``),
    the content checksum and the finishing time. Ignored (None) unless the run is still
    ``running`` under this task id: a superseded attempt does not overwrite anything."""
    run = (
        ReportRun.objects.select_for_update(of=("self",))
        .select_related("district", "requested_by")
        .filter(pk=run_id)
        .first()
    )
    if run is None or run.status != RUNNING or (task_id and task_id != run.task_id):
        return None
    run.xlsx.save(report_file_name(run, "xlsx"), ContentFile(files.xlsx), save=False)
    run.pdf.save(report_file_name(run, "pdf"), ContentFile(files.pdf), save=False)
    run.checksum = files.checksum
    run.status = SUCCEEDED
    run.progress = 100
    run.finished_at = max(now, run.started_at)
    run.error = ""
    run.full_clean()
    run.save()
    notify(
        recipients=_recipients(run),
        title=_("Ready: %(title)s") % {"title": _run_title(run)},
        body=_("The workbook and the PDF summary can be downloaded now."),
        link=reverse("reporting:report_run", args=[run.pk]),
    )
    return run


@transaction.atomic
def report_run_retry(*, run_id: int, error: str) -> None:
    """An attempt hit a transient error and Celery will try again: the run waits ``queued``
    with the error shown, its ``attempts`` telling how many tries so far."""
    ReportRun.objects.filter(pk=run_id, status=RUNNING).update(
        status=QUEUED, progress=0, error=error
    )


@transaction.atomic
def report_run_fail(*, run_id: int, error: str, now: datetime.datetime) -> ReportRun | None:
    """The run ends failed with ``error`` (shown to the office). A finished run is left as
    it is."""
    run = (
        ReportRun.objects.select_for_update(of=("self",))
        .select_related("district", "requested_by")
        .filter(pk=run_id)
        .first()
    )
    if run is None or run.status in (SUCCEEDED, FAILED):
        return None
    run.status = FAILED
    run.error = error or _("The report could not be built.")
    # A run that never started has no duration: its finishing time stays empty.
    run.finished_at = max(now, run.started_at) if run.started_at else None
    run.save(update_fields=["status", "error", "finished_at"])
    notify(
        recipients=_recipients(run),
        title=_("Failed: %(title)s") % {"title": _run_title(run)},
        body=run.error,
        link=reverse("reporting:report_run", args=[run.pk]),
    )
    return run


# --- recovery -----------------------------------------------------------------------------


@transaction.atomic
def report_runs_recover_stale(*, now: datetime.datetime) -> dict[str, int]:
    """Issue 6: "a worker killed mid-run leaves the run recoverable, never stuck in running
    forever". See the module's docstring for why a stuck ``running`` run is queued again (up
    to ``MAX_ATTEMPTS`` starts) and a lost ``queued`` one is failed."""
    stuck_before = now - datetime.timedelta(seconds=REPORT_TIME_LIMIT) - STALE_MARGIN
    requeued = failed = 0
    stuck = (
        ReportRun.objects.select_for_update(skip_locked=True)
        .filter(status=RUNNING, started_at__lt=stuck_before)
        .order_by("started_at")[:RECOVERY_BATCH]
    )
    for run in stuck:
        minutes = (REPORT_TIME_LIMIT + STALE_MARGIN.total_seconds()) // 60
        if run.attempts < MAX_ATTEMPTS:
            run.status = QUEUED
            run.progress = 0
            run.task_id = str(uuid.uuid4())
            run.error = _(
                "The worker building this report was lost (no news for %(minutes)d minutes); "
                "the report was queued again."
            ) % {"minutes": minutes}
            run.save(update_fields=["status", "progress", "task_id", "error"])
            _queue(run)
            requeued += 1
        else:
            report_run_fail(
                run_id=run.pk,
                error=_(
                    "The worker building this report was lost %(attempts)d times; it was given "
                    "up. Request the report again, and tell the administrator if it fails again."
                )
                % {"attempts": run.attempts},
                now=now,
            )
            failed += 1
    quiet_since = now - QUEUED_STALE_AFTER
    lost = (
        ReportRun.objects.select_for_update(skip_locked=True)
        .filter(status=QUEUED, created_at__lt=quiet_since)
        .filter(Q(started_at__isnull=True) | Q(started_at__lt=quiet_since))
        .order_by("created_at")[:RECOVERY_BATCH]
    )
    for run in lost:
        report_run_fail(
            run_id=run.pk,
            error=_(
                "No worker took this report up within %(hours)d hours; it was given up. "
                "Request the report again."
            )
            % {"hours": QUEUED_STALE_AFTER.total_seconds() // 3600},
            now=now,
        )
        failed += 1
    return {"requeued": requeued, "failed": failed}
