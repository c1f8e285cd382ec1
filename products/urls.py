from .views import applications, catalogue, certificates, suppliers

app_name = "products"

urlpatterns = [
    *catalogue.urlpatterns,
    *suppliers.urlpatterns,
    *applications.urlpatterns,
    *certificates.urlpatterns,
]
