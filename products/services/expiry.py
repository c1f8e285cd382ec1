"""The daily expiry of certificates and the warnings before it.

Issue 4: "expiry is automatic (a daily Celery beat job marks expired certificates and warns
suppliers 60 and 30 days before), renewal is a new application." Issue 10: the warning leads
to the renewal (``products.services.renewal``): its link opens the renewal, or the renewal
already open; and a certificate whose renewal is with the reviewers (submitted, under review)
or approved is not warned at all.

Both actions take ``as_of`` (the day the job runs for) and are idempotent: running them twice
for a day, or daily, changes nothing the second time. Their cost is a fixed number of queries
for the status changes (bulk updates, each writing the certificates' history rows in one more
insert per batch: issue 7's audit trail, by "System" since no person acts), plus the
notifications themselves: one query for a supplier's staff (cached per run) and one insert per
warned or expired certificate.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_update_with_history

from portal.notifications import members_of, notify

from ..models import Certificate, CertificationApplication
from .renewal import RENEWAL_GRACE_MONTHS, RENEWAL_UNDER_WAY

VALID = Certificate.Status.VALID
AppStatus = CertificationApplication.Status
# Days before ``valid_until`` at which the supplier is warned, farthest first (issue 4).
WARNING_THRESHOLDS: tuple[int, ...] = (60, 30)
# Certificates changed per UPDATE (a CASE over the batch's ids: two parameters a row) and per
# INSERT of their history rows (about 20 columns a row: 10,000 parameters, within PostgreSQL's
# 65,535 and SQLite's 32,766). A city's 10^4 certificates seldom change more than a few hundred
# on one day, so a run is one or two batches.
BATCH_SIZE = 500


class _Staff:
    """The supplier's active users, read once per supplier per run."""

    def __init__(self) -> None:
        self._cache: dict[int, list] = {}

    def __call__(self, supplier_id: int) -> list:
        if supplier_id not in self._cache:
            self._cache[supplier_id] = list(members_of(supplier_id))
        return self._cache[supplier_id]


def _subject_name(certificate: Certificate) -> str:
    subject = certificate.product or certificate.base
    return subject.name if subject is not None else "—"


def _candidates(queryset):
    # Locked, so that two runs at once cannot both warn or both expire the same certificate:
    # the second waits, then finds the rows already changed. Each row carries the id of its
    # renewal the supplier is preparing (a draft, or returned for more material), if any, for
    # the notification's link: a subquery in the same SELECT, no query per certificate.
    preparing = CertificationApplication.objects.filter(
        renews=OuterRef("pk"), status__in=(AppStatus.DRAFT, AppStatus.RETURNED)
    ).order_by("-pk")
    return list(
        queryset.select_for_update(of=("self",))
        .select_related("scheme", "product", "base")
        .annotate(preparing_renewal=Subquery(preparing.values("pk")[:1]))
        .order_by("pk")
    )


def renewal_under_way() -> Exists:
    """The certificate's renewal is out of the supplier's hands: submitted or under review, or
    approved with its certificate standing (an approval whose disclosure drew an upheld
    objection revokes the new certificate, and the old one needs renewing again)."""
    return Exists(
        CertificationApplication.objects.filter(renews=OuterRef("pk")).filter(
            Q(status__in=RENEWAL_UNDER_WAY)
            | (Q(status=AppStatus.APPROVED) & ~Q(certificate__status=Certificate.Status.REVOKED))
        )
    )


def _renewal_link(certificate: Certificate) -> str:
    """Where the warning leads: the renewal being prepared, else the page that opens one."""
    preparing = getattr(certificate, "preparing_renewal", None)
    if preparing:
        return reverse("products:application_detail", args=[preparing])
    return reverse("products:certificate_renew", args=[certificate.pk])


