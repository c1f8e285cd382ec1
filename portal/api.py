"""The one DRF exception handler: ApplicationError and Django's ValidationError become 400s
in DRF's ``{field: [messages]}`` shape."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter, SimpleRouter
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, ApplicationError):
        exc = exceptions.ValidationError({"non_field_errors": [exc.message], **exc.extra})
    return drf_exception_handler(exc, context)


# A database id is a positive integer below PostgreSQL's bigint limit (19 digits); 18 digits
# keep every accepted id in range, so an absurd id is a 404 from the URL resolver, never a
# query (SQLite cannot even bind it).
ID_PATTERN = r"[0-9]{1,18}"


class IdRoutes:
    """Router mixin: detail routes looked up by ``pk`` accept only ids of ``ID_PATTERN``; a
    viewset with its own ``lookup_value_regex`` (e.g. regions by division code) keeps it."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        if lookup_field == "pk" and getattr(viewset, "lookup_value_regex", None) is None:
            kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
            return f"(?P<{lookup_prefix}{kwarg}>{ID_PATTERN})"
        return super().get_lookup_regex(viewset, lookup_prefix)


class Router(IdRoutes, SimpleRouter):
    """The apps' API router."""


class RootRouter(IdRoutes, DefaultRouter):
    """The router that also serves the API root."""


def file_refused(message: str) -> Response:
    """An import's 400 for a file refused as a whole (too large, say), in api.md's shape of an
    import's errors: nothing created, one problem on its first row."""
    return Response(
        {"created": 0, "errors": [{"row": 1, "column": "", "message": message}]},
        status=status.HTTP_400_BAD_REQUEST,
    )
