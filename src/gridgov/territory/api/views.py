"""Read-only API over the territory: regions, grids, buildings, houses; GeoJSON of grids and regions.

Every queryset comes from ``visible_to`` (via :class:`~gridgov.core.api.ScopedViewSetMixin`); out of scope is
404. Lists cost a constant number of queries whatever the page size (annotations and one prefetch, never a query
per row); boundaries are read only when asked for.
"""

from __future__ import annotations

from typing import Any

import shapely
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.core.api import CRSField, Pagination, ScopedViewSetMixin
from gridgov.core.crs import CRS

from ..filters import BuildingFilterSet, GridFilterSet, HouseFilterSet, RegionFilterSet
from ..geojson import building_count_subquery, feature_collection_json, grid_layer, prepare_geometries
from ..models import Building, Grid, House, Region
from .serializers import (
    BuildingSerializer,
    GridDetailSerializer,
    GridSerializer,
    HouseSerializer,
    RegionSerializer,
)


class CRSParams(serializers.Serializer[dict[str, Any]]):
    crs = CRSField()


class GeoJSONParams(CRSParams):
    simplify = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=10_000,
        help_text=_("边界简化容差(米);不填则不简化"),
    )


class GeometryParams(GeoJSONParams):
    geometry = serializers.BooleanField(
        required=False, default=False, help_text=_("为 true 时附带 GeoJSON 边界(默认不含)")
    )


class NoParams(serializers.Serializer[dict[str, Any]]):
    pass


