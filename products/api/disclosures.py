"""The public disclosures (公示) as JSON: ``disclosures/`` (filters ``kind``, ``status``) and
``disclosures/{id}/``, no login, read-only, paginated like every list. They say what the public
page says (``products.disclosure_selectors.notice_of``) and nothing about objections.

Codes: ``kind`` is one of ``certification``, ``exit``, ``monitoring``, ``base_evaluation``;
``status`` one of ``open`` (in its period, or ended and awaiting the decision on an objection
or the nightly settling), ``effective``, ``withdrawn``.

``routes`` lists (prefix, viewset, basename) for ``products.api_urls``."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny

from portal.periods import today

from ..disclosure_selectors import Notice, disclosure_list, disclosures_public, notice_of
from ..forms.disclosures import DisclosureFilterForm
from ..models import Disclosure


def _optional(source: str, **options) -> serializers.CharField:
    """A name or code of something a disclosure may lack: null then."""
    return serializers.CharField(source=source, default=None, allow_null=True, **options)


class DisclosureSerializer(serializers.Serializer):
    """A disclosure as the public page shows it. ``supplier`` and ``region`` are an id and a
    division code, as in ``catalogue/``, with their names beside them."""

    id = serializers.IntegerField(source="disclosure.pk")
    # Codes as plain strings (listed in the module docstring): the schema's enum names "kind"
    # and "status" are taken by other components.
    kind = serializers.CharField(source="disclosure.kind")
    status = serializers.CharField(source="disclosure.status")
    subject = _optional("subject.name", help_text="The product's or base's name.")
    subject_type = serializers.CharField(help_text="`product` or `base`.")
    supplier = serializers.IntegerField(source="supplier.pk", default=None, allow_null=True)
    supplier_name = _optional("supplier.name")
    region = _optional("region.code", help_text="The division code of origin.")
    region_name = _optional("region.full_name")
    certificate = _optional(
        "certificate.number", help_text="The certificate to be issued or revoked, if any."
    )
    headline = serializers.CharField(help_text="What is disclosed, in one line.")
    summary = serializers.CharField(source="disclosure.summary")
    starts_on = serializers.DateField(source="disclosure.starts_on")
    ends_on = serializers.DateField(
        source="disclosure.ends_on", help_text="The last day for objections."
    )
    working_days = serializers.IntegerField(source="disclosure.working_days")
    working_days_left = serializers.IntegerField(
        source="days_left",
        allow_null=True,
        help_text="Working days after today until the end (0 on the last day); null once over.",
    )
    objections_open = serializers.BooleanField(source="open_for_objections")
    closed_at = serializers.DateTimeField(source="disclosure.closed_at", allow_null=True)
    takes_effect_on = serializers.DateField(
        allow_null=True,
        help_text=(
            "The day it takes effect while its period runs (the day after `ends_on`, unless an "
            "objection is upheld), or the day it took effect; null once withdrawn (see "
            "`closed_at`) or while an objection awaits a decision after the period."
        ),
    )
    url = serializers.SerializerMethodField(help_text="The public page, where one may object.")

    def get_url(self, notice: Notice) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("products:disclosure_detail", args=[notice.disclosure.pk])
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "kind", OpenApiTypes.STR, enum=[code for code, _label in Disclosure.Kind.choices]
            ),
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=[code for code, _label in Disclosure.Status.choices],
            ),
        ]
    )
)
class DisclosureViewSet(viewsets.ReadOnlyModelViewSet):
    """Published disclosures, newest first, for anyone. Credentials are not needed and not
    read, so a public client with an old token is served all the same."""

    serializer_class = DisclosureSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []
    filter_backends: list = []  # the page's own filters

    def get_queryset(self):
        as_of = today()
        if self.action != "list":
            return disclosures_public(as_of=as_of)
        form = DisclosureFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        return disclosure_list(as_of=as_of, **form.filters())

    def get_serializer(self, instance=None, *args, **kwargs):
        """Serialize each disclosure as its notice (what the public page reads)."""
        as_of = today()
        if isinstance(instance, Disclosure):
            instance = notice_of(instance, as_of=as_of)
        elif instance is not None:
            instance = [notice_of(disclosure, as_of=as_of) for disclosure in instance]
        return super().get_serializer(instance, *args, **kwargs)


routes: list[tuple] = [("disclosures", DisclosureViewSet, "disclosure")]
urlpatterns: list = []
