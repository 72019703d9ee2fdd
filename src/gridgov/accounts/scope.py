"""Compute a user's :class:`~gridgov.core.scoping.Scope` for a model and action from their role assignments."""

from __future__ import annotations

from typing import Any

from django.db.models.functions import Coalesce

from gridgov.core.regioncodes import scope_prefix
from gridgov.core.scoping import Scope

from .roles import Role, allowed_roles


def scope_for(user: Any, model_name: str, action: str) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    allowed = allowed_roles(model_name, action)
    rows = assignments_of(user)
    regions: set[str] = set()
    grids: set[str] = set()
    for role, region_code, region_level, grid_code in rows:
        if Role(role) not in allowed:
            continue
        if grid_code is not None:
            grids.add(grid_code)
        elif region_code is not None and region_level is not None:
            regions.add(scope_prefix(region_code, region_level))
        else:
            return Scope(everything=True)
    return Scope(region_prefixes=frozenset(regions), grid_codes=frozenset(grids))


AssignmentRow = tuple[str, str | None, str | None, str | None]


def assignments_of(user: Any) -> list[AssignmentRow]:
    """(role, region code, region level, grid code) rows, loaded once per request (cached on the user).

    A role held on a unit counts as held on the unit's region: a unit member's territorial scope is where the
    unit sits (never "everywhere", which a row without region and grid would mean)."""
    rows: list[AssignmentRow] | None = user.__dict__.get("_gridgov_assignments")
    if rows is None:
        rows = list(
            user.role_assignments.values_list(
                "role",
                Coalesce("region__code", "unit__region__code"),
                Coalesce("region__level", "unit__region__level"),
                "grid__code",
            )
        )
        user.__dict__["_gridgov_assignments"] = rows
    return rows


def roles_of(user: Any) -> set[str]:
    if not user.is_authenticated:
        return set()
    return {row[0] for row in assignments_of(user)}
