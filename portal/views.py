"""The shell of the site: sign-in, the placeholder for pages later work builds, health."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from .models import Role
from .notifications import notification_for_user, notifications_mark_read
from .permissions import role_required

NOTIFICATION_PAGE_SIZE = 30


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lock-out check, first of AUTHENTICATION_BACKENDS.

    Every sign-in a person makes (the sign-in page, the admin, the API token endpoint) passes
    its request and is counted. A call from code with no request (a management command, a
    shell, the test client's ``login``) has no client to throttle and is let through to the
    password check instead of failing: an outside caller can never make such a call."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        # DRF's token view passes its own Request: check (and flag) the Django request under
        # it, which AxesMiddleware looks at to answer with the lock-out.
        request = getattr(request, "_request", request)
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            # Axes flags only the first refusal (attempts during the lock restart the cool-off
            # and are flagged by its signal handler, on DRF's wrapper): flag every one here.
            request.axes_locked_out = True
            raise


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address sign-in failures are counted against.

    With ``PORTAL_PROXY_COUNT`` trusted proxies in front, the entry the outermost one appended to
    X-Forwarded-For (entries further left were written by the client and are ignored)."""
    count = settings.PORTAL_PROXY_COUNT
    if count:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the answer to a sign-in while its username and address are
    locked out, a JSON error for the API and the sign-in page with the reason otherwise."""
    message = gettext("Too many failed sign-in attempts. Try again in %(minutes)s minutes.") % {
        "minutes": lockout_minutes()
    }
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    form = AuthenticationForm(request, data=None)
    form.initial = {"username": (credentials or {}).get("username", "")}
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": message, "next": request.POST.get("next", "")},
        status=status,
    )


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password: Django's validators apply, and every other session of the
    user ends (the session hash changes; this one is kept by update_session_auth_hash)."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


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
