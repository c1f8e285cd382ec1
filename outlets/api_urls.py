from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api import outlets, sales

router = SimpleRouter()
for prefix, viewset, basename in (*outlets.routes, *sales.routes):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [path("", include(router.urls))]
