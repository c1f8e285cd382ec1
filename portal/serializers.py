from rest_framework import serializers

from .models import Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


# The largest id a row can have (PostgreSQL's bigint, SQLite's INTEGER).
MAX_ROW_ID = 2**63 - 1


class RelatedId(serializers.PrimaryKeyRelatedField):
    """A related row by its id. An id no column can hold names no row: it gets the field's
    "does not exist" message (400), not a database error on the lookup (500)."""

    def to_internal_value(self, data):
        try:
            too_large = abs(int(str(data))) > MAX_ROW_ID
        except (TypeError, ValueError):
            too_large = False
        if too_large:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)
