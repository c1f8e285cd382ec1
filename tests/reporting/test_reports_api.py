"""The ``reports/`` API of api.md: POST queues a run (202 ``{"id", "status"}``), GET follows it
to its files; offices only, each its own scope."""

import pytest
from django.urls import reverse

from portal.periods import Quarter, last_ended_quarter, today
from reporting.models import ReportRun
from reporting.reports import build as content
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/"
FIELDS = {
    "id",
    "year",
    "quarter",
    "district",
    "status",
    "progress",
    "attempts",
    "error",
    "checksum",
    "created_at",
    "started_at",
    "finished_at",
    "xlsx_url",
    "pdf_url",
}


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_build(monkeypatch):
    monkeypatch.setattr(
        content,
        "build_report",
        lambda **kwargs: content.ReportFiles(
            xlsx=b"PK\x03\x04", pdf=b"%PDF-1.7", checksum="b" * 64
        ),
    )


@pytest.fixture
def quarter():
    period = last_ended_quarter(as_of=today())
    return {"year": period.year, "quarter": period.quarter}


def _post(client, data):
    return client.post(URL, data, content_type="application/json")


def test_posting_queues_a_run_with_202(client, city_officer, quarter):
    client.force_login(city_officer)
    response = _post(client, quarter)
    assert response.status_code == 202
    body = response.json()
    run = ReportRun.objects.get()
    assert body["id"] == run.pk
    assert body["status"] == "queued"
    assert body["district"] is None
    assert body["xlsx_url"] is None and body["pdf_url"] is None
    assert run.requested_by == city_officer
    # The same request again answers with the same run.
    assert _post(client, quarter).json()["id"] == run.pk
    assert ReportRun.objects.count() == 1


def test_a_run_is_followed_to_its_files(
    client, city_officer, quarter, django_capture_on_commit_callbacks
):
    client.force_login(city_officer)
    with django_capture_on_commit_callbacks(execute=True):
        run_id = _post(client, {**quarter, "district": f.FUTIAN}).json()["id"]
    detail = client.get(f"{URL}{run_id}/")
    assert detail.status_code == 200
    body = detail.json()
    assert set(body) == FIELDS
    assert body["status"] == "succeeded"
    assert (body["progress"], body["attempts"], body["checksum"]) == (100, 1, "b" * 64)
    assert body["district"] == f.FUTIAN
    assert (body["year"], body["quarter"]) == (quarter["year"], quarter["quarter"])
    assert body["started_at"] and body["finished_at"] and body["error"] == ""
    assert body["xlsx_url"] == "http://testserver" + reverse("reporting:report_xlsx", args=[run_id])
    assert body["pdf_url"] == "http://testserver" + reverse("reporting:report_pdf", args=[run_id])
    assert client.get(body["xlsx_url"]).status_code == 200
    assert client.get(body["pdf_url"]).status_code == 200


def test_the_quarter_rules_answer_400_by_field(client, city_officer):
    client.force_login(city_officer)
    current = Quarter.of(today())
    not_ended = _post(client, {"year": current.year, "quarter": current.quarter})
    assert not_ended.status_code == 400
    assert "has not ended yet" in not_ended.json()["quarter"][0]
    assert "quarter" in _post(client, {"year": current.year, "quarter": 7}).json()
    assert "year" in _post(client, {"year": 1990, "quarter": 1}).json()
    assert "year" in _post(client, {"quarter": 1}).json()
    assert "district" in _post(client, {"year": 2025, "quarter": 1, "district": "451003"}).json()
    assert not ReportRun.objects.exists()


def test_a_district_office_requests_and_reads_its_own_district_only(
    client, district_officer, quarter
):
    city_run = ReportRun.objects.create(year=2025, quarter=2)
    client.force_login(district_officer)
    own = _post(client, quarter)
    assert own.status_code == 202
    assert ReportRun.objects.get(pk=own.json()["id"]).district_id == f.FUTIAN
    assert _post(client, {**quarter, "district": f.NANSHAN}).status_code == 403
    assert client.get(f"{URL}{city_run.pk}/").status_code == 404
    listed = client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [own.json()["id"]]


def test_other_roles_are_refused(client, clerk, supplier, reviewer, quarter):
    run = ReportRun.objects.create(year=2025, quarter=2)
    assert client.get(URL).status_code in (401, 403)
    for someone in (clerk, supplier, reviewer):
        client.force_login(someone)
        assert client.get(URL).status_code == 403
        assert client.get(f"{URL}{run.pk}/").status_code == 403
        assert _post(client, quarter).status_code == 403
    assert ReportRun.objects.count() == 1


def test_the_list_is_paginated_with_a_bounded_number_of_queries(
    client, city_officer, django_assert_max_num_queries
):
    client.force_login(city_officer)
    ReportRun.objects.create(year=2025, quarter=1)
    with django_assert_max_num_queries(20) as few:
        client.get(URL)
    for i in range(59):
        ReportRun.objects.create(
            year=2025,
            quarter=i % 4 + 1,
            district=f.region(f.FUTIAN) if i % 2 else None,
            status="succeeded" if i % 3 else "queued",
            xlsx="reports/2025/a.xlsx" if i % 3 else "",
            pdf="reports/2025/a.pdf" if i % 3 else "",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(URL).json()
    assert page["count"] == 60
    assert len(page["results"]) == 50
    assert page["next"].endswith("?page=2")
    assert page["previous"] is None
    assert set(page["results"][0]) == FIELDS
    assert any(row["xlsx_url"] for row in page["results"])
