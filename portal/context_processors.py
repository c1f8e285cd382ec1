from django.conf import settings

from .navigation import navigation_for
from .roles import actor_of


def portal(request):
    """The header's and the left navigation's data, for every template."""
    actor = actor_of(getattr(request, "user", None))
    return {
        "portal_city_name": settings.PORTAL_CITY_NAME,
        "actor": actor,
        "navigation": navigation_for(actor, getattr(request, "resolver_match", None)),
    }
