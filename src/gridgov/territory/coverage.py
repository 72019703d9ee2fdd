"""Coverage check: "空间上无遗漏、无盲区" made measurable.

For a community, sub-district or district it finds

* **gaps** — area inside the region covered by no current comprehensive or special grid;
* **overlaps** — area covered by two or more of them;
* **outside** — area of a grid that lies outside its own community (a grid must lie inside its community);

and the same for micro-grids inside each parent grid that has any (gaps and overlaps of the micro-grids within
their parent, and micro-grid area outside the parent). Specialized grids (a department's beats) are an overlay
and are not counted.

Pieces smaller than ``settings.COVERAGE_MIN_AREA_M2`` (default 1 m²) are ignored: clipping two polygons that
share an edge in floating point leaves slivers of a few square millimetres, which are noise, not governance gaps.
The threshold applies to each connected piece, so a real gap is never hidden by being split into many parts
bigger than it.

Areas come from :mod:`gridgov.core.geo`'s local equirectangular projection around the checked region's mean
latitude (one reference latitude for the whole report, so the parts add up to the totals). In that projection
area is a constant multiple of the area in degrees², which lets the whole check run on Shapely 2's vectorised
functions: one ``STRtree`` query for candidate pairs, ``intersection`` on arrays of pairs, one ``union_all``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import shapely.errors
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from gridgov.core import geo
from gridgov.core.crs import CRS, transform_geometry
from gridgov.core.regioncodes import Level

from .models import TERRITORIAL_KINDS, Grid, GridKind, Region

#: Levels a coverage check can run on.
CHECKABLE_LEVELS = (Level.COMMUNITY, Level.SUBDISTRICT, Level.DISTRICT)


class CoverageError(ValueError):
    """The region cannot be checked (wrong level, no boundary). The message is for the user."""


@dataclass(frozen=True)
class Piece:
    """One connected gap, overlap or outside part, WGS-84.

    ``grid_codes``: the grids involved (none for a gap; the overlapping grids; the grid that sticks out).
    ``region_codes``: the communities the piece touches (for micro-grids: the parent grid's community).
    """

    kind: str  # "gap" | "overlap" | "outside"
    geometry: BaseGeometry
    area_m2: float
    grid_codes: tuple[str, ...] = ()
    region_codes: tuple[str, ...] = ()

    def to_feature(self, crs: CRS | str = CRS.WGS84) -> dict[str, Any]:
        geom = transform_geometry(self.geometry, CRS.WGS84, crs)
        return {
            "type": "Feature",
            "geometry": mapping(geom),
            "properties": {
                "kind": self.kind,
                "area_m2": round(self.area_m2, 2),
                "grid_codes": list(self.grid_codes),
                "region_codes": list(self.region_codes),
            },
        }


def _feature_collection(pieces: Iterable[Piece], crs: CRS | str) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [p.to_feature(crs) for p in pieces]}


@dataclass
class _Layer:
    """Gaps, overlaps and outside pieces of one set of polygons within one container."""

    gaps: list[Piece] = field(default_factory=list)
    overlaps: list[Piece] = field(default_factory=list)
    outside: list[Piece] = field(default_factory=list)
    gaps_m2: float = 0.0
    overlaps_m2: float = 0.0
    outside_m2: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.gaps or self.overlaps or self.outside)

    def totals(self) -> dict[str, Any]:
        return {
            "gaps_m2": round(self.gaps_m2, 2),
            "overlaps_m2": round(self.overlaps_m2, 2),
            "outside_m2": round(self.outside_m2, 2),
            "gap_count": len(self.gaps),
            "overlap_count": len(self.overlaps),
            "outside_count": len(self.outside),
        }

    def collections(self, crs: CRS | str) -> dict[str, Any]:
        return {
            "gaps": _feature_collection(self.gaps, crs),
            "overlaps": _feature_collection(self.overlaps, crs),
            "outside": _feature_collection(self.outside, crs),
        }


@dataclass
class MicroCoverage(_Layer):
    """Micro-grids inside one parent grid."""

    parent_code: str = ""
    parent_name: str = ""
    micro_count: int = 0


@dataclass
class CoverageResult(_Layer):
    region_code: str = ""
    region_name: str = ""
    level: str = ""
    region_area_m2: float = 0.0
    grid_count: int = 0
    community_count: int = 0
    min_area_m2: float = 0.0
    micro: list[MicroCoverage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No gap, overlap or grid outside its community, and the same for every micro-grid layer."""
        return super().ok and all(m.ok for m in self.micro)

    def to_geojson(self, crs: CRS | str = CRS.WGS84) -> dict[str, Any]:
        """Totals and GeoJSON FeatureCollections (gaps, overlaps, outside; per parent grid for micro-grids),
        coordinates in ``crs``."""
        return {
            "region": self.region_code,
            "region_name": self.region_name,
            "level": self.level,
            "crs": CRS(crs).value,
            "min_area_m2": self.min_area_m2,
            "region_area_m2": round(self.region_area_m2, 2),
            "grid_count": self.grid_count,
            "ok": self.ok,
            "totals": self.totals(),
            **self.collections(crs),
            "micro": [
                {
                    "parent": m.parent_code,
                    "parent_name": m.parent_name,
                    "micro_count": m.micro_count,
                    "ok": m.ok,
                    "totals": m.totals(),
                    **m.collections(crs),
                }
                for m in self.micro
            ],
        }


# --- geometry kernels ---------------------------------------------------------------------------------------


def _m2_per_deg2(lat0: float) -> float:
    """Area factor of :func:`gridgov.core.geo.to_local_metres` at ``lat0``: x and y are each scaled by a
    constant, so area in m² = area in degrees² × kx × ky."""
    k = math.radians(1) * geo.EARTH_RADIUS_M
    return k * k * math.cos(math.radians(lat0))


def _polygon_parts(geoms: Sequence[BaseGeometry] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split geometries into their polygon parts (points and lines left by an overlay are dropped).
    Returns (parts, index of the source geometry of each part)."""
    arr = np.asarray(geoms, dtype=object)
    if arr.size == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.intp)
    # GeometryCollections can nest a MultiPolygon: flatten twice.
    parts, idx = shapely.get_parts(arr, return_index=True)
    parts2, idx2 = shapely.get_parts(parts, return_index=True)
    keep = shapely.get_type_id(parts2) == 3  # Polygon
    return parts2[keep], idx[idx2][keep]


def _significant(parts: np.ndarray, factor: float, min_area_m2: float) -> tuple[np.ndarray, np.ndarray]:
    areas = shapely.area(parts) * factor if parts.size else np.empty(0)
    keep = areas >= min_area_m2
    return parts[keep], areas[keep]


def _union(polygons: np.ndarray, clean: np.ndarray) -> BaseGeometry:
    """Union of ``polygons``. The ``clean`` ones (no invalid coverage edge) form a valid coverage, whose union
    GEOS computes by edge matching, far faster than a general overlay; only the rest goes through ``union_all``."""
    if polygons.size == 0:
        return shapely.Polygon()
    if clean.any():
        try:
            fast = shapely.coverage_union_all(polygons[clean])
        except shapely.errors.GEOSException:  # not noded after all: the general overlay is always right
            return shapely.union_all(polygons)
        if not clean.all():
            return shapely.union_all(np.concatenate([[fast], polygons[~clean]]))
        return fast
    return shapely.union_all(polygons)


def _check_layer(
    container: BaseGeometry | None,
    polygons: np.ndarray,
    codes: Sequence[str],
    homes: Sequence[BaseGeometry | None],
    factor: float,
    min_area_m2: float,
    layer: _Layer,
    container_codes: tuple[str, ...] = (),
) -> None:
    """Fill ``layer`` with the gaps of ``polygons`` in ``container``, their pairwise overlaps and each
    polygon's area outside its ``homes[i]`` (the community, or the parent grid).

    Overlaying two grids that share a long edge is the expensive operation here, and a good partition has
    thousands of such pairs. GEOS's coverage validator finds, in one pass, the polygons with an edge that does
    not match its neighbours' (crossing, inside another polygon, or noded differently); only pairs involving
    one of those can overlap, so only they are intersected. A clean partition costs one validation and one
    coverage union."""
    if polygons.size == 0:
        if container is not None and not container.is_empty:
            _add_gaps(container, shapely.Polygon(), factor, min_area_m2, layer, container_codes)
        return
    invalid = ~shapely.is_valid(polygons)
    if invalid.any():  # boundaries saved before import validation existed; repair rather than crash
        polygons = polygons.copy()
        polygons[invalid] = shapely.make_valid(polygons[invalid])
    suspect = ~shapely.is_empty(shapely.coverage_invalid_edges(polygons)) if polygons.size > 1 else invalid

    # Overlaps: candidate pairs from one STRtree query, intersected on arrays.
    overlap_parts = np.empty(0, dtype=object)
    overlap_pairs: list[tuple[int, int]] = []
    if suspect.any():
        tree = shapely.STRtree(polygons)
        left, right = tree.query(polygons[suspect], predicate="intersects")
        left = np.flatnonzero(suspect)[left]
        pairs = np.unique(np.sort(np.stack([left, right], axis=1), axis=1), axis=0)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        if pairs.size:
            inter = shapely.intersection(polygons[pairs[:, 0]], polygons[pairs[:, 1]])
            parts, src = _polygon_parts(inter)
            areas = shapely.area(parts) * factor if parts.size else np.empty(0)
            keep = areas >= min_area_m2
            overlap_parts = parts[keep]
            overlap_pairs = [(int(pairs[s, 0]), int(pairs[s, 1])) for s in src[keep]]
    if overlap_parts.size:
        merged, _idx = _polygon_parts([shapely.union_all(overlap_parts)])
        merged, merged_areas = _significant(merged, factor, min_area_m2)
        # Which grids make up each merged piece: locate a point of each pair's part among the merged pieces.
        pair_idx, piece_idx = shapely.STRtree(merged).query(
            shapely.point_on_surface(overlap_parts), predicate="intersects"
        )
        involved: dict[int, set[str]] = {}
        for p, m in zip(pair_idx, piece_idx, strict=True):
            a, b = overlap_pairs[int(p)]
            involved.setdefault(int(m), set()).update((codes[a], codes[b]))
        for k, (geom, area) in enumerate(zip(merged, merged_areas, strict=True)):
            layer.overlaps.append(
                Piece("overlap", geom, float(area), tuple(sorted(involved.get(k, ()))), container_codes)
            )
        layer.overlaps_m2 = float(merged_areas.sum())

    if container is not None and not container.is_empty:
        _add_gaps(container, _union(polygons, ~suspect), factor, min_area_m2, layer, container_codes)

    # Outside: only polygons their home does not cover (a prepared test) are clipped.
    with_home = np.asarray([h is not None and not h.is_empty for h in homes], dtype=bool)
    if with_home.any():
        idx = np.flatnonzero(with_home)
        home_arr = _objects([homes[int(k)] for k in idx])
        shapely.prepare(home_arr)
        inside = shapely.contains_properly(home_arr, polygons[idx])  # cheap: settles grids off the home's edge
        inside[~inside] = shapely.covers(home_arr[~inside], polygons[idx[~inside]])
        out = ~inside
        idx, home_arr = idx[out], home_arr[out]
        if idx.size:
            parts, src = _polygon_parts(shapely.difference(polygons[idx], home_arr))
            areas = shapely.area(parts) * factor if parts.size else np.empty(0)
            keep = areas >= min_area_m2
            for geom, area, s in zip(parts[keep], areas[keep], src[keep], strict=True):
                layer.outside.append(Piece("outside", geom, float(area), (codes[int(idx[s])],), container_codes))
            layer.outside_m2 = float(areas[keep].sum())


#: Vertex shift (degrees, about 0.01 mm) allowed when simplifying a union before differencing it from the
#: container: it removes the zigzag that edges noded differently leave, which otherwise makes GEOS's overlay
#: fall back to its slow robust paths. The slivers it can add are far below any sensible threshold.
_SIMPLIFY_DEG = 1e-10


def _add_gaps(
    container: BaseGeometry,
    covered: BaseGeometry,
    factor: float,
    min_area_m2: float,
    layer: _Layer,
    container_codes: tuple[str, ...],
) -> None:
    """``container`` minus ``covered``, in two parts: the container outside the covered area's outer rings,
    and the holes of the covered area. Grids that share edges without sharing vertices leave thousands of
    sliver holes in their union; the holes below the threshold are dropped first (a gap inside one is smaller
    still), and only the rest are differenced."""
    parts, _src = _polygon_parts([covered])
    pieces: list[BaseGeometry] = []
    if parts.size:
        filled = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))
        shapely.prepare(filled)
        if not shapely.covers(filled, container):
            pieces.append(shapely.difference(container, shapely.simplify(filled, _SIMPLIFY_DEG)))
        rings, owner = shapely.get_rings(parts, return_index=True)
        interior = np.ones(len(rings), dtype=bool)
        interior[np.unique(owner, return_index=True)[1]] = False  # each polygon's first ring is its exterior
        holes, _areas = _significant(np.asarray(shapely.polygons(rings[interior]), dtype=object), factor, min_area_m2)
        if holes.size:
            # A grid can sit inside another's hole (an island): take those out of the hole.
            hole_idx, part_idx = shapely.STRtree(parts).query(holes, predicate="contains")
            for h, hole in enumerate(holes):
                islands = parts[part_idx[hole_idx == h]]
                gap = shapely.difference(hole, shapely.union_all(islands)) if islands.size else hole
                pieces.append(shapely.intersection(gap, container))
    else:
        pieces.append(container)
    gap_parts, _src = _polygon_parts(pieces)
    gap_parts, gap_areas = _significant(gap_parts, factor, min_area_m2)
    for geom, area in zip(gap_parts, gap_areas, strict=True):
        layer.gaps.append(Piece("gap", geom, float(area), (), container_codes))
    layer.gaps_m2 = float(gap_areas.sum())


def _attribute_to_communities(pieces: list[Piece], communities: list[Region]) -> list[Piece]:
    """Name the communities each piece touches (with area, not just along an edge)."""
    shaped = [c for c in communities if c.boundary is not None]
    if not pieces or not shaped:
        return pieces
    tree = shapely.STRtree(np.asarray([c.boundary for c in shaped], dtype=object))
    geoms = np.asarray([p.geometry for p in pieces], dtype=object)
    piece_idx, comm_idx = tree.query(geoms, predicate="intersects")
    names: dict[int, set[str]] = {}
    if piece_idx.size:
        shared = shapely.area(shapely.intersection(geoms[piece_idx], tree.geometries.take(comm_idx)))
        for p, c, a in zip(piece_idx, comm_idx, shared, strict=True):
            if a > 0:
                names.setdefault(int(p), set()).add(shaped[int(c)].code)
    return [
        Piece(p.kind, p.geometry, p.area_m2, p.grid_codes, tuple(sorted(names.get(i, ()))))
        for i, p in enumerate(pieces)
    ]


def _objects(items: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _geometries(rows: Sequence[tuple[Any, ...]]) -> np.ndarray:
    """Decode the WKB column (index 6) of ``values_list`` rows into an array of geometries."""
    return _objects([geo.from_wkb(r[6]) for r in rows])


# --- the check ----------------------------------------------------------------------------------------------


def check_coverage(region: Region, *, min_area_m2: float | None = None) -> CoverageResult:
    """Check the coverage of ``region`` (a community, sub-district or district) by its current comprehensive
    and special grids, and of each parent grid by its micro-grids. Raises :class:`CoverageError` when the region
    is of another level or has no boundary (nor communities with one)."""
    if region.level not in CHECKABLE_LEVELS:
        raise CoverageError(
            _("覆盖检查只能针对社区/村、街道/乡镇或区县,%(name)s 是%(level)s。")
            % {"name": region.name, "level": region.get_level_display()}
        )
    if min_area_m2 is None:
        min_area_m2 = float(settings.COVERAGE_MIN_AREA_M2)
    prefix = region.scope_prefix

    communities = list(
        Region.objects.filter(level=Level.COMMUNITY, code__startswith=prefix).only(
            "id", "code", "name", "level", "boundary_wkb"
        )
    )
    by_id = {c.pk: c for c in communities}
    container = region.boundary
    if container is None or container.is_empty:
        shaped = [c.boundary for c in communities if c.boundary is not None]
        if not shaped:
            raise CoverageError(_("%(name)s 及其下属社区/村都没有边界,无法检查覆盖。") % {"name": region.name})
        container = shapely.union_all(shaped)

    lat0 = geo.reference_latitude(container)
    factor = _m2_per_deg2(lat0)
    result = CoverageResult(
        region_code=region.code,
        region_name=region.name,
        level=region.level,
        region_area_m2=float(shapely.area(container)) * factor,
        community_count=len(communities),
        min_area_m2=min_area_m2,
    )

    rows = list(
        Grid.objects.current()
        .filter(region_code__startswith=prefix, kind__in=[*TERRITORIAL_KINDS, GridKind.MICRO])
        .exclude(boundary_wkb=None)
        .values_list("id", "code", "name", "kind", "region_id", "parent_id", "boundary_wkb", "region_code")
    )
    territorial = [r for r in rows if r[3] in TERRITORIAL_KINDS]
    micro = [r for r in rows if r[3] == GridKind.MICRO]
    result.grid_count = len(territorial)

    polygons = _geometries(territorial)
    homes = [by_id[r[4]].boundary if r[4] in by_id else None for r in territorial]
    _check_layer(container, polygons, [r[1] for r in territorial], homes, factor, min_area_m2, result)
    result.gaps = _attribute_to_communities(result.gaps, communities)
    result.overlaps = _attribute_to_communities(result.overlaps, communities)
    home_of = {r[1]: by_id[r[4]].code for r in territorial if r[4] in by_id}
    result.outside = [
        Piece(p.kind, p.geometry, p.area_m2, p.grid_codes, (home_of[p.grid_codes[0]],))
        if p.grid_codes[0] in home_of
        else p
        for p in result.outside
    ]

    # Micro-grids, per parent grid. A parent outside this region's set (it should not happen: a micro-grid's
    # code extends its parent's) is read on its own.
    parents = {r[0]: (r, polygons[i]) for i, r in enumerate(territorial)}
    children: dict[int, list[tuple[Any, ...]]] = {}
    for r in micro:
        children.setdefault(r[5], []).append(r)
    missing = [pid for pid in children if pid not in parents]
    for r in Grid.objects.filter(pk__in=missing).values_list(
        "id", "code", "name", "kind", "region_id", "parent_id", "boundary_wkb", "region_code"
    ):
        parents[r[0]] = (r, geo.from_wkb(r[6]))
    for parent_id in sorted(children, key=lambda pid: parents[pid][0][1] if pid in parents else ""):
        if parent_id not in parents:
            continue
        (prow, parent_geom) = parents[parent_id]
        kids = sorted(children[parent_id], key=lambda r: r[1])
        layer = MicroCoverage(parent_code=prow[1], parent_name=prow[2], micro_count=len(kids))
        kid_geoms = _geometries(kids)
        _check_layer(
            parent_geom,
            kid_geoms,
            [r[1] for r in kids],
            [parent_geom] * len(kids),
            factor,
            min_area_m2,
            layer,
            container_codes=(prow[7],),
        )
        result.micro.append(layer)
    return result


def check_coverage_by_code(code: str, *, min_area_m2: float | None = None) -> CoverageResult:
    """:func:`check_coverage` for the region with ``code``; ``Region.DoesNotExist`` when there is none.
    (Unscoped: the command runs as the operator; the API scopes before calling :func:`check_coverage`.)"""
    return check_coverage(Region.objects.get(code=code), min_area_m2=min_area_m2)
