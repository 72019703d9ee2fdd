"""What the cases app uses from its neighbours (working calendar, outbox, in-app notifications, units, the matter
list), in one place: the services call these names only, so a change of a neighbour's interface is one edit here."""

from __future__ import annotations

from typing import Any

from gridgov.accounts.roles import Role
from gridgov.core.notify import notify
from gridgov.core.outbox import enqueue
from gridgov.core.workcalendar import add_working_time
from gridgov.matters.services import assert_grid_assignable

__all__ = ["add_working_time", "assert_grid_assignable", "enqueue", "notify", "unit_ids_of", "unit_members"]


def unit_ids_of(user: Any) -> frozenset[int]:
    """Units the user handles cases for (holds the department-handler role on), cached on the user object."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached: frozenset[int] | None = user.__dict__.get("_gridgov_unit_ids")
    if cached is None:
        from gridgov.accounts.models import RoleAssignment

        cached = frozenset(
            RoleAssignment.objects.filter(
                user_id=user.pk, role=Role.DEPARTMENT_HANDLER, unit__isnull=False, unit__is_active=True
            ).values_list("unit_id", flat=True)
        )
        user.__dict__["_gridgov_unit_ids"] = cached
    return cached


def unit_members(unit: Any) -> Any:
    """Users to notify for a unit: its department handlers."""
    from gridgov.accounts.models import User

    return User.objects.filter(
        role_assignments__unit=unit, role_assignments__role=Role.DEPARTMENT_HANDLER, is_active=True
    ).distinct()
