from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.views import placeholder

app_name = "outlets"

urlpatterns = [
    path(
        "",
        placeholder(
            _("Outlet finder"),
            public=True,
            summary=_("Find a counter, hall, zone or centre near you."),
        ),
        name="finder",
    ),
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
