"""The quarterly reports' pages: run a report, follow it (htmx polling), download its files,
each office seeing its own runs only."""

import datetime
import re

import pytest
from django.urls import reverse

from reporting.models import ReportRun
from reporting.reports import build as content
from tests import factories as f

pytestmark = pytest.mark.django_db

REPORTS = "/statistics/reports/"


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_build(monkeypatch):
    def build(*, year, quarter, district_code=None, progress=None):
        if progress:
            progress(100)
        return content.ReportFiles(
            xlsx=b"PK\x03\x04 workbook", pdf=b"%PDF-1.7 summary", checksum="a" * 64
        )

    monkeypatch.setattr(content, "build_report", build)


@pytest.fixture
def last_quarter():
    from portal.periods import last_ended_quarter, today

    return last_ended_quarter(as_of=today())


def _post(client, data, capture):
    with capture(execute=True):
        return client.post(REPORTS, data)


def test_the_page_offers_the_last_ended_quarter_and_the_city_or_a_district(
    client, city_officer, last_quarter
):
    client.force_login(city_officer)
    page = client.get(REPORTS)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="run-report"' in html
    assert page.context["form"].initial == {
        "year": last_quarter.year,
        "quarter": last_quarter.quarter,
    }
    scopes = dict(page.context["form"].fields["scope"].choices)
    assert scopes[""] == "Whole city"
    assert scopes[f.FUTIAN] == "福田区"
    assert 'data-testid="empty-state"' in html
    assert reverse("reporting:reports") == REPORTS


def test_running_a_report_leads_to_its_page_with_the_files(
    client, city_officer, last_quarter, django_capture_on_commit_callbacks
):
    client.force_login(city_officer)
    response = _post(
        client,
        {"year": last_quarter.year, "quarter": last_quarter.quarter, "scope": f.NANSHAN},
        django_capture_on_commit_callbacks,
    )
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/statistics/reports/{run.pk}/"
    assert run.district_id == f.NANSHAN
    assert run.requested_by == city_officer

    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="run-status" data-status="succeeded"' in page
    assert 'hx-trigger="every 2s"' not in page  # done: no more polling
    assert 'data-testid="download-xlsx"' in page
    assert 'data-testid="download-pdf"' in page

    xlsx = client.get(reverse("reporting:report_xlsx", args=[run.pk]))
    assert xlsx.status_code == 200
    assert b"".join(xlsx.streaming_content).startswith(b"PK")
    name = f"消费帮扶季度报告-{last_quarter.year}Q{last_quarter.quarter}-南山区.xlsx"
    assert "attachment" in xlsx["Content-Disposition"]
    assert re.search(r"filename\*=utf-8''(.+)$", xlsx["Content-Disposition"])
    from urllib.parse import unquote

    assert name in unquote(xlsx["Content-Disposition"])
    pdf = client.get(reverse("reporting:report_pdf", args=[run.pk]))
    assert pdf["Content-Type"] == "application/pdf"


def test_a_queued_run_polls_its_status_every_two_seconds(client, city_officer, last_quarter):
    client.force_login(city_officer)
    client.post(REPORTS, {"year": last_quarter.year, "quarter": last_quarter.quarter})
    run = ReportRun.objects.get()  # queued: the task leaves only after commit
    page = client.get(reverse("reporting:report_run", args=[run.pk])).content.decode()
    status_url = reverse("reporting:report_run_status", args=[run.pk])
    assert f'hx-get="{status_url}"' in page
    assert 'hx-trigger="every 2s"' in page
    assert 'data-status="queued"' in page
    assert 'data-testid="download-xlsx"' not in page

    ReportRun.objects.filter(pk=run.pk).update(
        status="running", progress=40, attempts=2, started_at=datetime.datetime.now(datetime.UTC)
    )
    fragment = client.get(status_url).content.decode()
    assert fragment.lstrip().startswith("<section")
    assert 'data-status="running"' in fragment
    assert 'value="40"' in fragment
    assert "every 2s" in fragment
    assert "retried automatically" in fragment
    assert "<html" not in fragment


