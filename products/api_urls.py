from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api import views

router = SimpleRouter()
router.register(
    "certifications/applications", views.ApplicationViewSet, basename="certification-application"
)
router.register("certifications/certificates", views.CertificateViewSet, basename="certificate")

urlpatterns = [path("", include(router.urls))]
