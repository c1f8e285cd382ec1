from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.views import placeholder

app_name = "products"

CITY, DISTRICT, SUPPLIER, REVIEWER = (
    Role.CITY_OFFICE,
    Role.DISTRICT_OFFICE,
    Role.SUPPLIER,
    Role.REVIEWER,
)

urlpatterns = [
    path(
        "catalogue/",
        placeholder(
            _("Product catalogue"),
            public=True,
            summary=_("Certified assistance products, searchable by anyone."),
        ),
        name="catalogue",
    ),
    path(
        "mine/",
        placeholder(
            _("My products and bases"), SUPPLIER, summary=_("Keep your products and bases current.")
        ),
        name="my_products",
    ),
    path(
        "applications/",
        placeholder(
            _("Applications"),
            SUPPLIER,
            REVIEWER,
            CITY,
            summary=_("Certification applications and their review."),
        ),
        name="applications",
    ),
    path(
        "certificates/",
        placeholder(
            _("Certificates"),
            SUPPLIER,
            REVIEWER,
            CITY,
            DISTRICT,
            summary=_("Certificates issued, with their validity."),
        ),
        name="certificates",
    ),
]
