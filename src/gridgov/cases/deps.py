"""What the cases app uses from its neighbours (working calendar, outbox, in-app notifications, units, the matter
list), in one place: the services call these names only, so a change of a neighbour's interface is one edit here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from gridgov.accounts.roles import Role


def add_working_time(start: datetime, amount: int, unit: str) -> datetime:
    from gridgov.core.workcalendar import add_working_time as add

    return add(start, amount, unit)


def enqueue(channel: str, address: str, payload: dict[str, Any], *, dedupe_key: str | None = None) -> None:
    from gridgov.core.outbox import enqueue as outbox_enqueue

    outbox_enqueue(channel, address, payload, dedupe_key=dedupe_key)


def notify(users: Iterable[Any], *, verb: str, text: str, target: Any = None, url: str = "") -> None:
    from gridgov.core.notify import notify as core_notify

    core_notify(users, verb=verb, text=text, target=target, url=url)


def unit_ids_of(user: Any) -> frozenset[int]:
    """Units the user is a member of (holds the department-handler role on), cached on the user object."""
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


def assert_grid_assignable(category: Any, at: datetime | None = None) -> None:
    """Raise if a grid worker may not be tasked with ``category`` (the matter list's admission check)."""
    try:
        from gridgov.matters.services import assert_grid_assignable as check  # type: ignore[attr-defined]
    except ImportError:  # the matter list's services are not committed yet: the model flag is the rule
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext_lazy as _

        if not category.grid_assignable or not category.is_active:
            raise ValidationError(_("该事项不在网格员事项清单内。")) from None
        return
    check(category, at=at)
