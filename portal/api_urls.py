from django.urls import include, path

from . import api_views
from .api import RootRouter

router = RootRouter()
router.register("regions", api_views.RegionViewSet, basename="region")

urlpatterns = [
    path("auth/token/", api_views.TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]
