"""Periodic work of field work (celery beat, ``CELERY_BEAT_SCHEDULE["fieldwork-overdue-tasks"]``)."""

from __future__ import annotations

from celery import shared_task

from .services import sweep_overdue_tasks


@shared_task(name="gridgov.fieldwork.tasks.sweep_overdue_tasks")
def sweep_overdue_tasks_task() -> int:
    """Flag open tasks past their deadline, once each, and tell the worker and whoever assigned it."""
    return sweep_overdue_tasks()
