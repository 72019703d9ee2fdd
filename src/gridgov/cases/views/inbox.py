"""The unit inbox (待办) of a department handler: what their units must do now — cases to sign for, cases in
progress, overdue cases, and whistles they were summoned by (report-in or their part still pending). Every case
comes through ``Case.objects.visible_to``; the units are the ones the handler is a member of."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from gridgov.units.models import Unit

from .. import deps
from ..models import Case, CaseSummons
from ..workflow import OPEN_STATUSES, Status
from .report import case_url

#: Rows shown per section (the count above each section is the whole number).
SECTION_LIMIT = 100


@dataclass
class Row:
    case: Case
    url: str
    overdue: bool = False
    summons: CaseSummons | None = None
    pending: Any = ""


@dataclass
class Section:
    key: str
    title: Any
    empty: Any
    count: int = 0
    rows: list[Row] = field(default_factory=list)


def _rows(cases: Any, now: Any) -> tuple[int, list[Row]]:
    count = cases.count()
    rows = [
        Row(c, case_url(c.number), overdue=bool(c.due_flagged or (c.due_at and c.due_at < now)))
        for c in cases.select_related("category", "current_unit")[:SECTION_LIMIT]
    ]
    return count, rows


def inbox_sections(user: Any) -> tuple[list[Unit], list[Section]]:
    unit_ids = deps.unit_ids_of(user)
    units = list(Unit.objects.filter(pk__in=unit_ids).order_by("code"))
    now = timezone.now()
    visible = Case.objects.visible_to(user, "view")
    mine = visible.filter(current_unit_id__in=unit_ids)
    by_due = ("due_at", "id")

    to_sign = Section("to_sign", _("待签收"), _("没有待签收的案件。"))
    to_sign.count, to_sign.rows = _rows(mine.filter(status=Status.DISPATCHED).order_by(*by_due), now)

    in_progress = Section("in_progress", _("办理中"), _("没有办理中的案件。"))
    in_progress.count, in_progress.rows = _rows(mine.filter(status=Status.IN_PROGRESS).order_by(*by_due), now)

    overdue = Section("overdue", _("已超期"), _("没有超期的案件。"))
    late = Q(due_flagged=True) | Q(due_at__lt=now)
    overdue.count, overdue.rows = _rows(
        mine.filter(status__in=sorted({Status.DISPATCHED, Status.IN_PROGRESS})).filter(late).order_by(*by_due), now
    )

    summoned = Section("summoned", _("吹哨召集"), _("没有待报到或待完成的吹哨任务。"))
    summonses = (
        CaseSummons.objects.filter(
            unit_id__in=unit_ids,
            part_done_at__isnull=True,
            case__in=visible.filter(status__in=sorted(OPEN_STATUSES)).values("pk"),
        )
        .select_related("case", "case__category", "unit")
        .order_by("deadline", "id")
    )
    summoned.count = summonses.count()
    for s in summonses[:SECTION_LIMIT]:
        waiting_report_in = s.reported_in_at is None
        summoned.rows.append(
            Row(
                s.case,
                case_url(s.case.number),
                overdue=s.flagged_late or (waiting_report_in and s.deadline < now),
                summons=s,
                pending=_("待报到") if waiting_report_in else _("待完成分工"),
            )
        )
    return units, [to_sign, in_progress, overdue, summoned]


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    if not deps.unit_ids_of(request.user):
        raise PermissionDenied(_("待办只对处置单位的部门处置人员开放。"))
    units, sections = inbox_sections(request.user)
    return render(request, "cases/inbox.html", {"units": units, "sections": sections})
