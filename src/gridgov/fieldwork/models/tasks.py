"""Tasks a centre gives a grid worker — only for a matter on the list that is grid-assignable and in force
(admission, ``matters.models.assert_grid_assignable``), with a deadline in working time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.registry.models.base import RegistryQuerySet


class TaskKind(models.TextChoices):
    INSPECTION = "inspection", _("巡查检查")
    COLLECTION = "collection", _("信息采集")
    PUBLICITY = "publicity", _("宣传")
    VISIT = "visit", _("走访")


class TaskStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待完成")
    REPORTED = "reported", _("已反馈")
    ACCEPTED = "accepted", _("已验收")
    REDO = "redo", pgettext_lazy("task status", "退回重做")
    CANCELLED = "cancelled", pgettext_lazy("task status", "已撤销")


OPEN_TASK_STATUSES = (TaskStatus.ASSIGNED, TaskStatus.REDO)


class TaskQuerySet(RegistryQuerySet):
    scope_name = "task"


class Task(models.Model):
    category = models.ForeignKey("matters.MatterCategory", on_delete=models.PROTECT, verbose_name=_("事项"))
    kind = models.CharField(_("任务类型"), max_length=12, choices=TaskKind.choices)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("要求"), blank=True)
    grid = models.ForeignKey("territory.Grid", on_delete=models.PROTECT, related_name="+", verbose_name=_("网格"))
    scope_code = models.CharField(max_length=24, db_index=True, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("网格员")
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("派发人")
    )
    assigned_at = models.DateTimeField(_("派发时间"), auto_now_add=True)
    due_at = models.DateTimeField(_("完成时限"), db_index=True)
    overdue = models.BooleanField(_("已超时"), default=False)
    reminders = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.ASSIGNED)
    report = models.TextField(_("反馈"), blank=True)
    reported_at = models.DateTimeField(_("反馈时间(手机)"), null=True, blank=True)
    report_record = models.UUIDField(_("反馈记录编号"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return self.title
