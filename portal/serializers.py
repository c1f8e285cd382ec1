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


class RowOutput:
    """For a read-only serializer of plain rows (dataclasses) listed by the thousand (the
    compliance and projection APIs answer 1,000 units a page): the same output as DRF's
    ``to_representation``, field for field, from a plan of the fields' kinds made once per
    serializer, instead of DRF's generic walk through each field's methods (most of such a
    page's time). Its declared fields still make the OpenAPI schema."""

    def _output_plan(self) -> list[tuple]:
        plan = getattr(type(self), "_row_output_plan", None)
        if plan is None:
            plan = []
            for name, field in self.fields.items():
                if isinstance(field, serializers.ListSerializer):
                    kind, extra = "rows", field.child
                elif isinstance(field, serializers.DecimalField):
                    kind, extra = "decimal", field.decimal_places
                elif isinstance(field, serializers.DateField):
                    kind, extra = "date", None
                elif isinstance(field, serializers.ListField):
                    kind, extra = "list", None
                elif isinstance(field, serializers.BooleanField):
                    kind, extra = "bool", None
                elif isinstance(field, serializers.IntegerField):
                    kind, extra = "int", None
                elif isinstance(field, serializers.ChoiceField | serializers.CharField):
                    kind, extra = "str", None
                else:
                    raise TypeError(f"RowOutput has no plan for {type(field).__name__} {name!r}")
                plan.append((name, field.source, kind, extra))
            type(self)._row_output_plan = plan
        return plan

    def to_representation(self, instance) -> dict:
        output = {}
        for name, source, kind, extra in self._output_plan():
            value = getattr(instance, source)
            if value is None:
                output[name] = None
            elif kind == "decimal":
                output[name] = f"{value:.{extra}f}"
            elif kind == "rows":
                output[name] = [extra.to_representation(item) for item in value]
            elif kind == "date":
                output[name] = value.isoformat()
            elif kind == "list":
                output[name] = list(value)
            elif kind == "bool":
                output[name] = bool(value)
            elif kind == "int":
                output[name] = int(value)
            else:
                output[name] = str(value)
        return output
