"""Property-based tests of the whole API against its own OpenAPI schema (schemathesis).

Every operation of ``/api/schema/`` is called with generated requests, valid and invalid, as
each signed-in role and anonymously, against the fixture world of the authorisation matrix (one
object of each kind). Whatever comes in, the portal must answer without a server error, and
every answer it documents must match the schema: fields, types, nullability, content type.
The run is bounded (a few examples per operation and role) and seeded, so it is repeatable.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from .world import PERSONA

# Per operation and role: enough to send every field an odd value, few enough for CI.
EXAMPLES = 6
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
ROLES = ("anonymous", "city_office", "district_office", "unit_clerk", "supplier", "reviewer")


# Read once, at collection, from the running application's own /api/schema/ (no database).
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}


@pytest.fixture
def keep_test_connection():
    """The calls go through Django's real WSGI handler, which closes the database connection
    at the end of each request; keep it open, as Django's test client does, so every call runs
    inside the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def headers_by_role(request, world):
    """Each role's request headers: none for anonymous, a DRF token for the others."""
    headers = {"anonymous": {}}
    for role in ROLES[1:]:
        user = request.getfixturevalue(PERSONA[role])
        token, _created = Token.objects.get_or_create(user=user)
        headers[role] = {"Authorization": f"Token {token.key}"}
    return headers


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_server_error_and_no_schema_violation(label, headers_by_role, keep_test_connection):
    @given(case=OPERATIONS[label].as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def every_role_calls(case):
        for headers in headers_by_role.values():
            case.call_and_validate(headers=headers, checks=CHECKS)

    every_role_calls()
