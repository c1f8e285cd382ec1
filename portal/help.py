"""The portal's help (issue 11), written for a clerk who reads no documentation (ui.md): the
guided first visit of the home page (新手引导), whose steps per role are all here, whether a
member still has it to see, and which one-page guide (操作指南, texts in ``portal.guides``)
answers each role.

The texts are built on each call with ``gettext``, in the request's language, rather than held
as lazy constants: the guides quote the programme's figures, which need formatting.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from .guides.offices import city_guide, district_guide
from .guides.partners import public_guide, reviewer_guide, supplier_guide
from .guides.parts import PUBLIC_GUIDE, Guide, figures
from .guides.units import approver_guide, clerk_guide
from .models import Membership, Role
from .roles import actor_of

# The guides in the order the help page lists them: the roles of api.md, then the public's.
GUIDE_KEYS: tuple[str, ...] = (*Role.values, PUBLIC_GUIDE)

# What a tour step may point at on the home page (templates/portal/home.html, base.html).
HEADLINE_CARDS = ".cards.headline"
LANGUAGE_SWITCH = "#lang-select"
HELP_LINK = "#help-link"


def nav_entry(url_name: str) -> str:
    """The selector of the left navigation's link to ``url_name`` (portal.navigation.MENU)."""
    return f'.side-nav a[href="{reverse(url_name)}"]'


# ---------------------------------------------------------------------------------------------
# The guided first visit


@dataclass(frozen=True)
class TourStep:
    title: str
    text: str
    target: str  # a CSS selector of the element the step points at on the home page


@dataclass(frozen=True)
class Tour:
    role: Role
    steps: tuple[TourStep, ...]


def _common_steps() -> tuple[TourStep, ...]:
    return (
        TourStep(
            _("Language"),
            _("Switch between 简体中文, 繁體中文 and English here; the portal remembers it."),
            LANGUAGE_SWITCH,
        ),
        TourStep(
            _("Help"),
            _(
                "The guide for your role, printable on one page, and the other roles' guides. "
                "You can replay this tour from there."
            ),
            HELP_LINK,
        ),
    )


