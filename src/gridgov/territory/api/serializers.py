"""Read-only representations of the territory. Geometry is left out of lists unless asked for (``?geometry=1``):
the view decodes a page's boundaries in one batch and hands them over in the context."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gridgov.core.api import CRSField
from gridgov.core.crs import CRS, from_wgs84
from gridgov.core.regioncodes import Level

from ..models import Building, Grid, House, Region


class OutputParamsSerializer(serializers.Serializer[dict[str, Any]]):
    """Query parameters that shape the output (not filters)."""

    crs = CRSField()
    geometry = serializers.BooleanField(
        required=False, default=False, help_text=_("为 true 时附带 GeoJSON 边界(列表默认不含)")
    )
    simplify = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=10_000,
        help_text=_("边界简化容差(米);不填则不简化"),
    )


class WorkerSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(help_text=_("网格员姓名"))
    part_time = serializers.BooleanField(help_text=_("兼职"))


class RegionRefSerializer(serializers.Serializer[Region]):
    code = serializers.CharField()
    name = serializers.CharField()


class GeometryMixin(serializers.Serializer[Any]):
    """Adds ``geometry`` (GeoJSON, in the requested datum) when the view put geometries in the context."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        geometries: dict[int, str | None] | None = self.context.get("geometries")
        if geometries is not None:
            text = geometries.get(instance.pk)
            data["geometry"] = json.loads(text) if text else None
        return data


class RegionSerializer(GeometryMixin, serializers.ModelSerializer[Region]):
    url = serializers.HyperlinkedIdentityField(view_name="region-detail", lookup_field="code")
    parent = serializers.CharField(  # type: ignore[assignment]  # a declared field, not Field.parent
        source="parent_code", read_only=True, allow_null=True, help_text=_("上级区划代码")
    )
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["url", "code", "name", "level", "level_display", "parent", "area_m2"]


class GridSerializer(GeometryMixin, serializers.ModelSerializer[Grid]):
    url = serializers.HyperlinkedIdentityField(view_name="grid-detail", lookup_field="code")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    region = serializers.CharField(source="region_code", read_only=True, help_text=_("所属区划代码"))
    parent = serializers.CharField(  # type: ignore[assignment]  # a declared field, not Field.parent
        source="parent_code", read_only=True, allow_null=True, help_text=_("上级网格编码")
    )
    building_count = serializers.IntegerField(read_only=True, help_text=_("楼栋数"))
    workers = serializers.SerializerMethodField(help_text=_("网格员"))

    class Meta:
        model = Grid
        fields = [
            "url",
            "code",
            "name",
            "kind",
            "kind_display",
            "special_kind",
            "region",
            "parent",
            "owner_unit",
            "households_estimate",
            "is_active",
            "valid_from",
            "valid_to",
            "area_m2",
            "building_count",
            "workers",
        ]

    @extend_schema_field(WorkerSerializer(many=True))
    def get_workers(self, grid: Grid) -> list[dict[str, Any]]:
        assignments = getattr(grid, "worker_assignments", None)
        if assignments is None:  # not prefetched: only a single object reaches here that way
            assignments = list(grid.role_assignments.filter(role="grid_worker").select_related("user"))
        return [{"name": str(a.user), "part_time": a.part_time} for a in assignments]


class GridDetailSerializer(GridSerializer):
    community = serializers.SerializerMethodField(help_text=_("社区/村"))
    subdistrict = serializers.SerializerMethodField(help_text=_("街道/乡镇"))
    district = serializers.SerializerMethodField(help_text=_("区县"))

    class Meta(GridSerializer.Meta):
        fields = [*GridSerializer.Meta.fields, "community", "subdistrict", "district"]

    def _ancestor(self, grid: Grid, level: str) -> dict[str, str] | None:
        region: Region | None = grid.region
        while region is not None:
            if region.level == level:
                return {"code": region.code, "name": region.name}
            region = region.parent
        return None

    @extend_schema_field(RegionRefSerializer(allow_null=True))
    def get_community(self, grid: Grid) -> dict[str, str] | None:
        return self._ancestor(grid, Level.COMMUNITY)

    @extend_schema_field(RegionRefSerializer(allow_null=True))
    def get_subdistrict(self, grid: Grid) -> dict[str, str] | None:
        return self._ancestor(grid, Level.SUBDISTRICT)

    @extend_schema_field(RegionRefSerializer(allow_null=True))
    def get_district(self, grid: Grid) -> dict[str, str] | None:
        return self._ancestor(grid, Level.DISTRICT)


class BuildingSerializer(serializers.ModelSerializer[Building]):
    url = serializers.HyperlinkedIdentityField(view_name="building-detail", lookup_field="code")
    grid = serializers.CharField(source="grid_code", read_only=True, help_text=_("网格编码"))
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    house_count = serializers.IntegerField(read_only=True, help_text=_("房屋数"))
    lon = serializers.SerializerMethodField(help_text=_("经度(按 crs 参数的坐标系)"))
    lat = serializers.SerializerMethodField(help_text=_("纬度(按 crs 参数的坐标系)"))

    class Meta:
        model = Building
        fields = [
            "url",
            "code",
            "name",
            "kind",
            "kind_display",
            "grid",
            "lon",
            "lat",
            "floors",
            "households",
            "house_count",
        ]

    def _point(self, building: Building) -> tuple[float, float]:
        crs: CRS = self.context.get("crs", CRS.WGS84)
        cache: dict[int, tuple[float, float]] = self.context.setdefault("_points", {})
        if building.pk not in cache:
            lon, lat = from_wgs84(building.lon, building.lat, crs)
            cache[building.pk] = (round(lon, 7), round(lat, 7))
        return cache[building.pk]

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_lon(self, building: Building) -> float:
        return self._point(building)[0]

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_lat(self, building: Building) -> float:
        return self._point(building)[1]


class HouseSerializer(serializers.ModelSerializer[House]):
    url = serializers.HyperlinkedIdentityField(view_name="house-detail")
    building = serializers.CharField(source="building_code", read_only=True, help_text=_("楼栋编码"))
    building_name = serializers.CharField(read_only=True)

    class Meta:
        model = House
        fields = ["url", "id", "building", "building_name", "number", "floor", "area_m2"]
