from django.urls import path

from portal.models import Role

from .views import (
    compliance,
    imports,
    integrity,
    projection,
    quarter_summary,
    reconciliation,
    returns,
)
from .views import records as views

app_name = "procurement"

CITY, DISTRICT = Role.CITY_OFFICE, Role.DISTRICT_OFFICE
CLERK, APPROVER = Role.UNIT_CLERK, Role.UNIT_APPROVER

urlpatterns = [
    path("records/new/", views.record_create, name="record_create"),
    path("records/", views.ledger, name="ledger"),
    path("records/export.xlsx", views.ledger_export, name="ledger_export"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/delete/", views.record_delete, name="record_delete"),
    path("records/supplier-products/", views.supplier_products, name="supplier_products"),
    path("vouchers/<int:pk>/", views.voucher_download, name="voucher_download"),
    path("imports/", imports.import_page, name="import"),
    path("imports/template.xlsx", imports.import_template, name="import_template"),
    path("quarters/", views.quarters, name="quarters"),
    path(
        "quarters/<int:year>/<int:quarter>/submit/",
        views.quarter_submit_confirm,
        name="quarter_submit",
    ),
    path("compliance/", compliance.compliance_page, name="compliance"),
    path("compliance/export.xlsx", compliance.compliance_export, name="compliance_export"),
    path(
        "quarters/<int:unit>/<int:year>/<int:quarter>/reopen/",
        compliance.quarter_reopen_page,
        name="quarter_reopen",
    ),
]
urlpatterns += returns.urlpatterns
urlpatterns += integrity.urlpatterns
urlpatterns += reconciliation.urlpatterns
urlpatterns += projection.urlpatterns
urlpatterns += quarter_summary.urlpatterns
