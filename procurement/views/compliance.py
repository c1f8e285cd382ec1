"""The coordination offices' compliance pages (being built)."""

from portal.models import Role
from portal.views import placeholder

compliance_page = placeholder(
    "Quota compliance",
    Role.UNIT_CLERK,
    Role.UNIT_APPROVER,
    Role.CITY_OFFICE,
    Role.DISTRICT_OFFICE,
)
compliance_export = compliance_page
quarter_reopen_page = placeholder(  # takes unit, year and quarter once built
    "Reopen a quarter", Role.CITY_OFFICE, Role.DISTRICT_OFFICE
)
