"""RowOutput (portal/serializers.py) answers exactly what DRF's generic serializer would for
the rows of the compliance and projection APIs, only faster."""

import copy
import datetime
from decimal import Decimal

import pytest
from rest_framework import serializers

from portal.serializers import RowOutput
from procurement.api.projection import ProjectionSerializer
from procurement.api.serializers import ComplianceSerializer
from procurement.projection import projection_rows
from procurement.selectors import compliance_rows
from tests import factories as f

pytestmark = pytest.mark.django_db


def generic(serializer_class):
    """The same fields in a plain DRF serializer (nested ones too): DRF's own output."""
    assert issubclass(serializer_class, RowOutput)
    fields = {}
    for name, field in serializer_class._declared_fields.items():
        if isinstance(field, serializers.ListSerializer):
            fields[name] = generic(type(field.child))(many=True)
        else:
            fields[name] = copy.deepcopy(field)
    return type("Generic" + serializer_class.__name__, (serializers.Serializer,), fields)


def test_the_compliance_rows_come_out_as_drf_would_write_them(city_officer, unit_a, unit_b):
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=1, agri_total=Decimal("1000.5"))
    f.RecordFactory(
        budget_unit=unit_a, amount=Decimal("300.25"), purchased_on=datetime.date(2026, 2, 1)
    )
    f.RecordFactory(budget_unit=unit_b, amount=Decimal("7"), purchased_on=datetime.date(2025, 2, 1))
    rows = compliance_rows(user=city_officer, year=2026)
    assert any(row.rules for row in rows)
    fast = ComplianceSerializer(rows, many=True).data
    slow = serializers.ListSerializer(child=generic(ComplianceSerializer)(), instance=rows).data
    assert [dict(row) for row in fast] == [dict(row) for row in slow]
    assert fast[0]["rules"] and all(isinstance(rule, dict) for rule in fast[0]["rules"])


def test_the_projection_rows_come_out_as_drf_would_write_them(city_officer, unit_a):
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=1, agri_total=Decimal("5000"))
    f.RecordFactory(
        budget_unit=unit_a, amount=Decimal("99.99"), purchased_on=datetime.date(2026, 3, 2)
    )
    rows = projection_rows(user=city_officer, year=2026, as_of=datetime.date(2026, 8, 15))
    fast = ProjectionSerializer(rows, many=True).data
    slow = serializers.ListSerializer(child=generic(ProjectionSerializer)(), instance=rows).data
    assert [dict(row) for row in fast] == [dict(row) for row in slow]
    assert fast[0]["as_of"] == "2026-08-15"
