"""Home pages per role, and the coordination offices' statistics pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from portal.periods import today
from portal.roles import actor_of

from ..selectors import home_figures


def home(request: HttpRequest) -> HttpResponse:
    """The public landing page, or the signed-in member's home for their role."""
    actor = actor_of(request.user)
    if not actor.is_member:
        return render(request, "portal/home_public.html")
    figures = home_figures(user=request.user, as_of=today())
    return render(request, "portal/home.html", {"figures": figures})


urlpatterns = [path("", home, name="home")]
