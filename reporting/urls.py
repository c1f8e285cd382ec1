from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.views import placeholder

from . import views

app_name = "reporting"

OFFICES = (Role.CITY_OFFICE, Role.DISTRICT_OFFICE)

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "statistics/dashboard/",
        placeholder(
            _("Dashboard"),
            *OFFICES,
            summary=_("The year's progress against the target, by district and region."),
        ),
        name="dashboard",
    ),
    path(
        "statistics/reports/",
        placeholder(
            _("Quarterly reports"), *OFFICES, summary=_("Build and download the quarterly reports.")
        ),
        name="reports",
    ),
]
