"""Permission predicates shared by the browser views and the API."""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .models import Role
from .roles import actor_of


def has_role(user, roles: Iterable[Role]) -> bool:
    return actor_of(user).role in set(roles)


def role_required(*roles: Role):
    """A view for members with one of ``roles``: anonymous users go to the login page,
    members of other roles get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


class HasRole(BasePermission):
    """DRF: ``permission_classes = [HasRole.of(Role.CITY_OFFICE, ...)]``."""

    roles: frozenset[Role] = frozenset()

    @classmethod
    def of(cls, *roles: Role) -> type[HasRole]:
        return type("HasRole", (cls,), {"roles": frozenset(roles)})

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, self.roles)