def tour_steps(role: Role) -> tuple[TourStep, ...]:
    """The 3–6 steps of ``role``'s tour, each pointing at an element of its home page."""
    figures = TourStep(
        _("Your figures"),
        _(
            "This year's assistance purchases, the declared farm-products total and the share "
            "of one in the other, against the share the city requires."
        ),
        HEADLINE_CARDS,
    )
    steps: dict[Role, tuple[TourStep, ...]] = {
        Role.UNIT_CLERK: (
            TourStep(
                _("Log a purchase"),
                _(
                    "Record each purchase of assistance products with its voucher (invoice or "
                    "contract). Many at once? Use “Import from Excel” below it."
                ),
                nav_entry("procurement:record_create"),
            ),
            figures,
            TourStep(
                _("Declarations and quarters"),
                _(
                    "Declare each quarter's total farm-products spend here; when the quarter "
                    "has ended, your approver submits it."
                ),
                nav_entry("procurement:quarters"),
            ),
        ),
        Role.UNIT_APPROVER: (
            TourStep(
                _("Declarations and quarters"),
                _(
                    "Check each ended quarter here and submit it to the coordination office: "
                    "a submitted quarter is locked."
                ),
                nav_entry("procurement:quarters"),
            ),
            figures,
            TourStep(
                _("Procurement ledger"),
                _("Every purchase your clerk has logged, with its vouchers, to check."),
                nav_entry("procurement:ledger"),
            ),
        ),
        Role.DISTRICT_OFFICE: (
            TourStep(
                _("Quarterly submissions"),
                _(
                    "Which of your district's units have submitted their quarter, which are "
                    "due or late; return a quarter for correction from here."
                ),
                nav_entry("procurement:submission_status"),
            ),
            TourStep(
                _("Your figures"),
                _("The district's purchases, units, target progress and active outlets."),
                HEADLINE_CARDS,
            ),
            TourStep(
                _("Quota compliance"),
                _("Every unit's share, shortfall and year-on-year change, ready for Excel."),
                nav_entry("procurement:compliance"),
            ),
        ),
        Role.CITY_OFFICE: (
            TourStep(
                _("Quarterly submissions"),
                _("Every unit's quarterly submission across the districts: due, late, done."),
                nav_entry("procurement:submission_status"),
            ),
            TourStep(
                _("Your figures"),
                _("The city's purchases, units, progress against the annual target, outlets."),
                HEADLINE_CARDS,
            ),
            TourStep(
                _("Applications"),
                _("Suppliers' applications for recognition, 圳品 and base certification."),
                nav_entry("products:applications"),
            ),
            TourStep(
                _("Dashboard"),
                _("Charts by district, channel and month, each with a table and an export."),
                nav_entry("reporting:dashboard"),
            ),
        ),
        Role.SUPPLIER: (
            TourStep(
                _("New application"),
                _(
                    "Apply for recognition as an assistance product, for 圳品 or for a base "
                    "certification, with your documents. Only recognised suppliers' sales count "
                    "for the budget units."
                ),
                nav_entry("products:application_create"),
            ),
            TourStep(
                _("Your figures"),
                _("Your listed products, valid certificates and applications in review."),
                HEADLINE_CARDS,
            ),
            TourStep(
                _("My products and bases"),
                _("Keep prices, supply volumes and seasons current: the catalogue shows them."),
                nav_entry("products:my_products"),
            ),
        ),
        Role.REVIEWER: (
            TourStep(
                _("Applications"),
                _(
                    "Submitted applications wait here: take one under review, record the "
                    "on-site evaluation and decide."
                ),
                nav_entry("products:applications"),
            ),
            TourStep(
                _("Your figures"),
                _("How many applications await a reviewer now."),
                HEADLINE_CARDS,
            ),
            TourStep(
                _("Base evaluations"),
                _("The production bases you are assigned to score against the standard."),
                nav_entry("products:evaluations"),
            ),
        ),
    }
    return steps[role] + _common_steps()


def tour_for(*, user, replay: bool = False) -> Tour | None:
    """The tour to show ``user`` on the home page: for a member who has neither finished nor
    skipped it (on any device), or for any member who asked to see it again."""
    actor = actor_of(user)
    if actor.role is None:
        return None
    if not replay:
        done = Membership.objects.filter(user_id=user.pk, tour_done_at__isnull=False).exists()
        if done:
            return None
    return Tour(actor.role, tour_steps(actor.role))


@transaction.atomic
def tour_done(*, actor: AbstractBaseUser, now: datetime.datetime) -> bool:
    """Record that ``actor`` finished or skipped the guided tour, so that no device shows it
    again; False for an account with no membership (it never sees the tour).

    A preference of the user's own, not an act of the programme: no audit row."""
    return Membership.objects.filter(user_id=actor.pk).update(tour_done_at=now) > 0


# ---------------------------------------------------------------------------------------------
# The one-page guides (their texts: portal/guides/)

_BUILDERS = {
    Role.UNIT_CLERK: clerk_guide,
    Role.UNIT_APPROVER: approver_guide,
    Role.DISTRICT_OFFICE: district_guide,
    Role.CITY_OFFICE: city_guide,
    Role.SUPPLIER: supplier_guide,
    Role.REVIEWER: reviewer_guide,
    PUBLIC_GUIDE: public_guide,
}


def guide_for(key: str, *, city: str, as_of: datetime.date) -> Guide | None:
    """The one-page guide of a role (its code) or of the public; None for any other key."""
    builder = _BUILDERS.get(key)
    if builder is None:
        return None
    return builder(figures(as_of), city)


def guide_titles() -> list[tuple[str, str]]:
    """Each guide's key and the audience it is for, in GUIDE_KEYS order."""
    return [(key, Role(key).label if key in Role.values else _("Everyone")) for key in GUIDE_KEYS]
