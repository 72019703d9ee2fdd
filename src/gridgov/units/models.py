"""Units that handle cases (the "1+6+N"): governance centres at each tier, the six forces and any other department,
social organisation or volunteer team. Members hold the department-handler role on their unit
(``accounts.RoleAssignment.unit``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    """Where a case is being handled: settled in the grid if possible, else community, sub-district, district."""

    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    SUBDISTRICT = "subdistrict", _("街道")
    DISTRICT = "district", _("区县")
    CITY = "city", _("市")


TIER_ORDER = [Tier.GRID, Tier.COMMUNITY, Tier.SUBDISTRICT, Tier.DISTRICT, Tier.CITY]


class UnitKind(models.TextChoices):
    GOVERNANCE_CENTRE = "governance_centre", _("综治中心")
    POLICE = "police", _("派出所")
    COURT = "court", _("人民法庭")
    PROCURATORATE = "procuratorate", _("检察室")
    JUSTICE = "justice", _("司法所")
    GRID_SYSTEM = "grid_system", _("网格管理")
    PLATFORM = "platform", _("综治平台")
    CITY_MANAGEMENT = "city_management", _("城市管理")
    HOUSING = "housing", _("住房建设")
    ENVIRONMENT = "environment", _("生态环境")
    MARKET_SUPERVISION = "market_supervision", _("市场监管")
    FIRE = "fire", _("消防")
    UTILITIES = "utilities", _("水电气")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")
    VOLUNTEER_TEAM = "volunteer_team", _("志愿服务队")
    OTHER = "other", _("其他")


class Unit(models.Model):
    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=32, choices=UnitKind.choices)
    tier = models.CharField(_("层级"), max_length=16, choices=Tier.choices)
    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="units", verbose_name=_("所在区划")
    )
    jurisdiction = models.ManyToManyField(
        "territory.Region", related_name="jurisdiction_units", blank=True, verbose_name=_("管辖区划")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("处置单位")
        verbose_name_plural = _("处置单位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
