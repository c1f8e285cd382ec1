"""Report runs, eagerly (issue 6, point 2): who may request which report, the quarter rules,
the duplicate rule, the task's success, failure, retries and idempotence, the stale-run
recovery, and the beat schedule."""

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError

from portal.celery import app
from portal.models import Notification
from reporting import services, tasks
from reporting.models import ReportRun
from reporting.reports import build as content
from reporting.services import (
    MAX_ATTEMPTS,
    REPORT_TIME_LIMIT,
    report_run_request,
    report_runs_recover_stale,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 10, 10)  # 2026 Q3 has just ended
NOW = datetime.datetime(2026, 10, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def eager_retries(monkeypatch):
    """Celery runs an eager task's retries in-process only when eager errors do not
    propagate (with propagation the first ``Retry`` is raised to the caller)."""
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


def _request(actor, *, year=2026, quarter=3, **kwargs):
    return report_run_request(actor=actor, year=year, quarter=quarter, as_of=AS_OF, **kwargs)


def _run(capture, actor, **kwargs) -> ReportRun:
    with capture(execute=True):
        run = _request(actor, **kwargs)
    run.refresh_from_db()
    return run


def _fake_files(checksum="c" * 64):
    return content.ReportFiles(
        xlsx=b"PK\x03\x04 workbook", pdf=b"%PDF-1.7 summary", checksum=checksum
    )


# --- the eager path -------------------------------------------------------------------------


def test_a_requested_run_is_built_and_keeps_its_files_and_checksum(
    city_officer, django_capture_on_commit_callbacks
):
    run = _run(django_capture_on_commit_callbacks, city_officer)

    assert run.status == ReportRun.Status.SUCCEEDED
    assert run.progress == 100
    assert run.attempts == 1
    assert run.error == ""
    assert run.requested_by == city_officer
    assert run.task_id
    assert run.started_at <= run.finished_at
    assert len(run.checksum) == 64
    assert run.xlsx.name.endswith(".xlsx")
    assert "消费帮扶季度报告-2026Q3-全市" in run.xlsx.name
    assert "消费帮扶季度报告-2026Q3-全市" in run.pdf.name
    with run.xlsx.open("rb") as handle:
        assert handle.read(2) == b"PK"
    with run.pdf.open("rb") as handle:
        assert handle.read(4) == b"%PDF"
    notice = Notification.objects.get(recipient=city_officer)
    assert notice.link == f"/statistics/reports/{run.pk}/"
    assert "Ready" in notice.title


def test_the_same_report_twice_gives_the_same_checksum(
    city_officer, district_officer, django_capture_on_commit_callbacks
):
    first = _run(django_capture_on_commit_callbacks, city_officer)
    second = _run(django_capture_on_commit_callbacks, city_officer)
    assert first.pk != second.pk
    assert first.checksum == second.checksum

    futian = _run(django_capture_on_commit_callbacks, district_officer)
    assert futian.status == ReportRun.Status.SUCCEEDED
    assert "消费帮扶季度报告-2026Q3-福田区" in futian.xlsx.name


# --- who may run what -----------------------------------------------------------------------


def test_a_district_office_runs_its_own_district_only(district_officer):
    run = _request(district_officer)
    assert run.district_id == f.FUTIAN
    assert _request(district_officer, district=f.FUTIAN).pk == run.pk
    with pytest.raises(PermissionDenied):
        _request(district_officer, district=f.NANSHAN)
    with pytest.raises(PermissionDenied):
        _request(district_officer, district=f.region(f.NANSHAN))


def test_the_city_office_runs_the_city_or_any_district(city_officer):
    assert _request(city_officer).district is None
    assert _request(city_officer, district=f.NANSHAN).district_id == f.NANSHAN
    assert _request(city_officer, district=f.region(f.FUTIAN)).district_id == f.FUTIAN
    with pytest.raises(ValidationError) as refused:
        _request(city_officer, district=f.TIANYANG)  # a paired county, not a city district
    assert "district" in refused.value.message_dict


def test_nobody_else_runs_reports(clerk, approver, supplier, reviewer):
    for someone in (clerk, approver, supplier, reviewer):
        with pytest.raises(PermissionDenied):
            _request(someone)
    assert not ReportRun.objects.exists()


# --- the quarter rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "quarter", "field"),
    [
        (2026, 4, "quarter"),  # the current quarter has not ended
        (2027, 1, "year"),  # the future
        (2026, 5, "quarter"),
        (2026, 0, "quarter"),
        (1999, 1, "year"),  # before the programme
    ],
)
def test_only_an_ended_quarter_of_a_plausible_year_is_reported(city_officer, year, quarter, field):
    with pytest.raises(ValidationError) as refused:
        _request(city_officer, year=year, quarter=quarter)
    assert field in refused.value.message_dict
    assert not ReportRun.objects.exists()


