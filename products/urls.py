from .views import (
    applications,
    catalogue,
    certificates,
    disclosures,
    evaluation,
    oversight,
    renewal,
    steps,
    suppliers,
    trace,
)

app_name = "products"

urlpatterns = [
    *catalogue.urlpatterns,
    *suppliers.urlpatterns,
    *applications.urlpatterns,
    *steps.urlpatterns,
    *certificates.urlpatterns,
    *oversight.urlpatterns,
    *evaluation.urlpatterns,
    *renewal.urlpatterns,
    *disclosures.urlpatterns,
    *trace.urlpatterns,
]
