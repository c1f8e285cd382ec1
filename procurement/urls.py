from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.views import placeholder

app_name = "procurement"

CITY, DISTRICT = Role.CITY_OFFICE, Role.DISTRICT_OFFICE
CLERK, APPROVER = Role.UNIT_CLERK, Role.UNIT_APPROVER

urlpatterns = [
    path(
        "records/new/",
        placeholder(_("Log a purchase"), CLERK, summary=_("Log one purchase with its vouchers.")),
        name="record_create",
    ),
    path(
        "records/",
        placeholder(
            _("Procurement ledger"),
            CLERK,
            APPROVER,
            CITY,
            DISTRICT,
            summary=_("Every purchase logged, filterable, with totals."),
        ),
        name="ledger",
    ),
    path(
        "imports/",
        placeholder(
            _("Import from Excel"), CLERK, summary=_("Import purchases from an Excel or CSV file.")
        ),
        name="import",
    ),
    path(
        "quarters/",
        placeholder(
            _("Declarations and quarters"),
            CLERK,
            APPROVER,
            summary=_("Declare the quarter's farm-products total and submit the quarter."),
        ),
        name="quarters",
    ),
    path(
        "compliance/",
        placeholder(
            _("Quota compliance"),
            CLERK,
            APPROVER,
            CITY,
            DISTRICT,
            summary=_("Each unit's share of assistance purchases against the 30% quota."),
        ),
        name="compliance",
    ),
]
