"""Reads about cases that depend on more than one row: duplicate suggestions, the timeline."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from gridgov.core.geo import EARTH_RADIUS_M, distance_m

from .models import Case, CaseEvent
from .workflow import OPEN_STATUSES


def possible_duplicates(
    category: Any, lon: float, lat: float, *, exclude: Case | None = None, limit: int = 10
) -> list[tuple[Case, float]]:
    """Open cases of the same category within ``GRIDGOV_DUPLICATE_RADIUS_M`` metres reported in the last
    ``GRIDGOV_DUPLICATE_DAYS`` days, nearest first, as (case, metres). A bounding box narrows them in SQL; the
    exact distance is computed here. Not scoped: the caller shows only what the reporter may see of them (the
    number and the distance), or scopes them itself."""
    radius = settings.GRIDGOV_DUPLICATE_RADIUS_M
    dlat = math.degrees(radius / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    since = timezone.now() - timedelta(days=settings.GRIDGOV_DUPLICATE_DAYS)
    candidates = Case.objects.filter(
        category=category,
        status__in=sorted(OPEN_STATUSES),
        created_at__gte=since,
        lat__range=(lat - dlat, lat + dlat),
        lon__range=(lon - dlon, lon + dlon),
    )
    if exclude is not None and exclude.pk:
        candidates = candidates.exclude(pk=exclude.pk)
    found = []
    for case in candidates.only("id", "number", "lon", "lat", "status", "created_at", "category_id")[:500]:
        metres = distance_m(lon, lat, case.lon, case.lat)
        if metres <= radius:
            found.append((case, metres))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


def timeline(case: Case) -> QuerySet[CaseEvent]:
    """The case's timeline, oldest first, with actors and photos (the caller already holds a visible case)."""
    return case.events.select_related("actor").prefetch_related("attachments")
