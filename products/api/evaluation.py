"""The base evaluations over the API (read), on the selectors of the pages.

- ``base-evaluations/``: GET the evaluations the caller may read (a supplier its own bases',
  offices and reviewers all), filters ``year``, ``category``, ``status``, ``base``; each with
  its stage, scores and rank within its year and category (by final score among the public
  results, ties share a rank); ``experts`` (the drawn experts and their scores) is ``null``
  for a supplier, who is not told who evaluated it; ``actions`` lists the steps the caller
  may take now.
- ``base-evaluations/{id}/``: one of them; 404 for one the caller may not read.

Status codes: ``applied``, ``material_review``, ``site_verification``, ``result_review``,
``in_disclosure``, ``published``, ``not_passed``, ``withdrawn``.

``routes`` lists (prefix, viewset, basename) for ``products.api_urls``; ``urlpatterns`` is
for plain API views (none)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets

from ..evaluation_selectors import assignments_prefetch, evaluation_list, experts_visible
from ..models import BaseEvaluation, ExpertAssignment, ProductCategory
from ..services.base_evaluation import allowed_actions


class DrawnExpertSerializer(serializers.ModelSerializer):
    expert = serializers.CharField(source="expert.name")
    organisation = serializers.CharField(source="expert.organisation")

    class Meta:
        model = ExpertAssignment
        fields = ["position", "expert", "organisation", "conflict_declared", "score"]
        read_only_fields = fields


class BaseEvaluationSerializer(serializers.ModelSerializer):
    base_name = serializers.CharField(source="base.name")
    supplier = serializers.IntegerField(source="base.supplier_id")
    supplier_name = serializers.CharField(source="base.supplier.name")
    category = serializers.ChoiceField(choices=ProductCategory.choices)
    # A plain string (the codes are listed in the module docstring): the schema's enum name of
    # "status" is taken by other components.
    status = serializers.CharField(help_text="The stage's code.")
    stage = serializers.CharField(source="get_status_display", help_text="The stage, in words.")
    rank = serializers.IntegerField(
        allow_null=True,
        help_text="Rank within the year and category by final score among the results in "
        "disclosure or published (a result in review takes the rank it would have among them); "
        "ties share a rank. Null before the result review.",
    )
    experts = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = BaseEvaluation
        fields = [
            "id",
            "base",
            "base_name",
            "supplier",
            "supplier_name",
            "year",
            "category",
            "status",
            "stage",
            "self_score",
            "material_score",
            "expert_score",
            "monitoring_deduction",
            "final_score",
            "rank",
            "site_verified_on",
            "draw_seed",
            "experts",
            "actions",
            "applied_at",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(DrawnExpertSerializer(many=True, allow_null=True))
    def get_experts(self, obj) -> list[dict] | None:
        if not self.context.get("experts_visible"):
            return None
        return DrawnExpertSerializer(obj.assignments.all(), many=True).data

    def get_actions(self, obj) -> list[str]:
        return allowed_actions(obj, self.context["request"].user)


class BaseEvaluationFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter()
    category = django_filters.ChoiceFilter(choices=ProductCategory.choices)
    status = django_filters.ChoiceFilter(choices=BaseEvaluation.Status.choices)

    class Meta:
        model = BaseEvaluation
        fields = ["year", "category", "status", "base"]


class BaseEvaluationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The yearly evaluations of the supplier bases (菜篮子基地), with rank and stage."""

    serializer_class = BaseEvaluationSerializer
    filterset_class = BaseEvaluationFilter

    def _experts_visible(self) -> bool:
        return experts_visible(self.request.user)

    def get_queryset(self):
        qs = evaluation_list(user=self.request.user)
        if self._experts_visible():
            qs = qs.prefetch_related(assignments_prefetch())
        return qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "experts_visible": self._experts_visible()}


routes: list[tuple] = [
    ("base-evaluations", BaseEvaluationViewSet, "base-evaluation"),
]
urlpatterns: list = []
