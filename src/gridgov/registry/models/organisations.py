"""Organisations (组织) and small venues (三小场所), and facilities (部件, GB/T 30428.2)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.sensitive import EncryptedField

from .base import Placed, RegistryQuerySet


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    SOCIAL_ORG = "social_org", _("社会组织")
    PARTY_BRANCH = "party_branch", _("党组织")
    PROPERTY_MANAGEMENT = "property_management", _("物业服务企业")
    SMALL_VENUE = "small_venue", _("三小场所")


class VenueKind(models.TextChoices):
    SHOP = "shop", _("小商店")
    RESTAURANT = "restaurant", _("小餐饮")
    ENTERTAINMENT = "entertainment", _("小娱乐场所")


class FireSafety(models.TextChoices):
    NOT_INSPECTED = "not_inspected", _("未检查")
    PASSED = "passed", _("合格")
    HAZARD = "hazard", _("存在隐患")
    RECTIFIED = "rectified", _("已整改")


class OrganisationQuerySet(RegistryQuerySet):
    scope_name = "organisation"


class Organisation(Placed):
    contact_phone_index = models.CharField(max_length=32, blank=True, default="", db_index=True, editable=False)

    kind = models.CharField(_("类别"), max_length=24, choices=OrganisationKind.choices)
    venue_kind = models.CharField(_("场所类型"), max_length=16, choices=VenueKind.choices, blank=True)
    name = models.CharField(_("名称"), max_length=120, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    legal_representative = models.CharField(_("负责人"), max_length=60, blank=True)
    contact_phone = EncryptedField(_("联系电话"), kind="phone", blind_index="contact_phone_index")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    building = models.ForeignKey(
        "territory.Building",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("楼栋"),
    )
    lon = models.FloatField(_("经度(WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("纬度(WGS-84)"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("从业人数"), default=0)
    fire_safety = models.CharField(
        _("消防检查"), max_length=16, choices=FireSafety.choices, default=FireSafety.NOT_INSPECTED
    )
    fire_checked_on = models.DateField(_("最近消防检查"), null=True, blank=True)
    is_active = models.BooleanField(_("在营"), default=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["scope_code", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="uniq_organisation_uscc"),
            models.CheckConstraint(
                condition=Q(kind="small_venue", venue_kind__gt="") | (~Q(kind="small_venue") & Q(venue_kind="")),
                name="venue_kind_iff_small_venue",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FacilityClass(models.TextChoices):
    """GB/T 30428.2 major classes (the 2-digit code after the county code)."""

    PUBLIC_UTILITY = "01", _("公用设施")
    ROAD_TRAFFIC = "02", _("道路交通")
    CITY_APPEARANCE = "03", _("市容环境")
    LANDSCAPING = "04", _("园林绿化")
    OTHER = "05", _("其他设施")


class FacilityStatus(models.TextChoices):
    NORMAL = "normal", _("完好")
    DAMAGED = "damaged", _("破损")
    LOST = "lost", _("丢失")
    REMOVED = "removed", _("已拆除")


class FacilityQuerySet(RegistryQuerySet):
    scope_name = "facility"


class Facility(Placed):
    """A facility (部件). ``code`` = county code (6) + major class (2) + minor class + serial — a string, since the
    minor class is 2 or 3 digits depending on the city."""

    code = models.CharField(_("部件编码"), max_length=32, unique=True)
    major_class = models.CharField(_("大类"), max_length=2, choices=FacilityClass.choices)
    minor_class = models.CharField(_("小类"), max_length=3)
    name = models.CharField(_("名称"), max_length=60)
    lon = models.FloatField(_("经度(WGS-84)"))
    lat = models.FloatField(_("纬度(WGS-84)"))
    status = models.CharField(_("状态"), max_length=10, choices=FacilityStatus.choices, default=FacilityStatus.NORMAL)
    owner_unit = models.ForeignKey(
        "units.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("权属单位")
    )

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("部件")
        verbose_name_plural = _("部件")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"
