"""Whistle and report-in (吹哨报到): the units a centre summons to a case, each with a report-in deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseSummons(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="summonses", verbose_name=_("案件"))
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="summonses", verbose_name=_("单位"))
    summoned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("吹哨人")
    )
    summoned_at = models.DateTimeField(_("吹哨时间"))
    deadline = models.DateTimeField(_("报到期限"))
    reported_in_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    part_done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.TextField(_("分工说明"), blank=True)
    part_result = models.TextField(_("完成情况"), blank=True)
    flagged_late = models.BooleanField(_("逾期未报到"), default=False)

    class Meta:
        verbose_name = _("吹哨报到")
        verbose_name_plural = _("吹哨报到")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="uniq_summons_unit")]
        indexes = [
            models.Index(
                fields=["deadline"],
                condition=models.Q(reported_in_at__isnull=True, flagged_late=False),
                name="summons_waiting_deadline",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.unit_id}"
