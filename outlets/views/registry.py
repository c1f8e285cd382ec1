"""The offices' outlet registry: register, edit, inspect, suspend, reinstate and exit outlets,
with counts by kind and district and an Excel export."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.views import placeholder

urlpatterns = [
    path(
        "manage/",
        placeholder(
            _("Outlet registry"),
            Role.CITY_OFFICE,
            Role.DISTRICT_OFFICE,
            summary=_("Register, inspect and exit outlets."),
        ),
        name="manage",
    ),
]
