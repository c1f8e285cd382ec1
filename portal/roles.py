"""Who is acting: the signed-in user's role and organisation, resolved once per request.

Every scoping function (``for_user`` in each app's selectors) starts from ``actor_of``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Membership, Role

OFFICE_ROLES = frozenset({Role.CITY_OFFICE, Role.DISTRICT_OFFICE})
UNIT_ROLES = frozenset({Role.UNIT_CLERK, Role.UNIT_APPROVER})


@dataclass(frozen=True)
class Actor:
    """A user seen through their membership; ``role`` is None for the public and for
    accounts with no organisation (they see only what the public sees)."""

    user_id: int | None
    role: Role | None
    organisation_id: int | None
    organisation_name: str
    district_code: str | None

    @property
    def is_city(self) -> bool:
        return self.role in (Role.CITY_OFFICE, Role.REVIEWER)

    @property
    def is_city_office(self) -> bool:
        return self.role == Role.CITY_OFFICE

    @property
    def is_district_office(self) -> bool:
        return self.role == Role.DISTRICT_OFFICE

    @property
    def is_office(self) -> bool:
        return self.role in OFFICE_ROLES

    @property
    def is_unit(self) -> bool:
        return self.role in UNIT_ROLES

    @property
    def is_supplier(self) -> bool:
        return self.role == Role.SUPPLIER

    @property
    def is_reviewer(self) -> bool:
        return self.role == Role.REVIEWER

    @property
    def is_member(self) -> bool:
        return self.role is not None


PUBLIC = Actor(None, None, None, "", None)


def actor_of(user) -> Actor:
    """The acting role of ``user``, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return PUBLIC
    cached = getattr(user, "_portal_actor", None)
    if cached is not None:
        return cached
    membership = (
        Membership.objects.select_related("organisation")
        .filter(user_id=user.pk)
        .only("role", "organisation__id", "organisation__name", "organisation__region_id")
        .first()
    )
    if membership is None:
        actor = Actor(user.pk, None, None, "", None)
    else:
        actor = Actor(
            user_id=user.pk,
            role=Role(membership.role),
            organisation_id=membership.organisation_id,
            organisation_name=membership.organisation.name,
            district_code=membership.organisation.region_id,
        )
    user._portal_actor = actor
    return actor
