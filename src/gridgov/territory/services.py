"""Writes to the territory. Every change that moves a boundary bumps :class:`TerritoryState`."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now
from shapely.geometry.base import BaseGeometry

from .models import Grid, TerritoryState


def bump_version() -> int:
    # update() skips auto_now: set changed_at too, so (version, changed_at) never repeats after a rollback.
    updated = TerritoryState.objects.filter(pk=1).update(version=F("version") + 1, changed_at=Now())
    if not updated:
        TerritoryState.objects.get_or_create(pk=1, defaults={"version": 1})
    return current_version()


def current_version() -> int:
    row = TerritoryState.objects.filter(pk=1).values_list("version", flat=True).first()
    return int(row or 0)


@transaction.atomic
def redraw_grid(grid: Grid, boundary: BaseGeometry, *, on: datetime.date) -> Grid:
    """Replace a grid's boundary from ``on``, keeping the old version as history."""
    Grid.objects.filter(pk=grid.pk).update(valid_to=on, is_active=False)
    new = Grid(
        code=grid.code,
        name=grid.name,
        kind=grid.kind,
        special_kind=grid.special_kind,
        region=grid.region,
        parent=grid.parent,
        owner_unit=grid.owner_unit,
        households_estimate=grid.households_estimate,
        is_active=True,
        valid_from=on,
    )
    new.set_boundary(boundary)
    new.save()
    return new
