"""The public catalogue (名库): listed products holding a valid certificate, for everyone."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.views import placeholder

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
]
