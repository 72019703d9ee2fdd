"""What of a case a user may be shown beyond its scope (DESIGN rule 4): the reporter, and whether a stage is late.

The reporter is shown only to the reporter and to the centres over the case (dispatchers, leaders, administrators
whose node covers the case's grid). Residents who are not the reporter, grid workers and units see "已隐藏". Never
a phone number or ID: only the name the user goes by. These checks use the user's role rows, loaded once per
request, so a list costs no query per case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Role
from gridgov.accounts.scope import assignments_of
from gridgov.core.regioncodes import scope_prefix

from .models import Case
from .workflow import DISPATCHERS, OPEN_STATUSES

HIDDEN = _("已隐藏")

#: Roles that speak for a centre (综治中心) and may see who reported a case in their area.
CENTRE_ROLES = frozenset({*DISPATCHERS, Role.LEADER, Role.ADMINISTRATOR})


def sees_reporter(case: Case, user: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if case.reporter_id is not None and case.reporter_id == user.pk:
        return True
    if user.is_superuser:
        return True
    code = case.grid_code or ""
    for role, region_code, region_level, grid_code in assignments_of(user):
        if role not in CENTRE_ROLES:
            continue
        if grid_code is not None:
            if code.startswith(grid_code):
                return True
        elif region_code is not None and region_level is not None:
            if code.startswith(scope_prefix(region_code, region_level)):
                return True
        else:
            return True  # a city-wide leader or administrator
    return False


def reporter_name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.display_name or user.username)


def reporter_label(case: Case, user: Any) -> str:
    """The reporter's name for ``user``, or "已隐藏". The case should have ``reporter`` selected."""
    if not sees_reporter(case, user):
        return str(HIDDEN)
    return reporter_name(case.reporter) if case.reporter_id else ""


def is_overdue(case: Case, now: datetime | None = None) -> bool:
    """The case is open and its current stage is past its deadline (or the sweep has flagged it)."""
    if case.status not in OPEN_STATUSES:
        return False
    if case.due_flagged:
        return True
    return case.due_at is not None and (now or timezone.now()) > case.due_at
