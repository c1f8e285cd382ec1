"""The help pages (issue 11): /help/ with the guide of the signed-in member's role (the
public's for anyone else), /help/<guide>/ with one guide to print on one A4 page, and the end
of the home page's guided tour.

The guides are open to everyone, signed in or not: they explain the portal and hold nothing
of anyone's, and a unit can hand a new clerk the clerk's guide before the account exists."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .guides.parts import PUBLIC_GUIDE, Guide
from .help import GUIDE_KEYS, guide_for, guide_titles, tour_done
from .models import Role
from .periods import today
from .permissions import role_required
from .roles import actor_of

# The header tour.js sends with its fetch: the answer is then an empty 204, not a page.
FETCH_HEADER = "X-Requested-With"
FETCH_VALUE = "fetch"


def _task_links(guide: Guide, own_guide: str) -> list[str]:
    """Each task's page, linked only where the reader may open it: in their own guide and in
    the public's (another role's pages would answer 403)."""
    if guide.key not in (own_guide, PUBLIC_GUIDE):
        return ["" for _task in guide.tasks]
    return [reverse(task.url_name) if task.url_name else "" for task in guide.tasks]


def _render_guide(request: HttpRequest, key: str, *, on_help_page: bool) -> HttpResponse:
    actor = actor_of(request.user)
    own_guide = actor.role or PUBLIC_GUIDE
    guide = guide_for(key, city=settings.PORTAL_CITY_NAME, as_of=today())
    if guide is None:
        raise Http404
    return render(
        request,
        "portal/help/guide.html",
        {
            "guide": guide,
            "tasks": list(zip(guide.tasks, _task_links(guide, own_guide), strict=True)),
            "on_help_page": on_help_page,
            "other_guides": [(k, label) for k, label in guide_titles() if k != key],
            "may_replay_tour": actor.is_member,
        },
    )


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    """The reader's own guide: their role's, or the public's."""
    return _render_guide(request, actor_of(request.user).role or PUBLIC_GUIDE, on_help_page=True)


@require_GET
def help_guide(request: HttpRequest, guide: str) -> HttpResponse:
    """One guide, laid out to print on one A4 page."""
    if guide not in GUIDE_KEYS:
        raise Http404
    return _render_guide(request, guide, on_help_page=False)


@role_required(*Role)
@require_POST
def help_tour_done(request: HttpRequest) -> HttpResponse:
    """The member finished or skipped the guided tour: tour.js tells it with a fetch, the
    "Got it" button of the page without JavaScript with a form."""
    tour_done(actor=request.user, now=timezone.now())
    if request.headers.get(FETCH_HEADER) == FETCH_VALUE:
        return HttpResponse(status=204)
    messages.success(request, _("The guided tour is done. Replay it from Help at any time."))
    return redirect("reporting:home")
