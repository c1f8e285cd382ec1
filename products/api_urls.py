from django.urls import include, path

from portal.api import Router

from .api import catalogue, oversight, suppliers, views

router = Router()
router.register(
    "certifications/applications", views.ApplicationViewSet, basename="certification-application"
)
router.register("certifications/certificates", views.CertificateViewSet, basename="certificate")
for prefix, viewset, basename in (*suppliers.routes, *catalogue.routes, *oversight.routes):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [path("", include(router.urls))]
