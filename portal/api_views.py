"""The API of the shared core: sign-in tokens and regions."""

import django_filters
from rest_framework import viewsets
from rest_framework.authtoken.views import ObtainAuthToken

from .selectors import region_for_user
from .serializers import RegionSerializer


class TokenView(ObtainAuthToken):
    """POST ``username`` and ``password`` → ``{"token": …}``."""


class RegionFilter(django_filters.FilterSet):
    level = django_filters.CharFilter()
    parent = django_filters.CharFilter(field_name="parent_id")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"

    def get_queryset(self):
        return region_for_user(self.request.user).order_by("code")
