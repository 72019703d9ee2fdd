"""Import jobs: an uploaded Excel/CSV file validated, previewed (dry run) and committed in the background."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import RegistryQuerySet


class ImportKind(models.TextChoices):
    PERSON = "person", _("人员")
    HOUSEHOLD = "household", _("户")
    HOUSE = "house", _("房屋")
    ORGANISATION = "organisation", _("组织")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("已校验,待确认")
    COMMITTING = "committing", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")
    #: Validated but not confirmed in time (``IMPORT_UNCONFIRMED_HOURS``): the uploaded file has been deleted.
    EXPIRED = "expired", _("已过期")


class ImportJobQuerySet(RegistryQuerySet):
    scope_name = "importjob"


class ImportJob(models.Model):
    """One import. ``scope_code`` is the importing user's narrowest scope prefix (rows outside it are rejected);
    ``committed_rows`` is how far a commit got, so a job that died mid-way resumes from there."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类别"), max_length=16, choices=ImportKind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("文件名"), max_length=200)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理"), default=0)
    valid_rows = models.PositiveIntegerField(_("有效行"), default=0)
    error_rows = models.PositiveIntegerField(_("错误行"), default=0)
    committed_rows = models.PositiveIntegerField(_("已提交"), default=0)
    created_rows = models.PositiveIntegerField(_("新增"), default=0)
    updated_rows = models.PositiveIntegerField(_("更新"), default=0)
    error_file = models.FileField(_("错误清单"), upload_to="imports/errors/%Y/%m/", blank=True)
    summary = models.JSONField(_("摘要"), default=dict, blank=True)
    message = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("导入人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    scope_code = models.CharField(max_length=24, db_index=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"

    @property
    def progress(self) -> int:
        """0–100 for the progress bar."""
        if self.status in (ImportStatus.DONE, ImportStatus.VALIDATED):
            return 100
        if not self.total_rows:
            return 0
        done = self.committed_rows if self.status == ImportStatus.COMMITTING else self.processed_rows
        return min(100, int(100 * done / self.total_rows))
