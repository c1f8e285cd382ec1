"""The shell of the site: sign-in, the placeholder for pages later work builds, health."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .models import Role
from .permissions import role_required


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def placeholder(title: str, *roles: Role, public: bool = False, summary: str = ""):
    """A page whose journey a later release builds: it already sits in the navigation,
    answers with the right status for each role, and says what it will hold."""

    def view(request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "portal/placeholder.html",
            {"title": title, "summary": summary},
        )

    return view if public else role_required(*roles)(view)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(
        request,
        "403.html",
        {
            "message": _(
                "The form expired or was sent from elsewhere. Reload the page and try again."
            )
        },
        status=403,
    )
