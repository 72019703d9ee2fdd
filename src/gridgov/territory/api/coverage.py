"""``GET /api/v1/coverage/?region=CODE&crs=wgs84|gcj02|bd09``: the coverage check of a region, as JSON."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gridgov.accounts.scope import scope_for
from gridgov.core.crs import CRS_CHOICES

from ..coverage import CHECKABLE_LEVELS, CoverageError, check_coverage
from ..models import Region


class CoverageQuerySerializer(serializers.Serializer[dict[str, Any]]):
    region = serializers.CharField(help_text=_("社区/村、街道/乡镇或区县的区划代码"), max_length=12)
    crs = serializers.ChoiceField(choices=CRS_CHOICES, default="wgs84", help_text=_("返回几何的坐标系"))


class TotalsSerializer(serializers.Serializer[dict[str, Any]]):
    gaps_m2 = serializers.FloatField()
    overlaps_m2 = serializers.FloatField()
    outside_m2 = serializers.FloatField()
    gap_count = serializers.IntegerField()
    overlap_count = serializers.IntegerField()
    outside_count = serializers.IntegerField()


class MicroCoverageSerializer(serializers.Serializer[dict[str, Any]]):
    parent = serializers.CharField(help_text=_("上级网格编码"))  # type: ignore[assignment]  # a field, not .parent
    parent_name = serializers.CharField()
    micro_count = serializers.IntegerField()
    ok = serializers.BooleanField()
    totals = TotalsSerializer()
    gaps = serializers.JSONField(help_text=_("GeoJSON FeatureCollection"))
    overlaps = serializers.JSONField(help_text=_("GeoJSON FeatureCollection"))
    outside = serializers.JSONField(help_text=_("GeoJSON FeatureCollection"))


class CoverageReportSerializer(serializers.Serializer[dict[str, Any]]):
    region = serializers.CharField()
    region_name = serializers.CharField()
    level = serializers.CharField()
    crs = serializers.CharField()
    min_area_m2 = serializers.FloatField(help_text=_("小于此面积的碎片视为计算误差,不计入"))
    region_area_m2 = serializers.FloatField()
    grid_count = serializers.IntegerField()
    ok = serializers.BooleanField(help_text=_("无缺口、无重叠、无超出(含微网格)"))
    totals = TotalsSerializer()
    gaps = serializers.JSONField(help_text=_("GeoJSON FeatureCollection;属性 kind, area_m2, grid_codes, region_codes"))
    overlaps = serializers.JSONField(help_text=_("GeoJSON FeatureCollection"))
    outside = serializers.JSONField(help_text=_("GeoJSON FeatureCollection:网格超出所属社区的部分"))
    micro = MicroCoverageSerializer(many=True)


class CoverageView(APIView):
    """Gaps and overlaps of the current comprehensive and special grids in a community, sub-district or
    district, grids sticking out of their community, and the same for micro-grids within each parent grid.
    Areas in m²; pieces under ``min_area_m2`` are ignored. The region must be in the caller's coverage scope
    (dispatchers, grid heads, leaders, administrators on that node or above); otherwise 404."""

    @extend_schema(
        operation_id="coverage_check",
        parameters=[CoverageQuerySerializer],
        responses={200: CoverageReportSerializer, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "bad level",
                value={"region": [_("覆盖检查只能针对社区/村、街道/乡镇或区县。")]},
                response_only=True,
                status_codes=["400"],
            )
        ],
        tags=["territory"],
    )
    def get(self, request: Request) -> Response:
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        code = query.validated_data["region"].strip()
        region = Region.objects.visible_to(request.user, "view").filter(code=code).first()
        if region is None or not scope_for(request.user, "coverage", "view").covers_code(region.code):
            raise Http404
        if region.level not in CHECKABLE_LEVELS:
            raise serializers.ValidationError(
                {
                    "region": [
                        _("覆盖检查只能针对社区/村、街道/乡镇或区县,%(name)s 是%(level)s。")
                        % {"name": region.name, "level": region.get_level_display()}
                    ]
                }
            )
        try:
            result = check_coverage(region)
        except CoverageError as exc:
            raise serializers.ValidationError({"region": [str(exc)]}) from exc
        return Response(result.to_geojson(query.validated_data["crs"]))
