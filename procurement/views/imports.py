"""The clerk's import page (being built)."""

from portal.models import Role
from portal.views import placeholder

import_page = placeholder("Import from Excel", Role.UNIT_CLERK)
import_template = import_page
