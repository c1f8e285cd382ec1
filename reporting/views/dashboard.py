"""The coordination offices' dashboards: the year's progress against the targets, where the
money went, compliance, outlets and certified products; each figure a chart, a table and an
export."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.views import placeholder

urlpatterns = [
    path(
        "statistics/dashboard/",
        placeholder(
            _("Dashboard"),
            Role.CITY_OFFICE,
            Role.DISTRICT_OFFICE,
            summary=_("The year's progress against the target, by district and region."),
        ),
        name="dashboard",
    ),
]
