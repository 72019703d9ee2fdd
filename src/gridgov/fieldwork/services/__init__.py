"""Every change in field work goes through these functions (the sync API and the centre's pages call them)."""

from .patrols import add_points, check_in, checkin_is_far, recompute, start_patrol, stop_patrol, worker_grids
from .tasks import (
    assign_task,
    cancel_tasks_not_admitted,
    remind_task,
    report_task,
    review_task,
    sweep_overdue_tasks,
)
from .visits import record_visit

__all__ = [
    "add_points",
    "assign_task",
    "cancel_tasks_not_admitted",
    "check_in",
    "checkin_is_far",
    "recompute",
    "record_visit",
    "remind_task",
    "report_task",
    "review_task",
    "start_patrol",
    "stop_patrol",
    "sweep_overdue_tasks",
    "worker_grids",
]