class TerritoryViewSet(ScopedViewSetMixin, ReadOnlyModelViewSet[Any]):
    """A scoped, read-only viewset whose output-shaping parameters (``crs``, ``geometry``, ``simplify``) are
    checked together with its filters, so one 400 names every bad parameter."""

    pagination_class = Pagination
    params_class: type[serializers.Serializer[dict[str, Any]]] = NoParams
    _params: dict[str, Any] | None = None

    @property
    def params(self) -> dict[str, Any]:
        if self._params is None:
            serializer = self.params_class(data=self.request.query_params)
            self._params = dict(serializer.validated_data) if serializer.is_valid() else {}
        return self._params

    def checked(self, queryset: QuerySet[Any], *, filters: bool = True) -> QuerySet[Any]:
        errors: dict[str, Any] = {}
        serializer = self.params_class(data=self.request.query_params)
        if not serializer.is_valid():
            errors.update(serializer.errors)
        if filters:
            try:
                queryset = self.filter_queryset(queryset)
            except exceptions.ValidationError as exc:
                if isinstance(exc.detail, dict):
                    errors.update(exc.detail)
                else:
                    raise
        if errors:
            raise exceptions.ValidationError(errors)
        return queryset

    def want_geometry(self) -> bool:
        return bool(self.params.get("geometry"))

    def attach_geometries(self, objects: list[Any]) -> None:
        """Decode the boundaries of a page in one batch, for :class:`GeometryMixin` serializers."""
        if not self.want_geometry():
            return
        geoms = prepare_geometries(
            [obj.boundary_wkb for obj in objects],
            crs=self.params["crs"],
            simplify_m=self.params.get("simplify"),
            layers=[self.geometry_layer(obj) for obj in objects],
        )
        texts = shapely.to_geojson(geoms)
        self.geometries = {obj.pk: text for obj, text in zip(objects, texts, strict=True)}

    def geometry_layer(self, obj: Any) -> str:
        """Which objects tile together, so that simplifying keeps their shared edges shared."""
        return ""

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["crs"] = self.params.get("crs", CRS.WGS84)
        if getattr(self, "geometries", None) is not None:
            context["geometries"] = self.geometries
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.checked(self.get_queryset())
        page = self.paginate_queryset(queryset)
        objects = list(page if page is not None else queryset)
        self.attach_geometries(objects)
        data = self.get_serializer(objects, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.checked(self.get_queryset(), filters=False)
        obj = self.get_object()
        self.attach_geometries([obj])
        return Response(self.get_serializer(obj).data)

    def detail_url_template(self, basename: str) -> tuple[str, str]:
        """The detail URL split around the code, so that thousands of features need one ``reverse``."""
        url = self.request.build_absolute_uri(reverse(f"{basename}-detail", kwargs={"code": "0"}))
        head, _sep, tail = url.rpartition("/0/")
        return head + "/", "/" + tail

    def geojson_response(self, basename: str) -> HttpResponse:
        queryset = self.checked(self.scoped_queryset())
        head, tail = self.detail_url_template(basename)
        text = feature_collection_json(
            queryset,
            crs=self.params["crs"],
            simplify_m=self.params.get("simplify"),
            detail_url=lambda code: f"{head}{code}{tail}",
        )
        return HttpResponse(text, content_type="application/geo+json; charset=utf-8")


#: Grid and building codes: digits, and letters in a specialized grid's code (e.g. 441302001JW01).
CODE_REGEX = r"[0-9A-Za-z_-]+"

GEOJSON_RESPONSE = {
    (200, "application/geo+json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description=_("GeoJSON FeatureCollection(坐标按 crs 参数的坐标系)")
    )
}


@extend_schema_view(
    list=extend_schema(summary=_("区划列表"), parameters=[GeometryParams]),
    retrieve=extend_schema(summary=_("区划详情"), parameters=[GeometryParams]),
)
class RegionViewSet(TerritoryViewSet):
    """The region tree a user can see: their subtree and the regions above it."""

    scoped_model = Region
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"
    lookup_value_regex = r"\d+"
    params_class = GeometryParams

    def geometry_layer(self, obj: Any) -> str:
        return str(obj.level)

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = queryset.annotate(parent_code=F("parent__code"))
        return queryset if self.want_geometry() else queryset.defer("boundary_wkb")

    @extend_schema(summary=_("区划 GeoJSON"), parameters=[GeoJSONParams], responses=GEOJSON_RESPONSE, filters=True)
    @action(detail=False, url_path="geojson", pagination_class=None)
    def geojson(self, request: Request) -> HttpResponse:
        return self.geojson_response("region")


@extend_schema_view(
    list=extend_schema(summary=_("网格列表"), parameters=[GeometryParams]),
    retrieve=extend_schema(summary=_("网格详情"), parameters=[GeometryParams]),
)
class GridViewSet(TerritoryViewSet):
    """Grids in scope; current grids unless ``current=false``. A grid's code addresses its current version."""

    scoped_model = Grid
    filterset_class = GridFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    params_class = GeometryParams

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return GridDetailSerializer if self.action == "retrieve" else GridSerializer

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        workers = Prefetch(
            "role_assignments",
            queryset=RoleAssignment.objects.filter(role=Role.GRID_WORKER)
            .select_related("user")
            .order_by("part_time", "user__display_name", "user__username"),
            to_attr="worker_assignments",
        )
        queryset = queryset.annotate(
            building_count=building_count_subquery(), parent_code=F("parent__code")
        ).prefetch_related(workers)
        if self.action == "retrieve":
            queryset = queryset.select_related("region__parent__parent").defer(
                "region__boundary_wkb", "region__parent__boundary_wkb", "region__parent__parent__boundary_wkb"
            )
        return queryset if self.want_geometry() else queryset.defer("boundary_wkb")

    def detail_queryset(self) -> QuerySet[Any]:
        return self.get_queryset().filter(valid_to__isnull=True)

    def geometry_layer(self, obj: Any) -> str:
        return grid_layer(obj.kind)

    @extend_schema(summary=_("网格 GeoJSON"), parameters=[GeoJSONParams], responses=GEOJSON_RESPONSE, filters=True)
    @action(detail=False, url_path="geojson", pagination_class=None)
    def geojson(self, request: Request) -> HttpResponse:
        return self.geojson_response("grid")


@extend_schema_view(
    list=extend_schema(summary=_("楼栋列表"), parameters=[CRSParams]),
    retrieve=extend_schema(summary=_("楼栋详情"), parameters=[CRSParams]),
)
class BuildingViewSet(TerritoryViewSet):
    scoped_model = Building
    serializer_class = BuildingSerializer
    filterset_class = BuildingFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    params_class = CRSParams

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        houses = (
            House.objects.filter(building=OuterRef("pk"))
            .order_by()
            .values("building")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return queryset.annotate(
            grid_code=F("grid__code"),
            house_count=Coalesce(Subquery(houses, output_field=IntegerField()), Value(0)),
        )


@extend_schema_view(list=extend_schema(summary=_("房屋列表")), retrieve=extend_schema(summary=_("房屋详情")))
class HouseViewSet(TerritoryViewSet):
    scoped_model = House
    serializer_class = HouseSerializer
    filterset_class = HouseFilterSet
    lookup_value_regex = r"\d+"

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.annotate(building_code=F("building__code"), building_name=F("building__name"))
