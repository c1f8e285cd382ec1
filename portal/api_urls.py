from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import api_views

router = DefaultRouter()
router.register("regions", api_views.RegionViewSet, basename="region")

urlpatterns = [
    path("auth/token/", api_views.TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]
