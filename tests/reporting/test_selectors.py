import pytest

from reporting.models import ReportRun
from reporting.selectors import report_run_for_user
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_report_runs_are_scoped(city_officer, district_officer, clerk):
    city_run = ReportRun.objects.create(year=2026, quarter=1)
    futian_run = ReportRun.objects.create(year=2026, quarter=1, district=f.region(f.FUTIAN))
    ReportRun.objects.create(year=2026, quarter=1, district=f.region(f.NANSHAN))
    assert report_run_for_user(city_officer).count() == 3
    assert list(report_run_for_user(district_officer)) == [futian_run]
    assert not report_run_for_user(clerk).exists()
    assert city_run in report_run_for_user(city_officer)
