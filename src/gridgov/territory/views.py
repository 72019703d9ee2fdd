"""Pages of the territory: the map with the region tree, a grid's page, the coverage report.

Every read goes through ``visible_to``; an object out of scope is a 404 (``get_visible_or_404``). The map page
fetches its GeoJSON from the API (``/api/v1/grids/geojson/``, ``/api/v1/regions/geojson/``); pages with a few
shapes embed them, built by the same :mod:`gridgov.territory.geojson`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.accounts.scope import assignments_of, scope_for
from gridgov.core import crs as crs_mod
from gridgov.core.regioncodes import Level, scope_prefix
from gridgov.core.scoping import get_visible_or_404

from . import coverage, geojson
from .models import TERRITORIAL_KINDS, Building, Grid, GridKind, Region

#: Above this many grids under the selected region the map shows its sub-regions only (click one to go down):
#: a city of 3,533 grids stays responsive, a district or sub-district shows its grids.
MAP_MAX_GRIDS = 1500
BUILDINGS_PER_PAGE = 25
#: Region outlines are context, not survey data: 20 m of simplification keeps a district's boundary light.
REGION_SIMPLIFY_M = 20.0


# --- map data -------------------------------------------------------------------------------------------


def tile_crs() -> crs_mod.CRS:
    """The datum geometry is sent in: the tiles' when tiles are configured, else WGS-84."""
    if not settings.MAP_TILE_URL:
        return crs_mod.CRS.WGS84
    try:
        return crs_mod.parse_crs(settings.MAP_TILE_CRS)
    except ValueError:
        return crs_mod.CRS.WGS84


def grid_features(grids: QuerySet[Grid], crs: crs_mod.CRS) -> dict[str, Any]:
    """Inline GeoJSON for a page's few grids (the map page fetches larger sets from the API)."""
    return geojson.feature_collection(grids, crs=crs, detail_url=_grid_url)


def region_features(regions: QuerySet[Region], crs: crs_mod.CRS) -> dict[str, Any]:
    return geojson.feature_collection(regions, crs=crs, simplify_m=REGION_SIMPLIFY_M, detail_url=_region_map_url)


def _grid_url(code: str) -> str:
    return reverse("territory:grid", args=[code])


def _region_map_url(code: str) -> str:
    return f"{reverse('territory:map')}?region={code}"


def _visible_grids_under(request: HttpRequest, prefix: str) -> QuerySet[Grid]:
    return Grid.objects.visible_to(request.user).current().filter(region_code__startswith=prefix)  # type: ignore[attr-defined,no-any-return]


# --- the map page ---------------------------------------------------------------------------------------


def home_region_code(user: Any) -> str | None:
    """Where a user's map opens: the widest node they hold a role on (a grid's community for grid roles)."""
    candidates: list[tuple[int, str]] = []
    for _role, region_code, region_level, grid_code in assignments_of(user):
        if region_code and region_level:
            candidates.append((len(scope_prefix(region_code, region_level)), region_code))
        elif grid_code:
            candidates.append((12, grid_code[:12]))
    if candidates:
        return min(candidates)[1]
    # A role held everywhere (or a superuser): the first city, else the first district.
    top = Region.objects.visible_to(user).filter(level__in=[Level.CITY, Level.DISTRICT])
    return top.order_by("level", "code").values_list("code", flat=True).first()


@dataclass
class TreeNode:
    region: Region
    selected: bool = False
    on_path: bool = False
    children: list[TreeNode] = field(default_factory=list)


def region_tree(user: Any, selected: Region) -> list[TreeNode]:
    """The visible tree down the path to ``selected``: each region on the path is open with its children."""
    path = []
    node: Region | None = selected
    while node is not None:
        path.append(node)
        node = node.parent
    path.reverse()
    visible = Region.objects.visible_to(user).only("code", "name", "level", "parent_id")
    path_ids = {r.pk for r in path}
    children_of: dict[int | None, list[Region]] = {}
    for region in visible.filter(parent_id__in=path_ids).order_by("code"):
        children_of.setdefault(region.parent_id, []).append(region)
    roots = [TreeNode(path[0], on_path=True, selected=path[0].pk == selected.pk)]
    current = roots[0]
    for region in path[1:]:
        siblings = [TreeNode(r, on_path=r.pk == region.pk) for r in children_of.get(current.region.pk, [])]
        current.children = siblings
        current = next(n for n in siblings if n.region.pk == region.pk)
    current.selected = True
    current.children = [TreeNode(r) for r in children_of.get(current.region.pk, [])]
    return roots


