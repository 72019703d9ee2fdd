"""``GET /api/v1/locate/?lon=&lat=&crs=``: which grid, micro-grid, community, sub-district, district and
specialized grids a point lies in.

Any logged-in user may ask: the answer reveals only territory names and codes, never governed data. A point on a
shared edge belongs to the lowest-coded grid covering it; outside every grid the answer is 200 with
``"grid": null`` (and the other parts null or empty), not an error.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gridgov.core.api import CRSField, validated_query
from gridgov.core.crs import CRS, to_wgs84

from ..locator import Location, locate
from ..models import GridKind


class LocateQuerySerializer(serializers.Serializer[dict[str, Any]]):
    lon = serializers.FloatField(
        min_value=-180,
        max_value=180,
        help_text=_("经度,-180 至 180"),
        error_messages={
            "required": _("请提供经度(lon)。"),
            "null": _("请提供经度(lon)。"),
            "invalid": _("经度(lon)必须是数字。"),
            "min_value": _("经度(lon)必须在 -180 到 180 之间。"),
            "max_value": _("经度(lon)必须在 -180 到 180 之间。"),
        },
    )
    lat = serializers.FloatField(
        min_value=-90,
        max_value=90,
        help_text=_("纬度,-90 至 90"),
        error_messages={
            "required": _("请提供纬度(lat)。"),
            "null": _("请提供纬度(lat)。"),
            "invalid": _("纬度(lat)必须是数字。"),
            "min_value": _("纬度(lat)必须在 -90 到 90 之间。"),
            "max_value": _("纬度(lat)必须在 -90 到 90 之间。"),
        },
    )
    crs = CRSField()

    def validate_lon(self, value: float) -> float:
        if not math.isfinite(value):
            raise serializers.ValidationError(_("经度(lon)必须是有限的数字。"))
        return value

    def validate_lat(self, value: float) -> float:
        if not math.isfinite(value):
            raise serializers.ValidationError(_("纬度(lat)必须是有限的数字。"))
        return value


class PointSerializer(serializers.Serializer[dict[str, Any]]):
    lon = serializers.FloatField()
    lat = serializers.FloatField()


class InputPointSerializer(PointSerializer):
    crs = serializers.CharField()


class CodeNameSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    name = serializers.CharField()


class GridRefSerializer(CodeNameSerializer):
    kind = serializers.ChoiceField(choices=GridKind.choices)
    kind_display = serializers.CharField()


class LocationSerializer(serializers.Serializer[dict[str, Any]]):
    input = InputPointSerializer(help_text=_("请求中的点及其坐标系"))
    wgs84 = PointSerializer(help_text=_("换算为 WGS-84 的点"))
    grid = GridRefSerializer(allow_null=True, help_text=_("所在综合网格或专属网格;不在任何网格内时为 null"))
    micro_grid = CodeNameSerializer(allow_null=True, help_text=_("所在微网格;没有时为 null"))
    community = CodeNameSerializer(allow_null=True)
    subdistrict = CodeNameSerializer(allow_null=True)
    district = CodeNameSerializer(allow_null=True)
    specialized_grids = CodeNameSerializer(many=True, help_text=_("覆盖该点的专业网格,按编码排序"))


def _ref(code: str | None, name: str) -> dict[str, str] | None:
    return {"code": code, "name": name} if code else None


def location_payload(
    lon: float, lat: float, crs: CRS, where: Location | None, wgs: tuple[float, float]
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "input": {"lon": lon, "lat": lat, "crs": crs.value},
        "wgs84": {"lon": wgs[0], "lat": wgs[1]},
        "grid": None,
        "micro_grid": None,
        "community": None,
        "subdistrict": None,
        "district": None,
        "specialized_grids": [],
    }
    if where is None:
        return payload
    if where.grid_code and where.grid_kind:
        payload["grid"] = {
            "code": where.grid_code,
            "name": where.grid_name,
            "kind": where.grid_kind,
            "kind_display": str(GridKind(where.grid_kind).label),
        }
    payload["micro_grid"] = _ref(where.micro_grid_code, where.micro_grid_name)
    payload["community"] = _ref(where.community_code, where.community_name)
    payload["subdistrict"] = _ref(where.subdistrict_code, where.subdistrict_name)
    payload["district"] = _ref(where.district_code, where.district_name)
    payload["specialized_grids"] = [
        {"code": c, "name": n} for c, n in zip(where.specialized_grid_codes, where.specialized_grid_names, strict=True)
    ]
    return payload


class LocateView(APIView):
    """Locate a point in the territory."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="locate",
        summary=_("定位:点所在的网格"),
        description=_(
            "返回一个点所在的综合网格或专属网格、微网格、社区、街道、区县及覆盖它的专业网格。"
            "坐标可以是 WGS-84、GCJ-02 或 BD-09(crs 参数),响应同时给出换算后的 WGS-84 坐标。"
            "落在网格公共边或公共顶点上的点归编码最小的网格。不在任何网格内时 grid 为 null。"
        ),
        parameters=[
            OpenApiParameter("lon", float, OpenApiParameter.QUERY, required=True, description=_("经度,-180 至 180")),
            OpenApiParameter("lat", float, OpenApiParameter.QUERY, required=True, description=_("纬度,-90 至 90")),
            OpenApiParameter(
                "crs",
                str,
                OpenApiParameter.QUERY,
                required=False,
                enum=[c.value for c in CRS],
                default=CRS.WGS84.value,
                description=_("坐标系:wgs84(默认)、gcj02(高德/腾讯)或 bd09(百度)"),
            ),
        ],
        responses={200: LocationSerializer},
        examples=[
            OpenApiExample(
                "outside",
                summary=_("不在任何网格内"),
                value={
                    "input": {"lon": 0.0, "lat": 0.0, "crs": "wgs84"},
                    "wgs84": {"lon": 0.0, "lat": 0.0},
                    "grid": None,
                    "micro_grid": None,
                    "community": None,
                    "subdistrict": None,
                    "district": None,
                    "specialized_grids": [],
                },
                response_only=True,
            )
        ],
        tags=["territory"],
    )
    def get(self, request: Request) -> Response:
        params = validated_query(LocateQuerySerializer, request)
        lon, lat, crs = params["lon"], params["lat"], CRS(params["crs"])
        where = locate(lon, lat, crs)
        wgs = (where.lon, where.lat) if where is not None else to_wgs84(lon, lat, crs)
        return Response(LocationSerializer(location_payload(lon, lat, crs, where, wgs)).data)


@extend_schema(exclude=True)
class LocateNoSlashView(LocateView):
    """The same endpoint at ``/api/v1/locate`` (no trailing slash), kept out of the schema."""
