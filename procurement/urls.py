from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.views import placeholder

from . import views

app_name = "procurement"

CITY, DISTRICT = Role.CITY_OFFICE, Role.DISTRICT_OFFICE
CLERK, APPROVER = Role.UNIT_CLERK, Role.UNIT_APPROVER

urlpatterns = [
    path("records/new/", views.record_create, name="record_create"),
    path("records/", views.ledger, name="ledger"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/delete/", views.record_delete, name="record_delete"),
    path("records/supplier-products/", views.supplier_products, name="supplier_products"),
    path("vouchers/<int:pk>/", views.voucher_download, name="voucher_download"),
    path(
        "imports/",
        placeholder(
            _("Import from Excel"), CLERK, summary=_("Import purchases from an Excel or CSV file.")
        ),
        name="import",
    ),
    path("quarters/", views.quarters, name="quarters"),
    path(
        "quarters/<int:year>/<int:quarter>/submit/",
        views.quarter_submit_confirm,
        name="quarter_submit",
    ),
    path(
        "compliance/",
        placeholder(
            _("Quota compliance"),
            CLERK,
            APPROVER,
            CITY,
            DISTRICT,
            summary=_("Each unit's share of assistance purchases against the 30% quota."),
        ),
        name="compliance",
    ),
]
