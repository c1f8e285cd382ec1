"""The procurement API's shapes (api.md): money as decimal strings, dates ISO, codes as given."""

from rest_framework import serializers

from portal.money import MONEY_MAX_DIGITS
from portal.serializers import RelatedId, RowOutput
from products.models import Product, Supplier

from ..models import BudgetUnit, Channel, Declaration, ProcurementRecord, Purpose


class BudgetUnitSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = BudgetUnit
        fields = ["id", "name", "credit_code", "district", "category"]


class RecordSerializer(serializers.ModelSerializer):
    """Output of a procurement record."""

    supplier_name = serializers.CharField(source="supplier.name", read_only=True)

    class Meta:
        model = ProcurementRecord
        fields = [
            "id",
            "budget_unit",
            "purchased_on",
            "supplier",
            "supplier_name",
            "product",
            "amount",
            "quantity",
            "unit",
            "channel",
            "purpose",
            "invoice_no",
            "status",
            "rejection_reason",
        ]
        read_only_fields = fields


class RecordInputSerializer(serializers.Serializer):
    """Input of a purchase; the rules themselves are the service's (procurement.rules)."""

    budget_unit = RelatedId(
        queryset=BudgetUnit.objects.all(),
        required=False,
        help_text="Defaults to the clerk's own unit.",
    )
    purchased_on = serializers.DateField()
    supplier = RelatedId(queryset=Supplier.objects.all())
    product = RelatedId(queryset=Product.objects.all(), required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)
    quantity = serializers.DecimalField(
        max_digits=14, decimal_places=3, required=False, allow_null=True
    )
    unit = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Channel.choices)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    invoice_no = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # A clerk picks among the suppliers and products it may read (api.md).
            from products.selectors import product_for_user, supplier_for_user

            # The rules read the supplier's and product's own columns only: no joined rows.
            self.fields["supplier"].queryset = supplier_for_user(user).select_related(None)
            self.fields["product"].queryset = product_for_user(user).select_related(None)


class DeclarationSerializer(serializers.ModelSerializer):
    budget_unit = RelatedId(queryset=BudgetUnit.objects.all())
    warning = serializers.SerializerMethodField()

    class Meta:
        model = Declaration
        fields = [
            "id",
            "budget_unit",
            "year",
            "quarter",
            "agri_total",
            "canteen_total",
            "union_welfare_total",
            "warning",
        ]
        read_only_fields = ["id", "warning"]
        # Left out of a POST, a base other than agri_total keeps its declared value.
        extra_kwargs = {
            "canteen_total": {"required": False},
            "union_welfare_total": {"required": False},
        }
        validators = []  # one declaration per quarter: the service upserts

    def get_warning(self, obj) -> str | None:
        return getattr(obj, "warning", None)


class QuarterSerializer(serializers.Serializer):
    budget_unit = RelatedId(queryset=BudgetUnit.objects.all())
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(min_value=1, max_value=4)


class ReopenSerializer(QuarterSerializer):
    reason = serializers.CharField(max_length=2000)


class SubmissionSerializer(serializers.Serializer):
    budget_unit = serializers.IntegerField(source="budget_unit_id")
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    reopened_at = serializers.DateTimeField(allow_null=True)
    reopen_reason = serializers.CharField()


class RuleStatusSerializer(RowOutput, serializers.Serializer):
    """One quota rule for one unit (``procurement.quota.RuleStatus``): ``code`` "main" (the
    main rule, the same figures as the row's api.md fields), "growth" (the year-on-year floor:
    ``base_total`` is last year's amount) or "rule-<id>" (a further rule of the year's policy).
    ``applies`` false: the unit's category is not one the rule names (``required_amount``,
    ``shortfall`` and ``meets`` null). A further rule with no base declared has ``share`` and
    ``meets`` null and nothing required; the main rule keeps api.md's ``meets_share``."""

    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["share", "growth"])
    base = serializers.ChoiceField(choices=["agri", "canteen", "union_welfare"], allow_null=True)
    ratio = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True)
    channels = serializers.ListField(child=serializers.CharField())
    categories = serializers.ListField(child=serializers.CharField())
    applies = serializers.BooleanField()
    base_total = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)
    counted_total = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)
    share = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    required_amount = serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=2, allow_null=True
    )
    shortfall = serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=2, allow_null=True
    )
    meets = serializers.BooleanField(allow_null=True)


class ComplianceSerializer(RowOutput, serializers.Serializer):
    budget_unit = serializers.IntegerField()
    name = serializers.CharField()
    district = serializers.CharField(allow_null=True)
    agri_total = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)
    assistance_total = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)
    share = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    required_share = serializers.DecimalField(max_digits=4, decimal_places=3)
    shortfall = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)
    last_year_total = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)
    meets_share = serializers.BooleanField()
    meets_growth = serializers.BooleanField()
    rules = RuleStatusSerializer(many=True)
