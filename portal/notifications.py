"""In-portal notifications (站内通知), with a mail beside each through Django's mail backend.

``notify`` is called inside the business action's transaction: the notifications are written
with it, and the mail leaves only once the transaction has committed, so a refused action
sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Notification, Role

User = get_user_model()


def members_of(organisation_id: int) -> QuerySet:
    """The active users working for an organisation (a supplier's staff, say)."""
    return User.objects.filter(membership__organisation_id=organisation_id, is_active=True)


def members_with_role(*roles: Role) -> QuerySet:
    """The active users with one of ``roles`` (the city office, the reviewers)."""
    return User.objects.filter(membership__role__in=[str(r) for r in roles], is_active=True)


def notify(*, recipients: Iterable, title: str, body: str = "", link: str = "") -> int:
    """Write one notification to each recipient and mail those with an address once the
    surrounding transaction commits. Returns how many were written."""
    users = list(recipients)
    if not users:
        return 0
    Notification.objects.bulk_create(
        Notification(recipient=user, title=title[:200], body=body, link=link) for user in users
    )
    addresses = sorted({user.email for user in users if user.email})
    if addresses:
        text = body + (f"\n\n{link}" if link else "")
        messages = [(title, text, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return len(users)


def notification_for_user(user) -> QuerySet[Notification]:
    """A user reads only their own notifications."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk)


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ``ids`` is None)."""
    unread = notification_for_user(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
