"""Suppliers: registration, activation by the city office, and the supplier's own profile,
bases, products and photos."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.views import placeholder

urlpatterns = [
    path(
        "mine/",
        placeholder(
            _("My products and bases"),
            Role.SUPPLIER,
            summary=_("Keep your products and bases current."),
        ),
        name="my_products",
    ),
]
