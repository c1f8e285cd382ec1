"""The reports API of api.md: ``reports/`` (POST ``{"year", "quarter"}`` → 202 ``{"id",
"status"}``; GET ``reports/{id}/`` → ``status``, ``xlsx_url``, ``pdf_url``).

``routes`` lists (prefix, viewset, basename) for ``reporting.api_urls``.

Fields of a run: ``id``, ``year``, ``quarter``, ``district`` (division code, null for the
whole city), ``status`` (``queued``/``running``/``succeeded``/``failed``), ``progress`` (0-100),
``attempts``, ``error``, ``checksum``, ``created_at``, ``started_at``, ``finished_at``,
``xlsx_url`` and ``pdf_url`` (absolute URLs of the scoped download views, null until the run
has succeeded). POST also takes ``district`` (city office only; a district office always gets
its own district). Asking for a report that is already queued or running answers with that
run. Offices only: anyone else gets 403; another district's run is 404.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from portal.models import Role
from portal.periods import today
from portal.permissions import HasRole

from ..models import ReportRun
from ..selectors import report_run_for_user
from ..services import report_run_request


class ReportRunSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district_id", allow_null=True, read_only=True)
    xlsx_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "year",
            "quarter",
            "district",
            "status",
            "progress",
            "attempts",
            "error",
            "checksum",
            "created_at",
            "started_at",
            "finished_at",
            "xlsx_url",
            "pdf_url",
        ]
        read_only_fields = fields

    def _url(self, run: ReportRun, name: str) -> str | None:
        if run.status != ReportRun.Status.SUCCEEDED or not getattr(run, name):
            return None
        location = reverse(f"reporting:report_{name}", args=[run.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(location) if request else location

    def get_xlsx_url(self, run: ReportRun) -> str | None:
        return self._url(run, "xlsx")

    def get_pdf_url(self, run: ReportRun) -> str | None:
        return self._url(run, "pdf")


class ReportRunRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    district = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class ReportRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Quarterly report runs: the offices request them and follow them to their files."""

    serializer_class = ReportRunSerializer
    permission_classes = [HasRole.of(Role.CITY_OFFICE, Role.DISTRICT_OFFICE)]

    def get_queryset(self):
        return report_run_for_user(self.request.user).order_by("-created_at", "-pk")

    @extend_schema(request=ReportRunRequestSerializer, responses={202: ReportRunSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ReportRunRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        run = report_run_request(
            actor=request.user,
            year=values["year"],
            quarter=values["quarter"],
            district=values.get("district") or None,
            as_of=today(),
        )
        run.refresh_from_db()  # when run eagerly (no broker) the build has already happened
        data = self.get_serializer(run).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


routes: list[tuple] = [("reports", ReportRunViewSet, "report")]
