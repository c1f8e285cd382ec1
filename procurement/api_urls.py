from django.urls import include, path

from portal.api import Router

from .api import integrity, projection, reconciliation, returns, views

router = Router()
router.register("budget-units", views.BudgetUnitViewSet, basename="budget-unit")
router.register("declarations", views.DeclarationViewSet, basename="declaration")
router.register("procurement/records", views.RecordViewSet, basename="procurement-record")

urlpatterns = [
    path("procurement/quarters/submit/", views.QuarterSubmitView.as_view(), name="quarter-submit"),
    path("procurement/quarters/reopen/", views.QuarterReopenView.as_view(), name="quarter-reopen"),
    path("procurement/imports/", views.ImportView.as_view(), name="procurement-import"),
    path("procurement/compliance/", views.ComplianceView.as_view(), name="compliance"),
    *returns.urlpatterns,
    *integrity.urlpatterns,
    *reconciliation.urlpatterns,
    *projection.urlpatterns,
    path("", include(router.urls)),
]
