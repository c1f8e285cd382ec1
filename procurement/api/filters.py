import django_filters
from django.db.models import Q

from portal.periods import QUARTERS, Quarter, year_bounds

from ..models import BudgetUnit, Channel, ProcurementRecord


class RecordFilter(django_filters.FilterSet):
    """api.md filters: budget_unit, year, quarter, channel, supplier, status. Year and quarter
    become date ranges, so the (budget_unit, purchased_on) index serves them."""

    year = django_filters.NumberFilter(method="filter_period", min_value=2000, max_value=2100)
    quarter = django_filters.NumberFilter(method="filter_period", min_value=1, max_value=4)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    status = django_filters.ChoiceFilter(choices=ProcurementRecord.Status.choices)

    class Meta:
        model = ProcurementRecord
        fields = ["budget_unit", "supplier", "channel", "status"]

    def filter_period(self, queryset, name, value):
        # Both parameters are read together once, whichever of them triggers the call.
        if name == "quarter" and self.form.cleaned_data.get("year") is not None:
            return queryset
        year = self.form.cleaned_data.get("year")
        quarter = self.form.cleaned_data.get("quarter")
        if quarter is not None and int(quarter) not in QUARTERS:
            return queryset.none()
        if year is not None and quarter is not None:
            period = Quarter(int(year), int(quarter))
            return queryset.filter(purchased_on__range=(period.first_day, period.last_day))
        if year is not None:
            return queryset.filter(purchased_on__range=year_bounds(int(year)))
        months = range(3 * int(quarter) - 2, 3 * int(quarter) + 1)
        return queryset.filter(Q(purchased_on__month__in=months))


class BudgetUnitFilter(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="region_id")
    category = django_filters.ChoiceFilter(choices=BudgetUnit.Category.choices)
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = BudgetUnit
        fields = ["district", "category"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(credit_code=value.strip().upper()))
