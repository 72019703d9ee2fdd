"""Dispute mediation (矛盾纠纷调解): parties, mediators, sessions and the stage reached
(登记 → 调解 → 研判 → 流转 → 督办 → 案结事了)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MediationStage(models.TextChoices):
    REGISTERED = "registered", _("登记受理")
    MEDIATING = "mediating", _("先行调解")
    ASSESSING = "assessing", _("风险研判")
    ROUTING = "routing", _("分类流转")
    SUPERVISING = "supervising", _("跟踪督办")
    RESOLVED = "resolved", _("案结事了")


MEDIATION_STAGE_ORDER = list(MediationStage)


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class MediatorRole(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    CADRE = "cadre", _("村(社区)干部")
    POLICE = "police", _("民警")
    JUSTICE = "justice", _("司法所工作人员")
    OTHER = "other", _("其他")


class Mediation(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="mediation", verbose_name=_("案件")
    )
    stage = models.CharField(
        _("阶段"), max_length=16, choices=MediationStage.choices, default=MediationStage.REGISTERED
    )
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW)
    agreement_reached = models.BooleanField(_("达成协议"), null=True, blank=True)
    agreement_text = models.TextField(_("协议内容"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("矛盾纠纷调解")
        verbose_name_plural = _("矛盾纠纷调解")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_stage_display()}"


def mask_name(name: str) -> str:
    """A party's name for display: the surname and a mask (张三 → 张*, 欧阳娜娜 → 欧***)."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    return name[0] + "*" * (len(name) - 1)


class MediationParty(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="parties", verbose_name=_("调解"))
    name = models.CharField(_("姓名/名称"), max_length=64)
    role = models.CharField(_("身份"), max_length=32, help_text=_("如:申请人、被申请人、第三人"))

    class Meta:
        verbose_name = _("纠纷当事人")
        verbose_name_plural = _("纠纷当事人")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{mask_name(self.name)}({self.role})"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


class Mediator(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="mediators", verbose_name=_("调解"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=64)
    role = models.CharField(_("身份"), max_length=16, choices=MediatorRole.choices)

    class Meta:
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{mask_name(self.name)}({self.get_role_display()})"


class MediationSession(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("调解"))
    held_on = models.DateField(_("调解日期"))
    outcome = models.TextField(_("调解情况"))
    agreement_reached = models.BooleanField(_("达成协议"), default=False)

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.mediation_id} {self.held_on}"
