from .views import applications, catalogue, certificates, oversight, steps, suppliers

app_name = "products"

urlpatterns = [
    *catalogue.urlpatterns,
    *suppliers.urlpatterns,
    *applications.urlpatterns,
    *steps.urlpatterns,
    *certificates.urlpatterns,
    *oversight.urlpatterns,
]
