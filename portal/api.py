"""The one DRF exception handler: ApplicationError and Django's ValidationError become 400s
in DRF's ``{field: [messages]}`` shape."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, ApplicationError):
        exc = exceptions.ValidationError({"non_field_errors": [exc.message], **exc.extra})
    return drf_exception_handler(exc, context)
