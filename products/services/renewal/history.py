"""A certificate's history on one page (issue 10 item 2: "the certificate's history (issued,
renewed, suspended, revoked) on one page").

It combines the certificate's change history (django-simple-history: its status and expiry
reminders, row by row), its dynamic-exit steps (``ExitAction``), its public disclosures (公示)
and its renewal chain both ways, in a fixed number of queries, each event told once.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import ExitReason
from portal.roles import actor_of

from ...models import Certificate, Disclosure, ExitAction
from . import CertStatus, _status_label

# How many change-history rows of one certificate its history page reads at most (a
# certificate changes a handful of times in its two years: issue, effect, two warnings,
# perhaps a suspension and a reinstatement, expiry).
HISTORY_ROWS = 200


@dataclass(frozen=True)
class CertificateEvent:
    """One event of a certificate's life, as its history page lists it."""

    at: datetime.datetime
    kind: str
    title: str
    who: str = ""
    detail: str = ""
    note: str = ""
    link: str = ""
    link_label: str = ""


@dataclass
class CertificateHistory:
    certificate: Certificate
    events: list[CertificateEvent] = field(default_factory=list)
    renewals: list[Certificate] = field(default_factory=list)


def _who(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _period(valid_from: datetime.date, valid_until: datetime.date) -> str:
    return _("valid from %(start)s to %(end)s") % {
        "start": valid_from.isoformat(),
        "end": valid_until.isoformat(),
    }


def _certificate_link(certificate: Certificate) -> str:
    return reverse("products:certificate_detail", args=[certificate.pk])


def certificate_history(certificate: Certificate, *, user) -> CertificateHistory:
    """Everything that happened to ``certificate``, oldest first: issued (on which application,
    and which certificate it renews), in public disclosure and taking effect, the expiry
    reminders, suspended, reinstated, revoked, expired, renewed (by which certificate).

    Read from the certificate's change history (its status and reminders, row by row), its
    dynamic-exit steps (``ExitAction``: who, why, the office's note), its public disclosures
    and its renewals: four queries whatever the history's length (the certificate itself
    comes with ``renews`` and ``application``). A change of status that an exit step records
    is listed once, as the step."""
    actor = actor_of(user)
    reads_applications = actor.is_city or actor.is_supplier
    versions = list(
        certificate.history.select_related("history_user").order_by("-history_date", "-history_id")[
            :HISTORY_ROWS
        ]
    )
    versions.reverse()
    steps = list(
        ExitAction.objects.filter(certificate=certificate)
        .select_related("actor")
        .order_by("at", "id")
    )
    disclosures = list(
        Disclosure.objects.filter(certificate=certificate)
        .select_related("opened_by")
        .order_by("opened_at", "id")
    )
    renewals = list(Certificate.objects.filter(renews=certificate).order_by("issued_at", "pk"))

    events: list[tuple[datetime.datetime, int, CertificateEvent]] = []

    def add(event: CertificateEvent) -> None:
        events.append((event.at, len(events), event))

    # Status changes an exit step stands for: listed once, as the step (with reason and note);
    # likewise a certification withdrawn after an upheld objection, as its disclosure's end.
    recorded = Counter((step.from_status, step.to_status) for step in steps)
    withdrawn = any(
        d.kind == Disclosure.Kind.CERTIFICATION and d.status == Disclosure.Status.WITHDRAWN
        for d in disclosures
    )
    took_effect = False
    previous = None
    for version in versions:
        if previous is None:
            _issued(add, certificate, version.history_date, version, reads_applications)
        else:
            if version.status != previous.status:
                event = _status_change(previous, version, recorded=recorded, withdrawn=withdrawn)
                if event is not None:
                    took_effect = took_effect or event.kind == "effect"
                    add(event)
            if version.warned_days is not None and version.warned_days != previous.warned_days:
                add(
                    CertificateEvent(
                        at=version.history_date,
                        kind="reminder",
                        title=ngettext(
                            "Expiry reminder sent (%(days)s day before)",
                            "Expiry reminder sent (%(days)s days before)",
                            version.warned_days,
                        )
                        % {"days": version.warned_days},
                    )
                )
        previous = version
    if not versions:  # a certificate written without its history (bulk import): its issue
        _issued(add, certificate, certificate.issued_at, None, reads_applications)

    for step in steps:
        add(
            CertificateEvent(
                at=step.at,
                kind=step.action,
                title=str(step.get_action_display()),
                who=_who(step.actor),
                detail=_("%(old)s → %(new)s · Reason: %(reason)s")
                % {
                    "old": _status_label(step.from_status),
                    "new": _status_label(step.to_status),
                    "reason": ExitReason(step.reason).label
                    if step.reason in ExitReason.values
                    else step.reason,
                },
                note=step.note,
            )
        )

    for disclosure in disclosures:
        _disclosure_events(add, disclosure, took_effect=took_effect)

    for renewal in renewals:
        add(
            CertificateEvent(
                at=renewal.issued_at,
                kind="renewed",
                title=_("Renewed by certificate %(number)s") % {"number": renewal.number},
                detail=_("%(period)s · %(status)s")
                % {
                    "period": _period(renewal.valid_from, renewal.valid_until),
                    "status": renewal.get_status_display(),
                },
                link=_certificate_link(renewal),
                link_label=renewal.number,
            )
        )

    events.sort(key=lambda entry: (entry[0], entry[1]))
    return CertificateHistory(
        certificate=certificate,
        events=[event for _at, _order, event in events],
        renewals=renewals,
    )


def _status_change(
    previous, version, *, recorded: Counter, withdrawn: bool
) -> CertificateEvent | None:
    """The event of one change of status in the change history, or None when another record
    tells it better: an exit step (``recorded``, consumed here) or a certification disclosure
    withdrawn after an upheld objection (``withdrawn``)."""
    pair = (previous.status, version.status)
    who = _who(version.history_user)
    if pair == (CertStatus.PENDING, CertStatus.VALID):
        return CertificateEvent(
            at=version.history_date,
            kind="effect",
            title=_("Took effect after its public disclosure"),
            who=who,
            detail=_period(version.valid_from, version.valid_until),
        )
    if version.status == CertStatus.EXPIRED:
        return CertificateEvent(
            at=version.history_date,
            kind="expired",
            title=_("Expired"),
            detail=_("Its validity ended on %(date)s.") % {"date": version.valid_until.isoformat()},
        )
    if recorded[pair]:
        recorded[pair] -= 1
        return None
    if previous.status == CertStatus.PENDING:
        if withdrawn:
            return None
        return CertificateEvent(
            at=version.history_date,
            kind="withdrawn",
            title=_("Did not take effect: %(status)s") % {"status": _status_label(version.status)},
            who=who,
            detail=version.history_change_reason or "",
        )
    return CertificateEvent(
        at=version.history_date,
        kind="status",
        title=_("Status changed: %(old)s → %(new)s")
        % {"old": _status_label(previous.status), "new": _status_label(version.status)},
        who=who,
        detail=version.history_change_reason or "",
    )


def _issued(add, certificate: Certificate, at, version, reads_applications: bool) -> None:
    """The issue, and (right after it) the certificate it renews."""
    start = version.valid_from if version is not None else certificate.valid_from
    end = version.valid_until if version is not None else certificate.valid_until
    status = version.status if version is not None else certificate.status
    if status == CertStatus.PENDING:
        detail = _("Issued in public disclosure; %(period)s once it takes effect.") % {
            "period": _period(start, end)
        }
    else:
        detail = _period(start, end)
    link = link_label = ""
    if certificate.application_id:
        link_label = _("Application #%(number)s") % {"number": certificate.application_id}
        if reads_applications:
            link = reverse("products:application_detail", args=[certificate.application_id])
    add(
        CertificateEvent(
            at=at,
            kind="issued",
            title=_("Issued"),
            who=_who(version.history_user) if version is not None else "",
            detail=detail,
            link=link,
            link_label=link_label,
        )
    )
    if certificate.renews_id:
        renewed = certificate.renews
        add(
            CertificateEvent(
                at=at,
                kind="renews",
                title=_("Renews certificate %(number)s") % {"number": renewed.number},
                detail=_period(renewed.valid_from, renewed.valid_until),
                link=_certificate_link(renewed),
                link_label=renewed.number,
            )
        )


def _disclosure_events(add, disclosure: Disclosure, *, took_effect: bool) -> None:
    """A disclosure's opening, and its end when that is not already told by the certificate's
    own change (taking effect, a revocation's exit step)."""
    link = reverse("products:disclosure_detail", args=[disclosure.pk])
    revocation = disclosure.kind == Disclosure.Kind.EXIT
    add(
        CertificateEvent(
            at=disclosure.opened_at,
            kind="disclosure",
            title=_("Revocation in public disclosure")
            if revocation
            else _("Certification result in public disclosure"),
            who=_who(disclosure.opened_by),
            detail=ngettext(
                "From %(start)s to %(end)s (%(days)s working day); anyone may object meanwhile.",
                "From %(start)s to %(end)s (%(days)s working days); anyone may object meanwhile.",
                disclosure.working_days,
            )
            % {
                "start": disclosure.starts_on.isoformat(),
                "end": disclosure.ends_on.isoformat(),
                "days": disclosure.working_days,
            },
            note=disclosure.summary,
            link=link,
            link_label=_("The public notice"),
        )
    )
    if disclosure.closed_at is None:
        return
    if disclosure.status == Disclosure.Status.WITHDRAWN:
        add(
            CertificateEvent(
                at=disclosure.closed_at,
                kind="disclosure-withdrawn",
                title=_("Revocation withdrawn after an upheld objection")
                if revocation
                else _("Certification withdrawn after an upheld objection"),
                link=link,
                link_label=_("The public notice"),
            )
        )
    elif disclosure.status == Disclosure.Status.EFFECTIVE and not revocation and not took_effect:
        add(
            CertificateEvent(
                at=disclosure.closed_at,
                kind="effect",
                title=_("Took effect after its public disclosure"),
                link=link,
                link_label=_("The public notice"),
            )
        )
