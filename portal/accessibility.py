"""The accessibility toolbar (issue 11, GB/T 37668 无障碍): larger text in two steps and a
high-contrast theme, chosen in the thin bar above every page's header and remembered in the
``portal_a11y`` cookie for a year.

The server reads the cookie, so a page is rendered with its classes already on ``<html>``
(no flash of the normal look before a script could set them). ``static/js/a11y-toolbar.js``
switches the classes and writes the cookie in place; without JavaScript the toolbar's buttons
post to :func:`accessibility_set`, which writes the same cookie and sends the reader back.

The cookie's value is ``text:1|contrast:1`` (``|`` and ``:`` need no quoting in a cookie, so
the script and Django write the same bytes). It is parsed defensively: anything unknown is
ignored, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

COOKIE_NAME = "portal_a11y"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60  # one year, as the toolbar promises to remember
# Far longer than any valid value ("text:2|contrast:1"): a larger cookie is not ours.
COOKIE_MAX_LENGTH = 64
TEXT_STEPS = 2  # 112.5% and 125% of the normal size (portal.css)
TEXT_SIZES = {1: "112.5%", 2: "125%"}


@dataclass(frozen=True)
class Preferences:
    """What the reader chose: a text step (0 normal, 1 or 2 larger) and high contrast."""

    text: int = 0
    contrast: bool = False

    @property
    def html_class(self) -> str:
        """The classes of the page's ``<html>`` element (portal.css styles them)."""
        classes = []
        if self.text:
            classes.append(f"a11y-text-{self.text}")
        if self.contrast:
            classes.append("a11y-contrast")
        return " ".join(classes)

    @property
    def text_size(self) -> str:
        """The text size shown beside the "Larger text" button; empty at the normal size."""
        return TEXT_SIZES.get(self.text, "")

    @property
    def cookie_value(self) -> str:
        parts = []
        if self.text:
            parts.append(f"text:{self.text}")
        if self.contrast:
            parts.append("contrast:1")
        return "|".join(parts)

    def after(self, action: str) -> Preferences:
        """The preferences once a toolbar button was pressed. "Larger text" steps up and,
        past the largest step, back to normal; an unknown action changes nothing."""
        if action == "text":
            return replace(self, text=(self.text + 1) % (TEXT_STEPS + 1))
        if action == "contrast":
            return replace(self, contrast=not self.contrast)
        if action == "reset":
            return Preferences()
        return self


def parse(value: str | None) -> Preferences:
    """The preferences a ``portal_a11y`` cookie holds; unknown keys and values are ignored."""
    if not value or len(value) > COOKIE_MAX_LENGTH:
        return Preferences()
    text, contrast = 0, False
    for part in value.split("|"):
        key, _sep, setting = part.partition(":")
        if key == "text" and setting in ("1", "2"):
            text = int(setting)
        elif key == "contrast" and setting == "1":
            contrast = True
    return Preferences(text=text, contrast=contrast)


def preferences_of(request: HttpRequest) -> Preferences:
    return parse(request.COOKIES.get(COOKIE_NAME))


def accessibility(request: HttpRequest) -> dict[str, Preferences]:
    """Context processor: the reader's toolbar choices, for ``templates/base.html``."""
    return {"accessibility": preferences_of(request)}


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_POST
def accessibility_set(request: HttpRequest) -> HttpResponse:
    """The toolbar without JavaScript: a button's ``action`` (text, contrast or reset) changes
    the cookie, and the reader goes back to the page they were on (a ``next`` leading off the
    portal goes to the home page instead). Open to everyone: the cookie holds only the look."""
    chosen = preferences_of(request).after(request.POST.get("action", ""))
    response = HttpResponseRedirect(_safe_next(request))
    if chosen.cookie_value:
        # Not HttpOnly: a11y-toolbar.js writes the same cookie when the reader has JavaScript.
        response.set_cookie(
            COOKIE_NAME,
            chosen.cookie_value,
            max_age=COOKIE_MAX_AGE,
            path="/",
            samesite="Lax",
            secure=request.is_secure(),
            httponly=False,
        )
    else:
        response.delete_cookie(COOKIE_NAME, path="/", samesite="Lax")
    return response