@transaction.atomic
def certificates_expire(*, as_of: datetime.date) -> int:
    """Mark every valid certificate whose validity ended before ``as_of`` as expired, and tell
    its supplier that renewal is a new application. Returns how many expired.

    An expired certificate still covers purchases dated within its validity
    (``products.selectors.COUNTING_CERTIFICATE_STATUSES``); suspended and revoked ones keep
    their status."""
    due = _candidates(Certificate.objects.filter(status=VALID, valid_until__lt=as_of))
    if not due:
        return 0
    for certificate in due:
        certificate.status = Certificate.Status.EXPIRED
    bulk_update_with_history(
        due,
        Certificate,
        ["status"],
        batch_size=BATCH_SIZE,
        default_change_reason=_("Expired at the end of its validity"),
    )
    staff = _Staff()
    for certificate in due:
        notify(
            recipients=staff(certificate.supplier_id),
            title=_("Certificate %(number)s has expired") % {"number": certificate.number},
            body=_(
                "Your %(scheme)s certificate for “%(subject)s” was valid until %(date)s. "
                "Purchases dated after that day no longer count. You may still renew it "
                "within %(months)s months: the renewal opens pre-filled from your last "
                "approved application."
            )
            % {
                "scheme": certificate.scheme.name,
                "subject": _subject_name(certificate),
                "date": certificate.valid_until.isoformat(),
                "months": RENEWAL_GRACE_MONTHS,
            },
            link=_renewal_link(certificate),
        )
    return len(due)


def _threshold_window(threshold: int, *, as_of: datetime.date) -> Q:
    """Certificates whose nearest threshold reached is ``threshold``: between the next nearer
    threshold (exclusive) and this one (inclusive) days before ``valid_until``."""
    nearer = [t for t in WARNING_THRESHOLDS if t < threshold]
    earliest = as_of + datetime.timedelta(days=max(nearer) + 1) if nearer else as_of
    return Q(valid_until__gte=earliest, valid_until__lte=as_of + datetime.timedelta(threshold))


@transaction.atomic
def certificates_warn(*, as_of: datetime.date) -> int:
    """Warn the supplier's staff once when a valid certificate is 60 days or fewer from the end
    of its validity, and once more at 30 days or fewer. ``Certificate.warned_days`` remembers
    the last threshold warned, so a second run the same day (or the next) warns nobody again;
    a certificate first seen at 25 days gets one warning, the 30-day one. Suspended, revoked
    and expired certificates are not warned, nor one whose renewal is under way
    (``renewal_under_way``); such a one is not marked either, so that it is warned after all
    if its renewal is rejected in time. The warning links to the renewal (``_renewal_link``).
    Returns how many warnings were sent."""
    staff = _Staff()
    warned = 0
    for threshold in WARNING_THRESHOLDS:
        due = _candidates(
            Certificate.objects.filter(
                _threshold_window(threshold, as_of=as_of),
                Q(warned_days__isnull=True) | Q(warned_days__gt=threshold),
                ~renewal_under_way(),
                status=VALID,
            )
        )
        if not due:
            continue
        for certificate in due:
            certificate.warned_days = threshold
        bulk_update_with_history(
            due,
            Certificate,
            ["warned_days"],
            batch_size=BATCH_SIZE,
            default_change_reason=_("Expiry warning sent (%(days)s days before)")
            % {"days": threshold},
        )
        for certificate in due:
            days_left = (certificate.valid_until - as_of).days
            notify(
                recipients=staff(certificate.supplier_id),
                title=ngettext(
                    "Certificate %(number)s expires in %(days)s day",
                    "Certificate %(number)s expires in %(days)s days",
                    days_left,
                )
                % {"number": certificate.number, "days": days_left},
                body=(
                    _(
                        "Your %(scheme)s certificate for “%(subject)s” is valid until %(date)s. "
                        "Your renewal is started: complete and submit it in time, so that the "
                        "product stays in the catalogue and purchases keep counting."
                    )
                    if getattr(certificate, "preparing_renewal", None)
                    else _(
                        "Your %(scheme)s certificate for “%(subject)s” is valid until %(date)s. "
                        "Renew it now: the renewal opens pre-filled from your last approved "
                        "application, with its documents. Submit it in time, so that the "
                        "product stays in the catalogue and purchases keep counting."
                    )
                )
                % {
                    "scheme": certificate.scheme.name,
                    "subject": _subject_name(certificate),
                    "date": certificate.valid_until.isoformat(),
                },
                link=_renewal_link(certificate),
            )
            warned += 1
    return warned
