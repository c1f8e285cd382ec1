"""Certification applications: the supplier's drafts and submissions, the reviewers' queue,
evaluations, requests for more material and decisions."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.views import placeholder

urlpatterns = [
    path(
        "applications/",
        placeholder(
            _("Applications"),
            Role.SUPPLIER,
            Role.REVIEWER,
            Role.CITY_OFFICE,
            summary=_("Certification applications and their review."),
        ),
        name="applications",
    ),
]
