from django.urls import include, path

from portal.api import Router

from .api import dashboard, reports

router = Router()
for prefix, viewset, basename in reports.routes:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [*dashboard.urlpatterns, path("", include(router.urls))]
