from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from gridgov.accounts.scope import roles_of


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_CRS": settings.MAP_TILE_CRS,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
        "user_roles": sorted(roles_of(user)) if user is not None and user.is_authenticated else [],
    }
