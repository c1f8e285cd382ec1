"""The shell of the site: sign-in, the placeholder for pages later work builds, health."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from .models import Role
from .notifications import notification_for_user, notifications_mark_read
from .permissions import role_required

NOTIFICATION_PAGE_SIZE = 30


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


@role_required(*Role)
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """The signed-in user's notifications, newest first, unread ones marked."""
    mine = notification_for_user(request.user)
    page = Paginator(mine, NOTIFICATION_PAGE_SIZE).get_page(request.GET.get("page"))
    unread = mine.filter(read_at__isnull=True).count()
    return render(request, "portal/notifications.html", {"page": page, "unread": unread})


@role_required(*Role)
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and follow its link (a local one only)."""
    notification = notification_for_user(request.user).filter(pk=pk).first()
    if notification is None:
        return redirect("notifications")
    notifications_mark_read(user=request.user, ids=[notification.pk])
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(link)
    return redirect("notifications")


@role_required(*Role)
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return redirect("notifications")