def test_a_failed_run_shows_its_error(
    client, city_officer, last_quarter, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise ValueError("the figures do not add up")

    monkeypatch.setattr(content, "build_report", broken)
    client.force_login(city_officer)
    response = _post(
        client,
        {"year": last_quarter.year, "quarter": last_quarter.quarter},
        django_capture_on_commit_callbacks,
    )
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="failed"' in page
    assert "the figures do not add up" in page
    assert 'data-testid="download-xlsx"' not in page
    run = ReportRun.objects.get()
    assert client.get(reverse("reporting:report_xlsx", args=[run.pk])).status_code == 404
    listing = client.get(REPORTS).content.decode()
    assert "the figures do not add up" in listing


def test_a_quarter_that_has_not_ended_is_refused_beside_the_field(client, city_officer):
    from portal.periods import Quarter, today

    current = Quarter.of(today())
    client.force_login(city_officer)
    response = client.post(REPORTS, {"year": current.year, "quarter": current.quarter})
    assert response.status_code == 200
    assert "has not ended yet" in str(response.context["form"].errors["quarter"])
    assert 'data-testid="error-summary"' in response.content.decode()
    assert not ReportRun.objects.exists()


def test_asking_twice_shows_the_run_already_being_built(client, city_officer, last_quarter):
    client.force_login(city_officer)
    data = {"year": last_quarter.year, "quarter": last_quarter.quarter}
    first = client.post(REPORTS, data)
    second = client.post(REPORTS, data, follow=True)
    assert ReportRun.objects.count() == 1
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "already being built" in second.content.decode()


def test_a_district_office_runs_and_sees_its_own_district_only(
    client, district_officer, city_officer, last_quarter, django_capture_on_commit_callbacks
):
    city_run = ReportRun.objects.create(year=2025, quarter=1, status="succeeded")
    nanshan_run = ReportRun.objects.create(year=2025, quarter=1, district=f.region(f.NANSHAN))
    client.force_login(district_officer)
    page = client.get(REPORTS)
    assert "scope" not in page.context["form"].fields
    assert "福田区" in page.content.decode()

    # A forged scope is no field of theirs: the run is the district's own.
    _post(
        client,
        {"year": last_quarter.year, "quarter": last_quarter.quarter, "scope": f.NANSHAN},
        django_capture_on_commit_callbacks,
    )
    own = ReportRun.objects.get(requested_by=district_officer)
    assert own.district_id == f.FUTIAN
    assert own.status == "succeeded"
    assert client.get(reverse("reporting:report_xlsx", args=[own.pk])).status_code == 200

    listing = client.get(REPORTS)
    assert [run.pk for run in listing.context["page"].object_list] == [own.pk]
    for other in (city_run, nanshan_run):
        for name in ("report_run", "report_run_status", "report_xlsx", "report_pdf"):
            assert client.get(reverse(f"reporting:{name}", args=[other.pk])).status_code == 404


def test_other_roles_are_refused_and_visitors_sent_to_sign_in(client, clerk, supplier, reviewer):
    run = ReportRun.objects.create(year=2025, quarter=1)
    assert client.get(REPORTS).status_code == 302
    assert client.get(reverse("reporting:report_xlsx", args=[run.pk])).status_code == 302
    for someone in (clerk, supplier, reviewer):
        client.force_login(someone)
        assert client.get(REPORTS).status_code == 403
        assert client.post(REPORTS, {"year": 2025, "quarter": 1}).status_code == 403
        assert client.get(reverse("reporting:report_run", args=[run.pk])).status_code == 403
        assert client.get(reverse("reporting:report_pdf", args=[run.pk])).status_code == 403
    assert not ReportRun.objects.filter(year=2025, quarter=1).exclude(pk=run.pk).exists()


def _runs(n: int, user) -> None:
    now = datetime.datetime(2026, 4, 5, 6, 0, tzinfo=datetime.UTC)
    districts = [None, f.region(f.FUTIAN), f.region(f.NANSHAN)]
    for i in range(n):
        status = ["succeeded", "failed", "queued", "running"][i % 4]
        ReportRun.objects.create(
            year=2025,
            quarter=i % 4 + 1,
            district=districts[i % 3],
            status=status,
            requested_by=user if i % 2 else None,
            started_at=now if status != "queued" else None,
            finished_at=now + datetime.timedelta(seconds=i)
            if status in ("succeeded", "failed")
            else None,
            attempts=1,
            error="boom" if status == "failed" else "",
        )


def test_the_list_is_filtered_paginated_and_runs_a_bounded_number_of_queries(
    client, city_officer, django_assert_max_num_queries
):
    client.force_login(city_officer)
    _runs(3, city_officer)
    with django_assert_max_num_queries(50) as few:
        client.get(REPORTS)
    _runs(40, city_officer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(REPORTS)
    assert page.context["totals"]["count"] == 43
    assert len(page.context["page"].object_list) == 20
    assert page.context["page"].paginator.num_pages == 3
    assert "43 runs" in page.content.decode()

    failed = client.get(REPORTS, {"status": "failed"})
    assert {run.status for run in failed.context["page"].object_list} == {"failed"}
    city_only = client.get(REPORTS, {"district": "city"})
    assert all(run.district_id is None for run in city_only.context["page"].object_list)
    nothing = client.get(REPORTS, {"year": 2019})
    assert "No report runs match these filters." in nothing.content.decode()
