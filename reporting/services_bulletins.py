"""The city office's actions on bulletins (通报): generate the quarter's draft, edit it,
publish it to the offices and the units it names.

Each action takes the acting user, runs in one transaction, and records who and when: on the
model (drafted by/at, published by/at, last edited) and, action by action, in the bulletin's
log (``data["log"]``) and the application log. An action another role tries raises
``PermissionDenied``; a broken rule raises ``ApplicationError`` or ``ValidationError``.

Generating again: while the quarter has a draft, generating again rewrites that draft (figures,
title and text) instead of piling up drafts the office could publish by mistake; the page says
so before it happens. Once a bulletin is published it is never changed: generating the same
quarter again starts a new draft, and the archive keeps every published version.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.models import Role
from portal.notifications import members_with_role, notify
from portal.periods import Quarter
from portal.roles import actor_of
from procurement.rules import quarter_label

from .bulletin_text import bulletin_text, bulletin_title
from .bulletins import bulletin_figures
from .models import Bulletin

logger = logging.getLogger(__name__)
User = get_user_model()
DRAFT, PUBLISHED = Bulletin.Status.DRAFT, Bulletin.Status.PUBLISHED


def _require_city_office(actor) -> None:
    if not actor_of(actor).is_city_office:
        raise PermissionDenied(_("Only the city coordination office may do this."))


def _log_entry(actor, action: str) -> dict:
    return {
        "action": action,
        "user": actor.get_full_name() or actor.get_username(),
        "user_id": actor.pk,
        "at": timezone.localtime().isoformat(timespec="seconds"),
    }


def bulletin_link(bulletin: Bulletin) -> str:
    return reverse("reporting:bulletin_detail", args=[bulletin.pk])


@dataclass(frozen=True)
class Generated:
    bulletin: Bulletin
    # True when the quarter's existing draft was rewritten rather than a new one started.
    refreshed: bool


@transaction.atomic
def bulletin_generate(*, actor, year: int, quarter: int, as_of: datetime.date) -> Generated:
    """Write the quarter's bulletin as a draft from the figures of the year to the end of the
    quarter (domain.md: the office ranks units and names laggards). Only a quarter that has
    ended may be bulletined: its figures are still moving otherwise."""
    _require_city_office(actor)
    try:
        period = Quarter(year, quarter)
    except ValueError as error:
        raise ValidationError({"quarter": _("Choose a quarter from 1 to 4.")}) from error
    if not period.has_ended(as_of=as_of):
        raise ApplicationError(
            _("%(quarter)s has not ended yet: a bulletin covers a quarter that has ended.")
            % {"quarter": quarter_label(period)}
        )
    data = bulletin_figures(user=actor, year=year, quarter=quarter, as_of=as_of)
    body = bulletin_text(data, issuer=actor_of(actor).organisation_name, issued_on=as_of)
    draft = (
        Bulletin.objects.select_for_update()
        .filter(year=year, quarter=quarter, status=DRAFT)
        .order_by("-created_at", "-pk")
        .first()
    )
    refreshed = draft is not None
    if draft is None:
        draft = Bulletin(year=year, quarter=quarter, created_by=actor)
        log = []
    else:
        log = list(draft.data.get("log", []))
    log.append(_log_entry(actor, "regenerated" if refreshed else "generated"))
    draft.title = bulletin_title(year, quarter)
    draft.body = body
    draft.data = {**data, "log": log}
    draft.full_clean()
    draft.save()
    logger.info(
        "bulletin %s of %s %s by user %s",
        draft.pk,
        period,
        "regenerated" if refreshed else "generated",
        actor.pk,
    )
    return Generated(bulletin=draft, refreshed=refreshed)


def _locked_draft(bulletin: Bulletin) -> Bulletin:
    locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if locked.status != DRAFT:
        raise ApplicationError(_("This bulletin has been published: it can no longer be changed."))
    return locked


@transaction.atomic
def bulletin_update(*, actor, bulletin: Bulletin, title: str, body: str) -> Bulletin:
    """The city office edits a draft's title and text; a published bulletin is a document
    of record and stays as it was published."""
    _require_city_office(actor)
    bulletin = _locked_draft(bulletin)
    title, body = title.strip(), body.strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the bulletin a title.")
    if not body:
        errors["body"] = _("The bulletin needs its text.")
    if errors:
        raise ValidationError(errors)
    bulletin.title = title
    bulletin.body = body
    bulletin.data = {
        **bulletin.data,
        "log": [*bulletin.data.get("log", []), _log_entry(actor, "edited")],
    }
    bulletin.full_clean()
    bulletin.save()
    logger.info("bulletin %s edited by user %s", bulletin.pk, actor.pk)
    return bulletin


def bulletin_recipients(bulletin: Bulletin) -> tuple[list, list]:
    """Who a published bulletin goes to: every district office's staff, and the staff of the
    units it names as laggards."""
    offices = list(members_with_role(Role.DISTRICT_OFFICE).order_by("pk"))
    named = bulletin.data.get("laggard_unit_ids", [])
    units = list(
        User.objects.filter(
            membership__organisation_id__in=named,
            membership__role__in=[Role.UNIT_CLERK, Role.UNIT_APPROVER],
            is_active=True,
        ).order_by("pk")
    )
    return offices, units


@transaction.atomic
def bulletin_publish(*, actor, bulletin: Bulletin) -> Bulletin:
    """Publish a draft: it becomes read-only and goes to the district offices and to the
    units it names (a notification in the portal, with a mail beside it)."""
    _require_city_office(actor)
    bulletin = _locked_draft(bulletin)
    bulletin.status = PUBLISHED
    bulletin.published_by = actor
    bulletin.published_at = timezone.now()
    bulletin.data = {
        **bulletin.data,
        "log": [*bulletin.data.get("log", []), _log_entry(actor, "published")],
    }
    bulletin.full_clean()
    bulletin.save()
    offices, units = bulletin_recipients(bulletin)
    period = Quarter(bulletin.year, bulletin.quarter)
    values = {"title": bulletin.title, "quarter": quarter_label(period)}
    link = bulletin_link(bulletin)
    notify(
        recipients=offices,
        title=_("Bulletin published: %(title)s") % values,
        body=_(
            "The city coordination office published the bulletin on %(quarter)s. Read how your "
            "district ranks and which units it names."
        )
        % values,
        link=link,
    )
    notify(
        recipients=units,
        title=_("Your unit is named in a bulletin: %(title)s") % values,
        body=_(
            "The bulletin on %(quarter)s names your unit among those behind the quota rules. "
            "Read it to see what is asked of your unit."
        )
        % values,
        link=link,
    )
    logger.info(
        "bulletin %s published by user %s to %s office and %s unit users",
        bulletin.pk,
        actor.pk,
        len(offices),
        len(units),
    )
    return bulletin
