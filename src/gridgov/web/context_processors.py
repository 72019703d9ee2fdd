from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from gridgov.accounts.roles import PERMISSIONS, Role
from gridgov.accounts.scope import roles_of
from gridgov.core.notify import unread_count


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None and user.is_authenticated else set()
    superuser = bool(user is not None and user.is_authenticated and user.is_superuser)
    match = getattr(request, "resolver_match", None)
    return {
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_CRS": settings.MAP_TILE_CRS,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
        "user_roles": sorted(roles),
        "nav_coverage": superuser or bool(roles & set(PERMISSIONS["coverage"]["view"])),
        "nav_admin": superuser or Role.ADMINISTRATOR in roles or bool(user is not None and user.is_staff),
        "nav_current": match.view_name if match is not None else "",
        # One indexed count (a partial index on unread rows), only for someone signed in.
        "unread_notifications": unread_count(user) if user is not None and user.is_authenticated else 0,
    }
