from django.urls import include, path

from portal.api import Router

from .api import catalogue, disclosures, evaluation, oversight, suppliers, views

router = Router()
router.register(
    "certifications/applications", views.ApplicationViewSet, basename="certification-application"
)
router.register("certifications/certificates", views.CertificateViewSet, basename="certificate")
for prefix, viewset, basename in (
    *suppliers.routes,
    *catalogue.routes,
    *oversight.routes,
    *evaluation.routes,
    *disclosures.routes,
):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    *evaluation.urlpatterns,
    *disclosures.urlpatterns,
    path("", include(router.urls)),
]