def test_the_quarter_that_ended_yesterday_can_be_reported(city_officer):
    run = report_run_request(
        actor=city_officer, year=2026, quarter=3, as_of=datetime.date(2026, 10, 1)
    )
    assert run.status == ReportRun.Status.QUEUED
    with pytest.raises(ValidationError) as refused:
        report_run_request(
            actor=city_officer, year=2026, quarter=3, as_of=datetime.date(2026, 9, 30)
        )
    assert "2026-10-01" in refused.value.message_dict["quarter"][0]


# --- the duplicate rule ---------------------------------------------------------------------


def test_an_identical_queued_or_running_run_is_returned_not_queued_again(
    city_officer, district_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        first = _request(city_officer)
        again = _request(city_officer)
    assert len(queued) == 1  # one task sent, not two
    assert again.pk == first.pk
    assert (first.reused, again.reused) == (False, True)

    ReportRun.objects.filter(pk=first.pk).update(status=ReportRun.Status.RUNNING)
    assert _request(city_officer).pk == first.pk
    # Another scope or quarter is another report.
    assert _request(city_officer, quarter=2).pk != first.pk
    assert _request(district_officer).pk != first.pk
    # Once finished, asking again builds afresh.
    ReportRun.objects.filter(pk=first.pk).update(status=ReportRun.Status.FAILED)
    assert _request(city_officer).pk != first.pk


# --- the task ---------------------------------------------------------------------------------


def test_the_task_is_acknowledged_late_retried_and_time_limited():
    task = app.tasks["reporting.build_report"]
    assert task.acks_late and task.reject_on_worker_lost
    assert task.max_retries == 3
    assert task.max_retries + 1 == MAX_ATTEMPTS
    assert task.time_limit == REPORT_TIME_LIMIT
    assert task.soft_time_limit < task.time_limit
    assert OperationalError in task.autoretry_for
    assert tasks.TransientReportError in task.autoretry_for


def test_a_failing_build_fails_the_run_with_the_error(
    city_officer, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise ValueError("no figures for this quarter")

    monkeypatch.setattr(content, "build_report", broken)
    run = _run(django_capture_on_commit_callbacks, city_officer)
    assert run.status == ReportRun.Status.FAILED
    assert "no figures for this quarter" in run.error
    assert run.attempts == 1  # not a transient error: no retry
    assert run.finished_at >= run.started_at
    assert not run.xlsx and not run.checksum
    assert "Failed" in Notification.objects.get(recipient=city_officer).title


def test_a_transient_error_is_retried_and_the_run_shows_the_attempts(
    city_officer, monkeypatch, eager_retries, django_capture_on_commit_callbacks
):
    calls = []

    def flaky(**kwargs):
        calls.append(ReportRun.objects.get().status)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return _fake_files()

    monkeypatch.setattr(content, "build_report", flaky)
    run = _run(django_capture_on_commit_callbacks, city_officer)
    assert calls == [ReportRun.Status.RUNNING, ReportRun.Status.RUNNING]
    assert run.status == ReportRun.Status.SUCCEEDED
    assert run.attempts == 2
    assert run.error == ""


def test_a_transient_error_that_persists_fails_the_run_after_the_last_retry(
    city_officer, monkeypatch, eager_retries, django_capture_on_commit_callbacks
):
    def down(**kwargs):
        raise tasks.TransientReportError("the database is restarting")

    monkeypatch.setattr(content, "build_report", down)
    run = _run(django_capture_on_commit_callbacks, city_officer)
    assert run.status == ReportRun.Status.FAILED
    assert run.attempts == MAX_ATTEMPTS
    assert "Gave up after 4 attempts" in run.error
    assert "the database is restarting" in run.error


def test_a_retry_waits_queued_with_the_error_of_the_attempt(city_officer):
    run = _request(city_officer)
    services.report_run_start(run_id=run.pk, task_id=run.task_id, now=NOW)
    services.report_run_retry(run_id=run.pk, error="Attempt 1 failed (timeout)")
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == ("queued", 1, "Attempt 1 failed (timeout)")


def test_the_test_switches_work_only_where_the_environment_allows_them(
    city_officer, monkeypatch, eager_retries, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(content, "build_report", lambda **kwargs: _fake_files())
    monkeypatch.delenv(tasks.TEST_SWITCHES_ENV, raising=False)
    ignored = _run(django_capture_on_commit_callbacks, city_officer, parameters={"fail_times": 1})
    assert (ignored.status, ignored.attempts) == ("succeeded", 1)

    monkeypatch.setenv(tasks.TEST_SWITCHES_ENV, "1")
    honoured = _run(django_capture_on_commit_callbacks, city_officer, parameters={"fail_times": 1})
    assert (honoured.status, honoured.attempts) == ("succeeded", 2)


def test_a_succeeded_run_is_not_rebuilt(
    city_officer, monkeypatch, django_capture_on_commit_callbacks
):
    run = _run(django_capture_on_commit_callbacks, city_officer)
    monkeypatch.setattr(content, "build_report", lambda **kwargs: pytest.fail("rebuilt"))
    result = tasks.build_report.apply(args=[run.pk], task_id=run.task_id).get()
    assert result["skipped"]
    again = ReportRun.objects.get(pk=run.pk)
    assert (again.attempts, again.xlsx.name, again.checksum) == (1, run.xlsx.name, run.checksum)


def test_a_redelivered_message_restarts_a_running_run_cleanly(city_officer, monkeypatch):
    monkeypatch.setattr(content, "build_report", lambda **kwargs: _fake_files())
    run = _request(city_officer)
    # The first worker started, reported some progress and died.
    services.report_run_start(run_id=run.pk, task_id=run.task_id, now=NOW)
    services.report_run_progress(run_id=run.pk, progress=40)

    tasks.build_report.apply(args=[run.pk], task_id=run.task_id).get()
    run.refresh_from_db()
    assert (run.status, run.attempts, run.progress) == ("succeeded", 2, 100)
    assert run.started_at > NOW


def test_a_stale_message_of_a_run_queued_again_is_ignored(city_officer, monkeypatch):
    monkeypatch.setattr(content, "build_report", lambda **kwargs: pytest.fail("built twice"))
    run = _request(city_officer)
    result = tasks.build_report.apply(args=[run.pk], task_id="an-older-task-id").get()
    assert result["skipped"]
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("queued", 0)


def test_progress_is_recorded_while_running_only(city_officer):
    run = _request(city_officer)
    services.report_run_progress(run_id=run.pk, progress=50)
    run.refresh_from_db()
    assert run.progress == 0  # not started yet
    services.report_run_start(run_id=run.pk, task_id=run.task_id, now=NOW)
    services.report_run_progress(run_id=run.pk, progress=150)
    run.refresh_from_db()
    assert run.progress == 100


# --- recovery -------------------------------------------------------------------------------


def _running(actor, *, started, attempts=1, quarter=3, district=None):
    run = _request(actor, quarter=quarter, district=district)
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.RUNNING, started_at=started, attempts=attempts, progress=30
    )
    return ReportRun.objects.get(pk=run.pk)


def test_a_run_stuck_past_the_hard_limit_is_queued_again_and_finished(
    city_officer, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(content, "build_report", lambda **kwargs: _fake_files())
    limit = datetime.timedelta(seconds=REPORT_TIME_LIMIT)
    stuck = _running(city_officer, started=NOW - limit - datetime.timedelta(minutes=6))
    busy = _running(
        city_officer, started=NOW - limit - datetime.timedelta(minutes=4), quarter=2
    )  # within the margin: may still be finishing

    with django_capture_on_commit_callbacks() as queued:
        outcome = report_runs_recover_stale(now=NOW)
    assert outcome == {"requeued": 1, "failed": 0}
    stuck.refresh_from_db()
    assert stuck.status == ReportRun.Status.QUEUED
    assert stuck.progress == 0
    assert "lost" in stuck.error
    busy.refresh_from_db()
    assert busy.status == ReportRun.Status.RUNNING

    old_task_id = stuck.task_id
    queued[0]()  # the new message reaches a worker
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts, stuck.error) == ("succeeded", 2, "")
    assert stuck.task_id == old_task_id
    # A late redelivery of the lost attempt's message carries another id: ignored.
    assert tasks.build_report.apply(args=[stuck.pk], task_id="lost-attempt").get()["skipped"]


def test_a_run_lost_too_often_is_failed_with_a_clear_error(city_officer):
    started = NOW - datetime.timedelta(hours=1)
    worn = _running(city_officer, started=started, attempts=MAX_ATTEMPTS)
    assert report_runs_recover_stale(now=NOW) == {"requeued": 0, "failed": 1}
    worn.refresh_from_db()
    assert worn.status == ReportRun.Status.FAILED
    assert "lost 4 times" in worn.error
    assert worn.finished_at == NOW


def test_a_queued_run_nobody_took_is_failed_so_it_can_be_requested_again(city_officer):
    lost = _request(city_officer)
    recent = _request(city_officer, quarter=2)
    ReportRun.objects.filter(pk=lost.pk).update(created_at=NOW - datetime.timedelta(hours=7))
    ReportRun.objects.filter(pk=recent.pk).update(created_at=NOW - datetime.timedelta(hours=1))

    assert report_runs_recover_stale(now=NOW) == {"requeued": 0, "failed": 1}
    lost.refresh_from_db()
    assert lost.status == ReportRun.Status.FAILED
    assert "No worker took this report up" in lost.error
    assert lost.finished_at is None  # it never started
    assert ReportRun.objects.get(pk=recent.pk).status == ReportRun.Status.QUEUED
    assert _request(city_officer).pk != lost.pk
    # Nothing left to recover: a second pass changes nothing.
    assert report_runs_recover_stale(now=NOW) == {"requeued": 0, "failed": 0}


# --- the schedule ---------------------------------------------------------------------------


def test_beat_schedules_the_quarterly_report_and_the_recovery():
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert "products-certificates-daily" in schedule
    quarterly = schedule["reporting-quarterly-report"]
    assert quarterly["task"] == "reporting.quarterly_report"
    assert quarterly["schedule"] == crontab(
        minute=0, hour=6, day_of_month=5, month_of_year="1,4,7,10"
    )
    assert quarterly["schedule"].month_of_year == {1, 4, 7, 10}
    recovery = schedule["reporting-recover-stale-runs"]
    assert recovery["task"] == "reporting.recover_stale_runs"
    assert recovery["schedule"].minute == {0, 15, 30, 45}
    assert recovery["schedule"].hour == set(range(24))
    assert django_settings.CELERY_TIMEZONE == "Asia/Shanghai"
    for entry in (quarterly, recovery):
        assert entry["task"] in app.tasks


def test_the_quarterly_job_queues_the_city_and_each_district_once(city_officer):
    from portal.selectors import city_districts

    result = tasks.quarterly_report.apply(kwargs={"as_of": "2026-10-05"}).get()
    runs = ReportRun.objects.filter(year=2026, quarter=3)
    assert len(result["runs"]) == runs.count() == 1 + city_districts().count()
    assert runs.filter(district__isnull=True, requested_by__isnull=True).count() == 1
    # Beat firing twice (or a redelivered message) queues nothing more.
    assert tasks.quarterly_report.apply(kwargs={"as_of": "2026-10-05"}).get()["runs"] == []
    assert ReportRun.objects.filter(year=2026, quarter=3).count() == runs.count()


def test_the_recovery_task_uses_the_clock(city_officer):
    assert tasks.recover_stale_runs.apply().get() == {"requeued": 0, "failed": 0}
