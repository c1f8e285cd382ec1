"""The quarterly reports: request a run, watch its progress, download its files."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.views import placeholder

urlpatterns = [
    path(
        "statistics/reports/",
        placeholder(
            _("Quarterly reports"),
            Role.CITY_OFFICE,
            Role.DISTRICT_OFFICE,
            summary=_("Build and download the quarterly reports."),
        ),
        name="reports",
    ),
]
