"""Reads about units that do not depend on who asks (routing a case to the right unit)."""

from __future__ import annotations

from typing import Any

from gridgov.territory.models import Region

from .models import Unit, UnitQuerySet, ancestor_codes


def depth(code: str) -> int:
    """How deep a region code lies: the length of its scope prefix (province 2, city 4, district 6,
    sub-district 9, community 12)."""
    if len(code) == 6:
        if code.endswith("0000"):
            return 2
        if code.endswith("00"):
            return 4
    return len(code)


def covering_codes(region: Region | str) -> list[str]:
    """The region's code and the codes above it, nearest first."""
    code = region if isinstance(region, str) else region.code
    return sorted(ancestor_codes(code) | {code}, key=depth, reverse=True)


def units_for(region: Region | str, kind: str, *, queryset: UnitQuerySet | None = None) -> list[Unit]:
    """Active units of ``kind`` whose jurisdiction covers ``region``: those holding the region itself, else the
    nearest region above it that some unit of the kind holds (a community's own police station before the
    district's bureau). A unit without listed jurisdiction covers the region it sits in. Ordered by code."""
    codes = covering_codes(region)
    base: Any = queryset if queryset is not None else Unit.objects.all()
    base = base.filter(kind=kind, is_active=True)
    by_jurisdiction = base.filter(jurisdiction__code__in=codes).values_list("pk", "jurisdiction__code")
    by_seat = base.filter(jurisdiction__isnull=True, region__code__in=codes).values_list("pk", "region__code")
    nearest_of: dict[int, int] = {}
    for pk, code in [*by_jurisdiction, *by_seat]:
        nearest_of[pk] = max(nearest_of.get(pk, 0), depth(code))
    if not nearest_of:
        return []
    nearest = max(nearest_of.values())
    return list(Unit.objects.filter(pk__in=[pk for pk, d in nearest_of.items() if d == nearest]).order_by("code"))


def unit_for(region: Region | str, kind: str) -> Unit | None:
    """The first of :func:`units_for`, or ``None``."""
    found = units_for(region, kind)
    return found[0] if found else None


def units_of(user: Any) -> list[Unit]:
    """The units a user is a member of (holds a role on)."""
    if user is None or not user.is_authenticated:
        return []
    return list(Unit.objects.filter(memberships__user=user).distinct().order_by("code"))
