"""What the procurement pages share: the roles that read them and the acting user's unit."""

from django.http import Http404

from portal.models import Role

from ..models import BudgetUnit
from ..selectors import own_budget_unit

CITY, DISTRICT = Role.CITY_OFFICE, Role.DISTRICT_OFFICE
CLERK, APPROVER = Role.UNIT_CLERK, Role.UNIT_APPROVER
READERS = (CLERK, APPROVER, CITY, DISTRICT)


def own_unit_or_404(user) -> BudgetUnit:
    unit = own_budget_unit(user)
    if unit is None:
        raise Http404
    return unit
