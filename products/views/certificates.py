"""Certificates (list, page, printable PDF) and the city office's dynamic exit (动态退出) and
monitoring of certificates, products and bases."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.views import placeholder

urlpatterns = [
    path(
        "certificates/",
        placeholder(
            _("Certificates"),
            Role.SUPPLIER,
            Role.REVIEWER,
            Role.CITY_OFFICE,
            Role.DISTRICT_OFFICE,
            summary=_("Certificates issued, with their validity."),
        ),
        name="certificates",
    ),
]
