"""The matter list (事项清单): categories of matters in two levels, their time limits, handling tier and whether
grid workers may be tasked with them (admission, 准入制)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.units.models import Tier, UnitKind


class LimitUnit(models.TextChoices):
    WORKING_HOURS = "hours", _("工作小时")
    WORKING_DAYS = "days", _("工作日")


class MatterKind(models.TextChoices):
    ORDINARY = "ordinary", _("一般事项")
    PUBLICITY = "publicity", _("政策宣传")
    INFORMATION = "information", _("信息采集")
    SCREENING = "screening", _("矛盾纠纷排查")
    INSPECTION = "inspection", _("隐患巡查")
    CARE = "care", _("关爱服务")
    ERRAND = "errand", _("代办服务")
    EMERGENCY = "emergency", _("应急报告")
    DISPUTE = "dispute", _("矛盾纠纷")
    LICENSING = "licensing", _("行政许可")
    PENALTY = "penalty", _("行政处罚")
    ENFORCEMENT = "enforcement", _("行政强制")


#: Kinds that may never be made grid-assignable (DOMAIN: "Administrative licensing, penalties and enforcement may
#: never be listed").
NEVER_GRID_ASSIGNABLE = frozenset({MatterKind.LICENSING, MatterKind.PENALTY, MatterKind.ENFORCEMENT})


class MatterCategory(models.Model):
    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("大类")
    )
    kind = models.CharField(_("性质"), max_length=16, choices=MatterKind.choices, default=MatterKind.ORDINARY)
    owner_unit_kind = models.CharField(_("责任单位类型"), max_length=32, choices=UnitKind.choices, blank=True)
    default_tier = models.CharField(_("默认处置层级"), max_length=16, choices=Tier.choices, default=Tier.COMMUNITY)
    grid_assignable = models.BooleanField(_("可派网格员"), default=False)
    self_settle_allowed = models.BooleanField(_("网格员可自行处置"), default=False)
    accept_limit = models.PositiveIntegerField(_("受理时限"), default=2)
    accept_limit_unit = models.CharField(max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKING_HOURS)
    sign_limit = models.PositiveIntegerField(_("签收时限"), default=4)
    sign_limit_unit = models.CharField(max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKING_HOURS)
    handle_limit = models.PositiveIntegerField(_("办理时限"), default=7)
    handle_limit_unit = models.CharField(max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS)
    verify_limit = models.PositiveIntegerField(_("核查时限"), default=1)
    verify_limit_unit = models.CharField(max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("事项类别")
        verbose_name_plural = _("事项类别")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
