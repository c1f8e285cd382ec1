from django.urls import include, path

from portal.api import Router

from .api import outlets, sales

router = Router()
for prefix, viewset, basename in (*outlets.routes, *sales.routes):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [path("", include(router.urls))]
