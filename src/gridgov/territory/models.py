"""The territory: the region tree, grids, buildings and houses.

Boundaries are WGS-84 lon/lat stored as WKB in an ordinary column, with the bounding box beside it so that a
map request can be answered without decoding every polygon (DESIGN: no GeoDjango).
"""

from __future__ import annotations

import datetime
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from shapely.geometry.base import BaseGeometry

from gridgov.core import geo
from gridgov.core.regioncodes import Level, scope_prefix, validate_region_code
from gridgov.core.scoping import Scope, ScopedQuerySet, prefix_q


class HasBoundary(models.Model):
    boundary_wkb = models.BinaryField(_("边界(WKB, WGS-84)"), null=True, blank=True, editable=False)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    area_m2 = models.FloatField(_("面积(平方米)"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @cached_property
    def boundary(self) -> BaseGeometry | None:
        return geo.from_wkb(self.boundary_wkb)

    def set_boundary(self, geom: BaseGeometry | None) -> None:
        self.__dict__.pop("boundary", None)
        self.boundary_wkb = geo.to_wkb(geom)
        if geom is None or geom.is_empty:
            self.min_lon = self.min_lat = self.max_lon = self.max_lat = self.area_m2 = None
            return
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = (float(v) for v in geom.bounds)
        self.area_m2 = geo.area_m2(geom)


class RegionQuerySet(ScopedQuerySet["Region"]):
    scope_name = "region"

    def scope_q(self, scope: Scope) -> Q:
        # A user sees the subtree they hold a role on, and the regions above it (for context: names, the tree);
        # a grid-level role sees its community and the regions above.
        above: set[str] = set()
        for prefix in scope.region_prefixes | scope.grid_codes:
            above |= _ancestor_codes(prefix)
        return prefix_q("code", scope.region_prefixes) | Q(code__in=above)


def _ancestor_codes(prefix: str) -> set[str]:
    """Codes of the regions above a scope prefix (province, city, district, sub-district)."""
    codes = set()
    if len(prefix) >= 2:
        codes.add(prefix[:2] + "0000")
    if len(prefix) >= 4:
        codes.add(prefix[:4] + "00")
    if len(prefix) >= 6:
        codes.add(prefix[:6])
    if len(prefix) >= 9:
        codes.add(prefix[:9])
    if len(prefix) >= 12:
        codes.add(prefix[:12])
    return codes


class Region(HasBoundary):
    """A node of the administrative tree. ``code`` is the statistical code (6/6/6/9/12 digits)."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="uniq_region_name_in_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

    @property
    def scope_prefix(self) -> str:
        return scope_prefix(self.code, self.level)

    def clean(self) -> None:
        parent = self.parent
        validate_region_code(self.code, self.level, parent.code if parent else None, parent.level if parent else None)


class GridKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合网格")
    SPECIAL = "special", _("专属网格")
    SPECIALIZED = "specialized", _("专业网格")
    MICRO = "micro", _("微网格")


TERRITORIAL_KINDS = (GridKind.COMPREHENSIVE, GridKind.SPECIAL)


class SpecialKind(models.TextChoices):
    INDUSTRIAL_PARK = "industrial_park", _("产业园区")
    PETROCHEMICAL = "petrochemical", _("石化区")
    MARKET = "market", _("市场")
    CAMPUS = "campus", _("校园")
    ISLAND = "island", _("海岛")
    COAST = "coast", _("海岸")
    OTHER = "other", _("其他")


class GridQuerySet(ScopedQuerySet["Grid"]):
    scope_name = "grid"

    def scope_q(self, scope: Scope) -> Q:
        return prefix_q("region_code", scope.region_prefixes) | prefix_q("code", scope.grid_codes)

    def current(self) -> GridQuerySet:
        """Grids in force now: active and not superseded by a redrawn version."""
        return self.filter(is_active=True, valid_to__isnull=True)


class Grid(HasBoundary):
    """A grid. Comprehensive and special grids partition their community; micro-grids partition their parent
    grid; specialized grids (a department's beats) overlay the rest and may cross community lines.

    A redrawn grid keeps its history: the old row gets ``valid_to`` and ``is_active=False``, the new one the same
    code (codes are unique among current grids only)."""

    code = models.CharField(_("网格编码"), max_length=24)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=GridKind.choices, default=GridKind.COMPREHENSIVE)
    special_kind = models.CharField(_("专属类型"), max_length=24, choices=SpecialKind.choices, blank=True)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="grids",
        verbose_name=_("所属区划"),
        help_text=_("综合/专属网格与微网格:所在社区;专业网格:覆盖它的最低一级区划。"),
    )
    region_code = models.CharField(max_length=12, editable=False, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="micro_grids",
        verbose_name=_("上级网格"),
    )
    owner_unit = models.CharField(
        _("所属单位"), max_length=100, blank=True, help_text=_("专业网格、专属网格的责任单位")
    )
    households_estimate = models.PositiveIntegerField(_("户数(估)"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    valid_from = models.DateField(_("生效日期"), default=datetime.date.today)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(valid_to__isnull=True), name="uniq_current_grid_code"),
            models.CheckConstraint(condition=~Q(kind="micro") | Q(parent__isnull=False), name="micro_grid_has_parent"),
        ]
        indexes = [models.Index(fields=["kind", "is_active"])]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.region_id:
            self.region_code = self.region.code
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        width = settings.GRID_SEQUENCE_WIDTH
        region = self.region if self.region_id else None
        if self.kind in TERRITORIAL_KINDS:
            if region is None or region.level != Level.COMMUNITY:
                raise ValidationError({"region": _("综合网格和专属网格必须属于一个社区/村。")})
            if not (self.code.isdigit() and len(self.code) == 12 + width and self.code.startswith(region.code)):
                raise ValidationError(
                    {"code": _("网格编码应为所在社区代码 %(c)s 加 %(w)d 位顺序号。") % {"c": region.code, "w": width}}
                )
        elif self.kind == GridKind.MICRO:
            if self.parent is None:
                raise ValidationError({"parent": _("微网格必须有上级网格。")})
            if not self.code.startswith(self.parent.code) or len(self.code) <= len(self.parent.code):
                raise ValidationError({"code": _("微网格编码应以上级网格编码 %(c)s 开头。") % {"c": self.parent.code}})
        elif region is not None and not self.code.startswith(region.code):
            raise ValidationError({"code": _("专业网格编码应以所属区划代码 %(c)s 开头。") % {"c": region.code}})


class BuildingKind(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅小区")
    SELF_BUILT = "self_built", _("自建房")
    RENTAL = "rental", _("出租楼")
    COMMERCIAL = "commercial", _("商业楼宇")
    FACTORY = "factory", _("厂房")
    OTHER = "other", _("其他")


class BuildingQuerySet(ScopedQuerySet["Building"]):
    scope_name = "building"

    def scope_q(self, scope: Scope) -> Q:
        # Building codes extend their grid's code, which extends the community code.
        return prefix_q("code", scope.code_prefixes())


class Building(models.Model):
    code = models.CharField(_("楼栋编码"), max_length=32, unique=True, help_text=_("网格编码加5位顺序号"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("网格"))
    name = models.CharField(_("名称/地址"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=BuildingKind.choices, default=BuildingKind.RESIDENTIAL)
    lon = models.FloatField(_("经度(WGS-84)"))
    lat = models.FloatField(_("纬度(WGS-84)"))
    floors = models.PositiveSmallIntegerField(_("层数"), default=1)
    households = models.PositiveIntegerField(_("户数"), default=0)
    #: When the building last changed (renamed, recoded…): the phone's incremental pull resends its people and
    #: households (their labels carry the building's name and code). Bulk writers must fill it themselves.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

    def clean(self) -> None:
        if self.grid_id and not self.code.startswith(self.grid.code):
            raise ValidationError({"code": _("楼栋编码应以所在网格编码 %(c)s 开头。") % {"c": self.grid.code}})


class HouseQuerySet(ScopedQuerySet["House"]):
    scope_name = "house"

    def scope_q(self, scope: Scope) -> Q:
        return prefix_q("building__code", scope.code_prefixes())


class House(models.Model):
    """A dwelling or unit in a building (房屋)."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="houses", verbose_name=_("楼栋"))
    number = models.CharField(_("门牌/房号"), max_length=32)
    floor = models.SmallIntegerField(_("楼层"), default=1)
    area_m2 = models.FloatField(_("建筑面积(平方米)"), null=True, blank=True)
    #: When the house last changed (renumbered, moved…): the phone's incremental pull resends the people and
    #: households living in it. Bulk writers must fill it themselves.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    objects = HouseQuerySet.as_manager()

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["building", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="uniq_house_number_in_building")]

    def __str__(self) -> str:
        return f"{self.building.name} {self.number}"


class TerritoryState(models.Model):
    """One row: a counter bumped in the same transaction as any change to grids or region boundaries. Each
    process compares it with the version its locator was built from and rebuilds when it moved."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("辖区版本")
        verbose_name_plural = _("辖区版本")

    def __str__(self) -> str:
        return f"v{self.version}"
