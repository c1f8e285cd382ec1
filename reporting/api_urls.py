from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api import dashboard, reports

router = SimpleRouter()
for prefix, viewset, basename in reports.routes:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [*dashboard.urlpatterns, path("", include(router.urls))]
