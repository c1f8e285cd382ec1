"""The certification API's shapes (api.md)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.serializers import RelatedId

from ..models import (
    ApplicationDocument,
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Evaluation,
    Product,
    SupplierBase,
)


class ApplicationSerializer(serializers.ModelSerializer):
    actions = serializers.SerializerMethodField(
        help_text="The steps the caller may take on the application now."
    )

    class Meta:
        model = CertificationApplication
        fields = [
            "id",
            "supplier",
            "scheme",
            "product",
            "base",
            "status",
            "renews",
            "standard_claimed",
            "poverty_link",
            "households",
            "submitted_at",
            "decided_at",
            "decision_comment",
            "actions",
        ]
        read_only_fields = fields

    def get_actions(self, obj) -> list[str]:
        from ..services.applications import allowed_actions

        return allowed_actions(obj, self.context["request"].user)


class ApplicationInputSerializer(serializers.Serializer):
    scheme = RelatedId(queryset=CertificationScheme.objects.all())
    product = RelatedId(queryset=Product.objects.all(), required=False, allow_null=True)
    base = RelatedId(queryset=SupplierBase.objects.all(), required=False, allow_null=True)
    standard_claimed = serializers.CharField(max_length=128, required=False, allow_blank=True)
    poverty_link = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    households = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationDocument
        fields = ["id", "kind", "file", "original_name", "content_type", "size", "sha256"]
        read_only_fields = ["id", "original_name", "content_type", "size", "sha256"]
        extra_kwargs = {"file": {"write_only": True}}


class EvaluationSerializer(serializers.ModelSerializer):
    """An on-site evaluation: ``score`` (0–100) alone, or ``items`` (checklist item code →
    points, every item of the scheme's checklist) whose sum becomes the score."""

    score = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    items = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2),
        required=False,
        help_text="Points per checklist item code (products.reference_data.CHECKLISTS).",
    )

    class Meta:
        model = Evaluation
        fields = ["id", "evaluated_on", "score", "findings", "items"]
        read_only_fields = ["id"]

    def validate(self, attrs):
        if attrs.get("score") is None and not attrs.get("items"):
            raise serializers.ValidationError(
                {"score": _("Give the score or the checklist items.")}
            )
        return attrs


class ApplicationUpdateSerializer(serializers.Serializer):
    """What the supplier may change on its draft or returned application."""

    standard_claimed = serializers.CharField(max_length=128, required=False, allow_blank=True)
    poverty_link = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    households = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000)


class CertificateSerializer(serializers.ModelSerializer):
    scheme = serializers.CharField(source="scheme_id")

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "scheme",
            "supplier",
            "product",
            "base",
            "valid_from",
            "valid_until",
            "status",
            "renews",
        ]
        read_only_fields = fields
