"""Any write to a grid or a region moves the territory version, in the same transaction, so every process's
locator notices and rebuilds (bulk writes call :func:`gridgov.territory.services.bump_version` themselves)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Grid, Region


@receiver([post_save, post_delete], sender=Grid)
@receiver([post_save, post_delete], sender=Region)
def territory_changed(sender: Any, **kwargs: Any) -> None:
    from .services import bump_version

    bump_version()
