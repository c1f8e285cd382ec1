"""The public outlet finder: active outlets by district and kind, each with its page and what
it carries, and a map where coordinates are known."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.views import placeholder

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
]
