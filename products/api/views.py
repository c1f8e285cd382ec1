"""The certification API of api.md, on the same services and scoped selectors as the pages."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from portal.periods import today
from portal.roles import actor_of

from ..models import Supplier
from ..selectors import application_for_user, certificate_for_user
from ..services import application_documents, renewal, review
from ..services import applications as services
from . import serializers as s


class ApplicationViewSet(
    mixins.ListModelMixin,
    mixins.UpdateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Certification applications: suppliers draft and submit their own; reviewers review,
    evaluate and decide. ``actions`` lists the steps the caller may take now."""

    serializer_class = s.ApplicationSerializer
    filterset_fields = ["scheme", "status", "supplier"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return application_for_user(self.request.user).order_by("-created_at", "-pk")

    def _respond(self, application, code=status.HTTP_200_OK):
        application.refresh_from_db()
        return Response(self.get_serializer(application).data, status=code)

    @extend_schema(request=s.ApplicationInputSerializer, responses={201: s.ApplicationSerializer})
    def create(self, request, *args, **kwargs):
        values = s.ApplicationInputSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        actor = actor_of(request.user)
        supplier = Supplier.objects.filter(pk=actor.organisation_id).first()
        if not actor.is_supplier or supplier is None:
            raise PermissionDenied(_("Only a supplier may apply."))
        application = services.application_create(
            actor=request.user, supplier=supplier, **values.validated_data
        )
        return self._respond(application, status.HTTP_201_CREATED)

    @extend_schema(request=s.ApplicationUpdateSerializer, responses={200: s.ApplicationSerializer})
    def partial_update(self, request, *args, **kwargs):
        """The supplier completes its draft, or an application returned for more material."""
        values = s.ApplicationUpdateSerializer(data=request.data, partial=True)
        values.is_valid(raise_exception=True)
        application = self.get_object()
        current = {
            "standard_claimed": application.standard_claimed,
            "poverty_link": application.poverty_link,
            "households": application.households,
        }
        return self._respond(
            services.application_update(
                actor=request.user, application=application, **{**current, **values.validated_data}
            )
        )

    @extend_schema(request=s.DocumentSerializer, responses={201: s.DocumentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request, pk=None):
        values = s.DocumentSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        document = application_documents.application_document_add(
            actor=request.user,
            application=self.get_object(),
            kind=values.validated_data["kind"],
            file=values.validated_data["file"],
        )
        return Response(s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._respond(
            services.application_submit(actor=request.user, application=self.get_object())
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._respond(
            services.application_withdraw(actor=request.user, application=self.get_object())
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._respond(
            review.application_review(actor=request.user, application=self.get_object())
        )

    @extend_schema(request=s.ReturnSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_material(self, request, pk=None):
        values = s.ReturnSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        return self._respond(
            review.application_return(
                actor=request.user,
                application=self.get_object(),
                request=values.validated_data["comment"],
            )
        )

    @extend_schema(request=s.EvaluationSerializer, responses={201: s.EvaluationSerializer})
    @action(detail=True, methods=["post"])
    def evaluations(self, request, pk=None):
        values = s.EvaluationSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        evaluation = review.evaluation_record(
            actor=request.user,
            application=self.get_object(),
            as_of=today(),
            **values.validated_data,
        )
        return Response(s.EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        values = s.DecisionSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        application = self.get_object()
        certificate = review.application_decide(
            actor=request.user,
            application=application,
            as_of=today(),
            **values.validated_data,
        )
        application.refresh_from_db()
        body = self.get_serializer(application).data
        body["certificate"] = s.CertificateSerializer(certificate).data if certificate else None
        return Response(body)


class CertificateViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CertificateSerializer
    filterset_fields = ["scheme", "status", "supplier", "product", "base"]

    def get_queryset(self):
        return certificate_for_user(self.request.user).order_by("-valid_from", "number")

    @extend_schema(request=None, responses={201: s.ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        """The holder opens the certificate's renewal (续证): a draft application pre-filled
        from the last approved one, its documents carried over; complete and submit it."""
        application = renewal.renewal_open(
            actor=request.user, certificate=self.get_object(), as_of=today()
        )
        return Response(
            s.ApplicationSerializer(application, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
