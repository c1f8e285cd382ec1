from .views import finder, registry, sales

app_name = "outlets"

urlpatterns = [
    *finder.urlpatterns,
    *registry.urlpatterns,
    *sales.urlpatterns,
]