def _ancestors(region: Region) -> list[Region]:
    out = []
    node = region.parent
    while node is not None:
        out.append(node)
        node = node.parent
    return out[::-1]


def may_view_coverage(user: Any, region: Region) -> bool:
    scope = scope_for(user, "coverage", "view")
    return scope.everything or any(region.scope_prefix.startswith(p) for p in scope.region_prefixes)


def map_config(
    *, grids_url: str | None, regions_url: str | None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What static/web/map.js needs, given to it through json_script."""
    return {
        "gridsUrl": grids_url,
        "regionsUrl": regions_url,
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        "crs": tile_crs().value,
        "cardUrl": reverse("territory:grid-card", args=["CODE"]),
        "regionPageUrl": reverse("territory:map") + "?region=",
        "labels": {
            "kinds": {k.value: str(k.label) for k in GridKind},
            "legend": _("图例"),
            "loading": _("加载中…"),
            "noGrids": _("该区划内没有您可查看的网格。"),
            "building": _("楼栋"),
            "gap": _("缺口"),
            "overlap": _("重叠"),
            "region": _("区划边界"),
            "outside": _("超出所属社区"),
        },
        **(extra or {}),
    }


@login_required
def territory_map(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("region") or home_region_code(request.user)
    if not code:
        raise Http404
    selected = get_visible_or_404(Region.objects.select_related("parent"), request.user, code=code)
    grids = _visible_grids_under(request, selected.scope_prefix)
    counts = dict(grids.values_list("kind").annotate(n=Count("id")).order_by())
    total = sum(counts.values())
    show_grids = 0 < total <= MAP_MAX_GRIDS
    crs = tile_crs()
    api_crs = f"crs={crs.value}"
    config = map_config(
        grids_url=f"{reverse('grid-geojson')}?under={selected.scope_prefix}&{api_crs}" if show_grids else None,
        regions_url=f"{reverse('region-geojson')}?parent={selected.code}&simplify={REGION_SIMPLIFY_M:g}&{api_crs}",
        extra={
            "regionsInline": region_features(Region.objects.filter(pk=selected.pk), crs),
            "fitTo": "regions",
            "selectedRegion": selected.code,
        },
    )
    return render(
        request,
        "territory/map.html",
        {
            "selected": selected,
            "tree": region_tree(request.user, selected),
            "ancestors": _ancestors(selected),
            "kind_counts": [(k, counts.get(k.value, 0)) for k in GridKind],
            "grid_total": total,
            "show_grids": show_grids,
            "too_many": total > MAP_MAX_GRIDS,
            "map_config": config,
            "may_view_coverage": may_view_coverage(request.user, selected),
        },
    )


# --- a grid ---------------------------------------------------------------------------------------------


def _grid_or_404(request: HttpRequest, code: str) -> Grid:
    grids = Grid.objects.current().select_related("region__parent__parent", "parent")  # type: ignore[attr-defined]
    return get_visible_or_404(grids, request.user, code=code)  # type: ignore[no-any-return]


def _people(grid: Grid) -> dict[str, list[RoleAssignment]]:
    rows = RoleAssignment.objects.filter(grid=grid, role__in=[Role.GRID_WORKER, Role.GRID_HEAD]).select_related("user")
    people: dict[str, list[RoleAssignment]] = {"workers": [], "heads": []}
    for row in rows.order_by("part_time", "user__username"):
        people["workers" if row.role == Role.GRID_WORKER else "heads"].append(row)
    return people


@login_required
def grid_card(request: HttpRequest, code: str) -> HttpResponse:
    """The map popup's body (fetched by htmx when a grid is clicked)."""
    grid = _grid_or_404(request, code)
    buildings = Building.objects.visible_to(request.user).filter(grid=grid).count()  # type: ignore[attr-defined]
    return render(request, "territory/_grid_card.html", {"grid": grid, "buildings": buildings, **_people(grid)})


@login_required
def grid_detail(request: HttpRequest, code: str) -> HttpResponse:
    grid = _grid_or_404(request, code)
    buildings = Building.objects.visible_to(request.user).filter(grid=grid).order_by("code")  # type: ignore[attr-defined]
    page = Paginator(buildings, BUILDINGS_PER_PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"grid": grid, "page": page, **_people(grid)}
    if request.headers.get("HX-Request"):
        return render(request, "territory/_buildings.html", context)
    crs = tile_crs()
    points = []
    for b in buildings.only("code", "name", "lon", "lat", "households"):
        lon, lat = crs_mod.from_wgs84(b.lon, b.lat, crs)
        points.append({"code": b.code, "name": b.name, "lon": round(lon, 6), "lat": round(lat, 6)})
    micro = Grid.objects.visible_to(request.user).current().filter(parent=grid)  # type: ignore[attr-defined]
    context.update(
        {
            "households_sum": sum(b.households for b in buildings.only("households")),
            "building_count": page.paginator.count,
            "micro_grids": micro,
            "map_config": map_config(
                grids_url=None,
                regions_url=None,
                extra={
                    "grids": grid_features(Grid.objects.filter(pk=grid.pk) | micro, crs),
                    "buildings": points,
                    "fitTo": "grids",
                },
            ),
        }
    )
    return render(request, "territory/grid.html", context)


# --- coverage -------------------------------------------------------------------------------------------


def _coverage_region_or_404(request: HttpRequest, code: str) -> Region:
    region = get_visible_or_404(Region.objects.select_related("parent"), request.user, code=code)
    if not may_view_coverage(request.user, region):
        raise Http404
    return region


@login_required
def coverage_index(request: HttpRequest) -> HttpResponse:
    code = home_region_code(request.user)
    if not code:
        raise Http404
    return redirect("territory:coverage", code=code)


@login_required
def coverage_report(request: HttpRequest, code: str) -> HttpResponse:
    region = _coverage_region_or_404(request, code)
    crs = tile_crs()
    context: dict[str, Any] = {"region": region, "ancestors": _ancestors(region)}
    try:
        result = coverage.check_coverage(region)
    except coverage.CoverageError as exc:
        children = Region.objects.visible_to(request.user).filter(parent=region).order_by("code")
        context.update({"error": str(exc), "children": children})
        return render(request, "territory/coverage.html", context)
    report = result.to_geojson(crs)
    pieces = _pieces(report)
    grids = _visible_grids_under(request, region.scope_prefix).filter(kind__in=TERRITORIAL_KINDS)
    show_grids = grids.count() <= MAP_MAX_GRIDS
    context.update(
        {
            "report": report,
            "pieces": pieces,
            "map_config": map_config(
                grids_url=None,
                regions_url=None,
                extra={
                    "grids": grid_features(grids, crs) if show_grids else None,
                    "regionsInline": region_features(
                        Region.objects.visible_to(request.user).filter(Q(pk=region.pk) | Q(parent=region)), crs
                    ),
                    "selectedRegion": region.code,
                    "pieces": {"type": "FeatureCollection", "features": [p["feature"] for p in pieces]},
                    "fitTo": "regions",
                },
            ),
        }
    )
    return render(request, "territory/coverage.html", context)


def _pieces(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every gap, overlap and outside piece — of the grids, then of each parent grid's micro-grids — as rows."""
    rows: list[dict[str, Any]] = []

    def add(layer: dict[str, Any], within: str) -> None:
        for kind in ("gaps", "overlaps", "outside"):
            for feature in layer[kind]["features"]:
                props = feature["properties"]
                rows.append(
                    {
                        "kind": props["kind"],
                        "area_m2": props["area_m2"],
                        "grids": props["grid_codes"],
                        "regions": props["region_codes"],
                        "within": within,
                        "feature": feature,
                    }
                )

    add(report, "")
    for micro in report["micro"]:
        add(micro, micro["parent"])
    return rows
