"""After close: the reporter (or the grid worker on a call-back) rates the result; a dissatisfied rating can reopen
the case within ``GRIDGOV_REOPEN_DAYS`` of closing (重办)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..models import Case, Rating
from ..workflow import TransitionNotAllowed
from .base import begin, finish, tell_unit, tell_users
from .transitions import centre_users


@transaction.atomic
def rate_case(case: Case, *, by: Any, rating: str, comment: str = "") -> Case:
    if rating not in Rating.values:
        raise TransitionNotAllowed(_("评价须为满意、基本满意或不满意。"), action="rate", rule="input")
    step = begin(case, by=by, action="rate")
    c = step.case
    c.rating = rating
    c.rating_comment = comment.strip()
    c.rated_at = step.now
    c.rated_by = by
    finish(step, note=c.rating_comment, data={"rating": rating, "call_back": c.reporter_id != by.pk})
    return c


@transaction.atomic
def reopen_case(case: Case, *, by: Any, reason: str) -> Case:
    """不满意重办: back to the unit that handled it (or the dispatcher when it was settled in the grid)."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionNotAllowed(_("重办须说明理由。"), action="reopen", rule="input")
    step = begin(case, by=by, action="reopen")
    c = step.case
    data = {"rating": c.rating, "closed_at": c.closed_at.isoformat() if c.closed_at else None}
    c.redo_count += 1
    c.closed_at = None
    c.rating = ""
    c.rating_comment = ""
    c.rated_at = None
    c.rated_by = None
    c.settled_by = None
    event = finish(step, note=reason, data=data)
    text = _("案件 %(n)s 因群众不满意重办。") % {"n": c.number}
    if c.current_unit is not None:
        tell_unit(c.current_unit, c, event, verb="case_reopened", text=text)
    else:
        tell_users(centre_users(c, c.current_tier), c, verb="case_reopened", text=text)
    return c
