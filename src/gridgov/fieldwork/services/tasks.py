"""Tasks for grid workers: assigned by a centre only for an admitted matter (事项清单 + 准入制), reported back
from the phone with proof, accepted or sent back; reminders; overdue flagged by the sweep, and frozen when the
report arrives (by the server's clock)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.accounts.scope import scope_for
from gridgov.core.notify import notify
from gridgov.core.workcalendar import add_working_time
from gridgov.matters.models import MatterCategory
from gridgov.matters.services import assert_grid_assignable, is_grid_assignable
from gridgov.territory.models import Grid

from ..models import OPEN_TASK_STATUSES, Task, TaskStatus


def matter_end(category: MatterCategory) -> datetime | None:
    """When a temporary matter stops (the end of its last day, local time); ``None`` for a standing one."""
    if not category.is_temporary or category.ends_on is None:
        return None
    return datetime.combine(category.ends_on + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())


def _require(by: Any, action: str, code: str) -> None:
    if not scope_for(by, "task", action).covers_code(code):
        raise PermissionDenied(_("您没有权限进行此操作。"))


@transaction.atomic
def assign_task(
    *,
    by: Any,
    category: MatterCategory,
    kind: str,
    title: str,
    grid: Grid,
    assignee: Any,
    description: str = "",
    due_at: datetime | None = None,
) -> Task:
    """Admission first: a matter that is not on the list, not in force or not grid-assignable is refused
    (``NotAdmissible``, a ValidationError on ``category``) whoever asks."""
    assert_grid_assignable(category)
    _require(by, "add", grid.code)
    is_worker = RoleAssignment.objects.filter(user=assignee, role=Role.GRID_WORKER, grid=grid).exists()
    if not is_worker:
        raise ValidationError({"assignee": _("只能派给该网格的网格员。")})
    if not title.strip():
        raise ValidationError({"title": _("请填写任务标题。")})
    now = timezone.now()
    end = matter_end(category)
    if due_at is None:
        due_at = add_working_time(now, *category.limit("handle"))
        if end is not None and due_at > end:
            due_at = end  # a temporary matter's task is due by the matter's end at the latest
    elif due_at <= now:
        raise ValidationError({"due_at": _("完成时限应晚于现在。")})
    elif end is not None and due_at > end:
        raise ValidationError(
            {
                "due_at": _("完成时限不能晚于临时事项“%(name)s”的截止日期 %(date)s。")
                % {"name": category, "date": category.ends_on}
            }
        )
    task = Task.objects.create(
        category=category,
        kind=kind,
        title=title.strip(),
        description=description,
        grid=grid,
        scope_code=grid.code,
        assignee=assignee,
        assigned_by=by,
        due_at=due_at,
    )
    notify([assignee], verb="task_assigned", text=_("新任务:%(t)s") % {"t": task.title}, target=task)
    return task


@transaction.atomic
def report_task(*, by: Any, task: Task, report: str, reported_at: datetime, record: Any = None) -> Task:
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.assignee_id != by.pk:
        raise PermissionDenied(_("只有被派任务的网格员可以反馈。"))
    if locked.status not in OPEN_TASK_STATUSES:
        raise ValidationError({"task": _("该任务当前不能反馈(状态:%(s)s)。") % {"s": locked.get_status_display()}})
    if not report.strip():
        raise ValidationError({"report": _("请填写完成情况。")})
    # Overdue is frozen now, by the server's clock: the phone's time may be earlier (made offline, or set back), and
    # the sweep only looks at open tasks, so a report arriving after the deadline between two sweeps would escape.
    if timezone.now() > locked.due_at:
        locked.overdue = True
    locked.status = TaskStatus.REPORTED
    locked.report = report.strip()
    locked.reported_at = reported_at
    locked.report_record = record
    locked.version += 1
    locked.save()
    notify([locked.assigned_by], verb="task_reported", text=_("任务已反馈:%(t)s") % {"t": locked.title}, target=locked)
    return locked


@transaction.atomic
def review_task(*, by: Any, task: Task, accept: bool, note: str = "") -> Task:
    locked = Task.objects.select_for_update().get(pk=task.pk)
    _require(by, "review", locked.scope_code)
    if locked.assignee_id == by.pk:  # a grid head who is also the grid's worker
        raise PermissionDenied(_("不能验收或退回自己反馈的任务,请由其他负责人审核。"))
    if locked.status != TaskStatus.REPORTED:
        raise ValidationError({"task": _("只有已反馈的任务可以验收或退回。")})
    if not accept and not note.strip():
        raise ValidationError({"note": _("退回重做请说明原因。")})
    if not accept:
        assert_grid_assignable(locked.category)  # redo is a new assignment: admission again
    locked.status = TaskStatus.ACCEPTED if accept else TaskStatus.REDO
    if not accept:
        locked.report = f"{locked.report}\n[{_('退回')}] {note.strip()}".strip()
    locked.version += 1
    locked.save()
    if not accept:
        notify([locked.assignee], verb="task_redo", text=_("任务被退回重做:%(t)s") % {"t": locked.title}, target=locked)
    return locked


@transaction.atomic
def remind_task(*, by: Any, task: Task) -> Task:
    locked = Task.objects.select_for_update().get(pk=task.pk)
    _require(by, "review", locked.scope_code)
    if locked.status not in OPEN_TASK_STATUSES:
        raise ValidationError({"task": _("该任务已完成,无需催办。")})
    assert_grid_assignable(locked.category)
    locked.reminders += 1
    locked.save(update_fields=["reminders"])
    notify([locked.assignee], verb="task_reminder", text=_("催办:%(t)s") % {"t": locked.title}, target=locked)
    return locked


def sweep_overdue_tasks(now: datetime | None = None, *, batch: int = 1000) -> int:
    """Flag open tasks past their deadline, once each (a conditional update: safe with several workers); at most
    ``batch`` a run (the beat comes back)."""
    now = now or timezone.now()
    flagged = 0
    due = Task.objects.filter(status__in=OPEN_TASK_STATUSES, overdue=False, due_at__lt=now)
    for task in due.select_related("assignee", "assigned_by").order_by("due_at")[:batch]:
        with transaction.atomic():
            if Task.objects.filter(pk=task.pk, overdue=False).update(overdue=True):
                flagged += 1
                notify(
                    [task.assignee, task.assigned_by],
                    verb="task_overdue",
                    text=_("任务已超时:%(t)s") % {"t": task.title},
                    target=task,
                )
    return flagged


def cancel_tasks_not_admitted(category_ids: Iterable[int] | None = None) -> int:
    """Cancel the open tasks whose matter may no longer be given to grid workers (it left the list, is no longer
    grid-assignable, or is a temporary matter past its end), telling the assignee and who assigned it. The matter
    list's services call this where the list changes; ``category_ids`` narrows the look. Returns how many."""
    open_tasks = Task.objects.filter(status__in=OPEN_TASK_STATUSES)
    if category_ids is not None:
        open_tasks = open_tasks.filter(category_id__in=list(category_ids))
    categories = MatterCategory.objects.filter(pk__in=open_tasks.values("category_id"))
    gone = [c.pk for c in categories if not is_grid_assignable(c)]
    cancelled = 0
    for task in open_tasks.filter(category_id__in=gone).select_related("category", "assignee", "assigned_by"):
        with transaction.atomic():
            claimed = Task.objects.filter(pk=task.pk, status__in=OPEN_TASK_STATUSES).update(
                status=TaskStatus.CANCELLED, version=F("version") + 1
            )
            if claimed:
                cancelled += 1
                notify(
                    [task.assignee, task.assigned_by],
                    verb="task_cancelled",
                    text=_("任务已撤销(事项“%(c)s”已不在网格事项清单内):%(t)s") % {"c": task.category, "t": task.title},
                    target=task,
                )
    return cancelled
