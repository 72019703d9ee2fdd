"""GeoJSON FeatureCollections of grids or regions, for the API and the web map.

Built for the whole city at once (3,533 grids): one query for the rows, one for the grid workers, every boundary
decoded in one ``shapely.from_wkb`` call, simplified and converted to the requested datum in one vectorised pass,
and serialised with ``shapely.to_geojson`` — no per-vertex Python. The caller passes a queryset that already went
through ``visible_to`` (DESIGN rule 1); this module never widens it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from numpy.typing import NDArray

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.core.crs import CRS, from_wgs84_array

from .models import TERRITORIAL_KINDS, Building, Grid, Region

#: Decimal places kept in output coordinates: 1e-7° is about 1 cm.
COORDINATE_DECIMALS = 7
METRES_PER_DEGREE = 111_320.0


def prepare_geometries(
    wkbs: list[bytes | memoryview | None],
    *,
    crs: CRS | str = CRS.WGS84,
    simplify_m: float | None = None,
    layers: list[str] | None = None,
) -> NDArray[np.object_]:
    """Decode, simplify (tolerance in metres), convert and round many boundaries at once.

    ``layers`` names, per geometry, a set that should tile without gaps (territorial grids, micro-grids, one
    level of regions). Where a layer is a valid coverage it is simplified as one (shared edges move together,
    so neighbours keep touching on the map); otherwise each geometry is simplified on its own.
    """
    raw = np.array([bytes(w) if w is not None else None for w in wkbs], dtype=object)
    geoms = shapely.from_wkb(raw)
    if simplify_m:
        geoms = _simplify(geoms, simplify_m / METRES_PER_DEGREE, layers)
    target = CRS(crs)

    def convert(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.round(from_wgs84_array(coords, target), COORDINATE_DECIMALS)

    return shapely.transform(geoms, convert)


def _simplify(geoms: NDArray[np.object_], tolerance: float, layers: list[str] | None) -> NDArray[np.object_]:
    # Tolerance in degrees of latitude; longitude degrees are shorter, so this errs on the side of detail.
    out = geoms.copy()
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    keys = np.array(layers if layers is not None else [""] * len(geoms), dtype=object)
    for key in set(keys[present].tolist()):
        index = np.flatnonzero(present & (keys == key))
        group = geoms[index]
        if layers is not None and len(group) > 1 and bool(shapely.coverage_is_valid(group)):
            out[index] = shapely.coverage_simplify(group, tolerance)
        else:
            out[index] = shapely.simplify(group, tolerance, preserve_topology=True)
    return out


def grid_layer(kind: str) -> str:
    """Grids that tile together: territorial (comprehensive + special), micro-grids, specialized overlays."""
    return "territorial" if kind in TERRITORIAL_KINDS else kind


def _workers_by_grid(grids: QuerySet[Grid]) -> dict[int, list[dict[str, Any]]]:
    """Names of the grid workers on each grid, in one query (a subquery, not a list of ids)."""
    rows = (
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid__in=grids.values("pk"))
        .order_by("grid_id", "part_time", "user__display_name", "user__username")
        .values_list("grid_id", "user__display_name", "user__username", "part_time")
    )
    workers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for grid_id, display_name, username, part_time in rows:
        workers[grid_id].append({"name": display_name or username, "part_time": part_time})
    return workers


def building_count_subquery() -> Coalesce:
    """Buildings in a grid, as an annotation (a correlated subquery: no GROUP BY over the boundary column)."""
    counts = Building.objects.filter(grid=OuterRef("pk")).order_by().values("grid").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def _collection_json(
    properties: list[dict[str, Any]],
    wkbs: list[bytes | memoryview | None],
    crs: CRS,
    simplify_m: float | None,
    layers: list[str],
) -> str:
    geoms = prepare_geometries(wkbs, crs=crs, simplify_m=simplify_m, layers=layers)
    geometry_json = shapely.to_geojson(geoms)
    features = [
        "".join(
            (
                '{"type":"Feature","id":',
                json.dumps(props["code"]),
                ',"geometry":',
                geometry if geometry is not None else "null",
                ',"properties":',
                json.dumps(props, ensure_ascii=False, separators=(",", ":")),
                "}",
            )
        )
        for props, geometry in zip(properties, geometry_json, strict=True)
    ]
    # RFC 7946 has no crs member; a foreign member tells a reader which datum the coordinates are in.
    datum = json.dumps(CRS(crs).value)
    return '{"type":"FeatureCollection","datum":' + datum + ',"features":[' + ",".join(features) + "]}"


UrlFor = Callable[[str], str]


def grids_feature_collection(
    grids: QuerySet[Grid],
    *,
    crs: CRS | str = CRS.WGS84,
    simplify_m: float | None = None,
    detail_url: UrlFor | None = None,
) -> str:
    """A FeatureCollection (JSON text) of ``grids``. Properties: code, name, kind, special_kind,
    households_estimate, workers (names), building_count, url (from ``detail_url(code)``, if given)."""
    rows = list(
        grids.annotate(_building_count=building_count_subquery())
        .order_by("code", "pk")
        .values_list(
            "pk", "code", "name", "kind", "special_kind", "households_estimate", "_building_count", "boundary_wkb"
        )
    )
    workers = _workers_by_grid(grids)
    properties = [
        {
            "code": code,
            "name": name,
            "kind": kind,
            "special_kind": special_kind,
            "households_estimate": households,
            "workers": [w["name"] for w in workers.get(pk, [])],
            "building_count": building_count,
            "url": detail_url(code) if detail_url else None,
        }
        for pk, code, name, kind, special_kind, households, building_count, _wkb in rows
    ]
    layers = [grid_layer(row[3]) for row in rows]
    return _collection_json(properties, [row[-1] for row in rows], CRS(crs), simplify_m, layers)


def regions_feature_collection(
    regions: QuerySet[Region],
    *,
    crs: CRS | str = CRS.WGS84,
    simplify_m: float | None = None,
    detail_url: UrlFor | None = None,
) -> str:
    """A FeatureCollection (JSON text) of ``regions``. Properties: code, name, level, parent (code), url."""
    rows = list(regions.order_by("code").values_list("code", "name", "level", "parent__code", "boundary_wkb"))
    properties = [
        {
            "code": code,
            "name": name,
            "level": level,
            "parent": parent_code,
            "url": detail_url(code) if detail_url else None,
        }
        for code, name, level, parent_code, _wkb in rows
    ]
    layers = [row[2] for row in rows]
    return _collection_json(properties, [row[-1] for row in rows], CRS(crs), simplify_m, layers)


def feature_collection_json(
    queryset: QuerySet[Grid] | QuerySet[Region],
    *,
    crs: CRS | str = CRS.WGS84,
    simplify_m: float | None = None,
    detail_url: UrlFor | None = None,
) -> str:
    """The FeatureCollection of a (visible) queryset of grids or regions, as JSON text."""
    if queryset.model is Grid:
        return grids_feature_collection(
            queryset,  # type: ignore[arg-type]
            crs=crs,
            simplify_m=simplify_m,
            detail_url=detail_url,
        )
    if queryset.model is Region:
        return regions_feature_collection(
            queryset,  # type: ignore[arg-type]
            crs=crs,
            simplify_m=simplify_m,
            detail_url=detail_url,
        )
    raise TypeError(f"no GeoJSON for {queryset.model.__name__}")


def feature_collection(
    queryset: QuerySet[Grid] | QuerySet[Region],
    *,
    crs: CRS | str = CRS.WGS84,
    simplify_m: float | None = None,
    detail_url: UrlFor | None = None,
) -> dict[str, Any]:
    """The same as :func:`feature_collection_json`, parsed (for templates that embed it, and for tests)."""
    result: dict[str, Any] = json.loads(
        feature_collection_json(queryset, crs=crs, simplify_m=simplify_m, detail_url=detail_url)
    )
    return result
