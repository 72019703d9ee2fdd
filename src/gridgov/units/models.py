"""Units that handle cases (the "1+6+N"): governance centres at each tier, the six forces and any other department,
social organisation or volunteer team. Members hold the department-handler role on their unit
(``accounts.RoleAssignment.unit``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.scoping import Scope, ScopedQuerySet, prefix_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gridgov.accounts.models import User


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


def ancestor_codes(prefix: str) -> set[str]:
    """Codes of the regions at and above a scope prefix or region code (province, city, district,
    sub-district, community)."""
    codes = set()
    if len(prefix) >= 2:
        codes.add(prefix[:2] + "0000")
    if len(prefix) >= 4:
        codes.add(prefix[:4] + "00")
    for width in (6, 9, 12):
        if len(prefix) >= width:
            codes.add(prefix[:width])
    return codes


class UnitQuerySet(ScopedQuerySet["Unit"]):
    """A unit is visible to a user when it sits in the subtree they hold a role on, or above it (a community
    dispatcher must see the district bureaus it dispatches to), or when the user is one of its members."""

    scope_name = "unit"

    def scope_q(self, scope: Scope) -> Q:
        above: set[str] = set()
        for prefix in scope.region_prefixes | scope.grid_codes:
            above |= ancestor_codes(prefix)
        return (
            prefix_q("region__code", scope.region_prefixes)
            | prefix_q("region__code", {g[:12] for g in scope.grid_codes})
            | Q(region__code__in=above)
        )

    def visible_to(self, user: User | AnonymousUser, action: str = "view") -> UnitQuerySet:
        from gridgov.accounts.scope import scope_for

        scope = scope_for(user, self.scope_name, action)
        if scope.everything:
            return self
        q = Q(pk__in=[]) if scope.empty else self.scope_q(scope)
        if action == "view" and user is not None and user.is_authenticated and user.is_active:
            from gridgov.accounts.models import RoleAssignment

            q |= Q(pk__in=RoleAssignment.objects.filter(user_id=user.pk, unit__isnull=False).values("unit_id"))
        return self.filter(q)

    def active(self) -> UnitQuerySet:
        return self.filter(is_active=True)


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
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    email = models.EmailField(_("通知邮箱"), blank=True, help_text=_("派遣、催办等通知发往此邮箱(可不填)"))
    webhook_url = models.URLField(
        _("通知回调地址"), blank=True, help_text=_("派遣、催办等通知以 JSON POST 到此地址(可不填)")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("处置单位")
        verbose_name_plural = _("处置单位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def members(self) -> Any:
        """Users who hold a role on this unit."""
        from gridgov.accounts.models import User

        return User.objects.filter(role_assignments__unit=self).distinct()
