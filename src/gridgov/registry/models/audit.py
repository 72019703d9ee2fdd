"""The access log of personal data: every reveal, export and import of people, append-only.

No one edits or deletes a row through the app: ``save()`` refuses to change an existing row, ``delete()`` and the
queryset's ``update()``/``delete()`` refuse, and the admin is read-only. Administrators read it (scope by
``scope_code``, the subject's place).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import RegistryQuerySet


class AccessAction(models.TextChoices):
    REVEAL = "reveal", _("查看完整信息")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")


class AppendOnlyError(Exception):
    pass


class AccessLogQuerySet(RegistryQuerySet):
    scope_name = "accesslog"

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("the access log is append-only")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("the access log is append-only")


class AccessLog(models.Model):
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    action = models.CharField(_("操作"), max_length=8, choices=AccessAction.choices)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_log",
        verbose_name=_("被查看人"),
    )
    field = models.CharField(_("字段"), max_length=40, blank=True)
    reason = models.TextField(_("事由"))
    rows = models.PositiveIntegerField(_("记录数"), default=0)
    detail = models.CharField(_("范围/条件"), max_length=400, blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    scope_code = models.CharField(max_length=24, db_index=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("个人信息访问日志")
        verbose_name_plural = _("个人信息访问日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.field}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("the access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("the access log is append-only")
