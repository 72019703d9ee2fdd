"""The demo city's territory, in memory: regions, grids and their polygons (WGS-84), deterministic, no database.

The city and its five districts are real (the bundled GCJ-02 boundaries, converted to WGS-84). Below them all is
synthetic, drawn with one seeded generator:

* a population density: a background plus Gaussian peaks at the urban centres (downtown 惠城, 仲恺/陈江, 淡水,
  澳头, 罗阳, 平山, 龙城);
* sub-districts, communities and grids are Voronoi cells of seeds clipped to their parent. The seeds are weighted
  k-means centres of points drawn from the density, so each cell holds about the same "mass": grids are small
  downtown and large in the hills;
* special grids are carved out of a community before its comprehensive grids are drawn (industrial parks, the
  大亚湾 petrochemical zone, markets, a campus, a coast), and every island of a multipolygon district is an island
  special grid of the community it falls in — so comprehensive and special grids partition every community;
* micro-grids partition 20 downtown grids; specialized grids (police beats, a city-management block) overlay
  a few communities.

:func:`demo_city` computes it once per process (a few seconds); :func:`demo_grid_records` gives the territorial
grids (comprehensive and special) — the build writes exactly these, and the locator benchmark reads them.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from gridgov.core.crs import CRS, to_wgs84
from gridgov.core.geo import EARTH_RADIUS_M, polygonal_part

from .names import CITY, DISTRICTS, PROVINCE, DistrictSpec, NameBook

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = 441300
SEQUENCE_WIDTH = 3  # settings.GRID_SEQUENCE_WIDTH's default; the demo's codes use it whatever the setting says

LAT0 = 23.1
KX = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(LAT0))
KY = math.radians(1) * EARTH_RADIUS_M

#: (lon, lat, peak, sigma in km): the urban centres the density follows
URBAN_CENTRES: tuple[tuple[float, float, float, float], ...] = (
    (114.405, 23.085, 400.0, 5.0),  # 惠城 downtown
    (114.310, 23.035, 120.0, 4.0),  # 仲恺 / 陈江
    (114.462, 22.792, 200.0, 4.5),  # 惠阳 淡水
    (114.545, 22.730, 90.0, 3.5),  # 大亚湾 澳头
    (114.285, 23.170, 120.0, 4.0),  # 博罗 罗阳
    (114.715, 22.985, 120.0, 4.0),  # 惠东 平山
    (114.255, 23.727, 80.0, 3.0),  # 龙门 龙城
    (113.990, 23.110, 40.0, 4.0),  # 博罗 园洲/石湾
)


@dataclass(frozen=True)
class SpecialSite:
    name: str
    special_kind: str
    district: str
    lon: float
    lat: float
    radius_m: float
    owner_unit: str


SPECIAL_SITES: tuple[SpecialSite, ...] = (
    SpecialSite("仲恺高新区电子信息产业园", "industrial_park", "441302", 114.300, 23.030, 1500, "仲恺高新区管委会"),
    SpecialSite("潼湖生态智慧区产业园", "industrial_park", "441302", 114.200, 23.060, 1500, "潼湖生态智慧区管委会"),
    SpecialSite("惠州农产品综合批发市场", "market", "441302", 114.440, 23.060, 350, "市场管理方"),
    SpecialSite("惠州学院", "campus", "441302", 114.370, 23.060, 600, "惠州学院保卫处"),
    SpecialSite("大亚湾石化区", "petrochemical", "441303", 114.600, 22.740, 3000, "大亚湾石化区管委会"),
    SpecialSite("惠南科技园", "industrial_park", "441303", 114.450, 22.870, 1200, "惠南科技园管委会"),
    SpecialSite("淡水农贸批发市场", "market", "441303", 114.470, 22.800, 300, "市场管理方"),
    SpecialSite("园洲工业园", "industrial_park", "441322", 113.990, 23.120, 1500, "园洲镇工业园管理办"),
    SpecialSite("石湾产业园", "industrial_park", "441322", 114.070, 23.100, 1200, "石湾镇产业园管理办"),
    SpecialSite("黄埠工业区", "industrial_park", "441323", 114.950, 22.830, 1200, "黄埠镇工业区管理办"),
    SpecialSite("巽寮湾海岸带", "coast", "441323", 114.870, 22.740, 1500, "巽寮滨海旅游度假区管委会"),
    SpecialSite("惠东鞋业市场", "market", "441323", 114.720, 22.990, 350, "市场管理方"),
    SpecialSite("龙门产业转移工业园", "industrial_park", "441324", 114.270, 23.700, 1200, "龙门县工业园管委会"),
)


@dataclass
class RegionPlan:
    code: str
    name: str
    level: str
    parent_code: str | None
    polygon: BaseGeometry | None

    @property
    def geom(self) -> BaseGeometry:
        if self.polygon is None:
            raise ValueError(f"{self.code} has no boundary")
        return self.polygon


@dataclass
class GridRecord:
    """One grid of the demo city. ``region_code`` is the region the grid belongs to (its community, or for a
    specialized grid the sub-district/district it is drawn under)."""

    code: str
    name: str
    kind: str
    polygon: BaseGeometry
    region_code: str
    community_code: str | None
    subdistrict_code: str
    district_code: str
    parent_code: str | None = None
    special_kind: str = ""
    owner_unit: str = ""


@dataclass
class DemoCity:
    regions: list[RegionPlan] = field(default_factory=list)
    #: comprehensive and special grids: they partition every community
    grids: list[GridRecord] = field(default_factory=list)
    micro: list[GridRecord] = field(default_factory=list)
    specialized: list[GridRecord] = field(default_factory=list)

    def region(self, code: str) -> RegionPlan:
        return self._regions_by_code[code]

    @functools.cached_property
    def _regions_by_code(self) -> dict[str, RegionPlan]:
        return {r.code: r for r in self.regions}


# --- geometry helpers ---------------------------------------------------------------------------------------


def density(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """People per unit area, arbitrary units: 1 in the hills, a few hundred downtown."""
    rho = np.ones_like(lon, dtype=float)
    for clon, clat, peak, sigma_km in URBAN_CENTRES:
        dx = (lon - clon) * KX / 1000
        dy = (lat - clat) * KY / 1000
        rho += peak * np.exp(-(dx * dx + dy * dy) / (sigma_km * sigma_km))
    return rho


def _clean(geom: BaseGeometry) -> BaseGeometry:
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return polygonal_part(geom)


_WGS_CACHE: dict[tuple[float, float], tuple[float, float]] = {}


def load_boundary(code: str) -> BaseGeometry:
    """A bundled boundary (GCJ-02) converted to WGS-84, vertex by vertex with ``core.crs`` (the city's vertices
    are its districts' vertices: each is converted once)."""
    raw = shape(json.loads((DATA_DIR / f"{code}.geojson").read_text(encoding="utf-8")))

    def convert(coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        for i, (lon, lat) in enumerate(coords.tolist()):
            key = (lon, lat)
            if key not in _WGS_CACHE:
                _WGS_CACHE[key] = to_wgs84(lon, lat, CRS.GCJ02)
            out[i] = _WGS_CACHE[key]
        return out

    return _clean(shapely.transform(raw, convert))


def _uniform_points(poly: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniformly inside ``poly`` (rejection from the bounding box), shape (n, 2)."""
    shapely.prepare(poly)
    minx, miny, maxx, maxy = poly.bounds
    box_area = (maxx - minx) * (maxy - miny)
    fill = max(poly.area / box_area, 0.02) if box_area > 0 else 1.0
    out: list[np.ndarray] = []
    have = 0
    for _attempt in range(200):
        m = int((n - have) / fill * 1.3) + 16
        xs = rng.uniform(minx, maxx, m)
        ys = rng.uniform(miny, maxy, m)
        inside = shapely.contains_xy(poly, xs, ys)
        pts = np.column_stack([xs[inside], ys[inside]])
        out.append(pts)
        have += len(pts)
        if have >= n:
            break
    if have < n:  # a sliver that rejection cannot hit: fall back on its representative point
        rp = poly.representative_point()
        out.append(np.repeat([[rp.x, rp.y]], n - have, axis=0))
    return np.concatenate(out)[:n]


def _density_points(poly: BaseGeometry, n: int, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` points inside ``poly`` drawn with probability ∝ density**alpha (rejection)."""
    probe = _uniform_points(poly, 256, rng)
    cap = float(density(probe[:, 0], probe[:, 1]).max() ** alpha) * 1.5
    out: list[np.ndarray] = []
    have = 0
    for _attempt in range(200):
        cand = _uniform_points(poly, max(4 * (n - have), 64), rng)
        w = density(cand[:, 0], cand[:, 1]) ** alpha / cap
        keep = cand[rng.random(len(cand)) < w]
        out.append(keep)
        have += len(keep)
        if have >= n:
            break
    return np.concatenate(out)[:n]


def _mass(poly: BaseGeometry, alpha: float, rng: np.random.Generator) -> float:
    """∫ density**alpha over ``poly`` (Monte Carlo, in degree² — only ratios are used)."""
    if poly.is_empty:
        return 0.0
    pts = _uniform_points(poly, 200, rng)
    return float(poly.area * np.mean(density(pts[:, 0], pts[:, 1]) ** alpha))


def apportion(total: int, weights: np.ndarray, minimum: int = 1) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` (largest remainder), at least ``minimum`` each."""
    n = len(weights)
    rest = total - minimum * n
    if rest < 0:
        raise ValueError(f"cannot give {n} parts at least {minimum} of {total}")
    w = np.asarray(weights, dtype=float)
    share = w / w.sum() * rest if w.sum() > 0 else np.full(n, rest / n)
    base = np.floor(share)
    remaining = int(rest - base.sum())
    order = np.argsort(-(share - base), kind="stable")
    base[order[:remaining]] += 1
    return (base + minimum).astype(int)


def _kmeans_seeds(points: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 8) -> np.ndarray:
    """k seeds: k-means centres of ``points``, each snapped to its nearest member so that it lies in the region
    the points were drawn from (a centre of a concave region may not)."""
    xy = points * np.array([KX, KY])
    n = len(xy)
    if n < k:
        raise ValueError("not enough points for the seeds")
    centres = xy[rng.choice(n, size=k, replace=False)].copy()
    sq = (xy * xy).sum(axis=1)[:, None]

    def distances(c: np.ndarray) -> np.ndarray:
        return sq - 2 * xy @ c.T + (c * c).sum(axis=1)[None, :]

    for _ in range(iterations):
        labels = distances(centres).argmin(axis=1)
        counts = np.bincount(labels, minlength=k)
        sx = np.bincount(labels, weights=xy[:, 0], minlength=k)
        sy = np.bincount(labels, weights=xy[:, 1], minlength=k)
        full = counts > 0
        centres[full, 0] = sx[full] / counts[full]
        centres[full, 1] = sy[full] / counts[full]
        empty = np.flatnonzero(~full)
        if len(empty):
            centres[empty] = xy[rng.choice(n, size=len(empty), replace=False)]
    d2 = distances(centres)
    seeds = np.empty_like(centres)
    taken: set[tuple[float, float]] = set()
    for j in range(k):
        for idx in np.argsort(d2[:, j]):
            key = (float(xy[idx, 0]), float(xy[idx, 1]))
            if key not in taken:
                taken.add(key)
                seeds[j] = xy[idx]
                break
    return seeds / np.array([KX, KY])


def partition(region: BaseGeometry, seeds: np.ndarray) -> list[BaseGeometry]:
    """Voronoi cells of ``seeds`` clipped to ``region``, in seed order; each holds its seed."""
    if len(seeds) == 1:
        return [region]
    minx, miny, maxx, maxy = region.bounds
    pad = max(maxx - minx, maxy - miny) + 0.01
    frame = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(seeds), extend_to=frame, ordered=True))
    clipped = shapely.intersection(cells, region)
    return [_clean(g) for g in clipped]


def split(region: BaseGeometry, k: int, alpha: float, rng: np.random.Generator) -> list[BaseGeometry]:
    """Partition ``region`` into ``k`` cells of about equal ∫density**alpha."""
    if k == 1:
        return [region]
    pts = _density_points(region, max(30 * k, 240), alpha, rng)
    return partition(region, _kmeans_seeds(pts, k, rng))


def reading_order(geoms: list[BaseGeometry]) -> list[int]:
    """Indices in reading order: rows north→south, west→east inside a row."""
    if not geoms:
        return []
    pts = [g.representative_point() for g in geoms]
    lats = np.array([p.y for p in pts])
    lons = np.array([p.x for p in pts])
    rows = max(1, round(math.sqrt(len(geoms))))
    height = (lats.max() - lats.min()) / rows or 1.0
    row = np.floor((lats.max() - lats) / height + 1e-9).astype(int)
    return sorted(range(len(geoms)), key=lambda i: (int(row[i]), float(lons[i])))


def blob(lon: float, lat: float, radius_m: float, rng: np.random.Generator, vertices: int = 28) -> Polygon:
    """An irregular roundish polygon around a point."""
    angles = np.linspace(0, 2 * math.pi, vertices, endpoint=False)
    radii = radius_m * (1 + 0.22 * np.sin(3 * angles + rng.uniform(0, 6.3)) + 0.1 * rng.uniform(-1, 1, vertices))
    xs = lon + radii * np.cos(angles) / KX
    ys = lat + radii * np.sin(angles) / KY
    return Polygon(np.column_stack([xs, ys]))


def _code(prefix: str, seq: int, width: int) -> str:
    return f"{prefix}{seq:0{width}d}"


# --- the city ---------------------------------------------------------------------------------------------


@dataclass
class _Community:
    plan: RegionPlan
    subdistrict: RegionPlan
    district: DistrictSpec
    mainland: BaseGeometry
    islands: BaseGeometry
    specials: list[tuple[SpecialSite, BaseGeometry]] = field(default_factory=list)

    @property
    def rest(self) -> BaseGeometry:
        geom = self.mainland
        for _site, piece in self.specials:
            geom = geom.difference(piece)
        return _clean(geom)


@functools.lru_cache(maxsize=1)
def demo_city() -> DemoCity:
    """The whole demo territory. Cached: callers must not change what it returns."""
    rng = np.random.default_rng(SEED)
    names = NameBook(np.random.default_rng(SEED + 1))
    city = DemoCity()
    city.regions.append(RegionPlan(PROVINCE[0], PROVINCE[1], "province", None, None))
    city.regions.append(RegionPlan(CITY[0], CITY[1], "city", PROVINCE[0], load_boundary(CITY[0])))

    communities: list[_Community] = []
    for spec in DISTRICTS:
        boundary = load_boundary(spec.code)
        city.regions.append(RegionPlan(spec.code, spec.name, "district", CITY[0], boundary))
        parts = sorted(shapely.get_parts(boundary), key=lambda g: -g.area)
        main, islands = parts[0], shapely.union_all(parts[1:]) if len(parts) > 1 else Polygon()
        communities += _subdivide_district(city, spec, boundary, main, islands, rng, names)

    _carve_specials(communities, rng)
    _draw_grids(city, communities, rng)
    _draw_micro(city, rng)
    _draw_specialized(city, communities)
    return city


def _subdivide_district(
    city: DemoCity,
    spec: DistrictSpec,
    boundary: BaseGeometry,
    main: BaseGeometry,
    islands: BaseGeometry,
    rng: np.random.Generator,
    names: NameBook,
) -> list[_Community]:
    sub_names = list(spec.streets) + list(spec.towns) + list(spec.townships)
    k = len(sub_names)
    seeds = _kmeans_seeds(_density_points(main, 60 * k, 0.45, rng), k, rng)
    cells = partition(boundary, seeds)
    seat = np.array(spec.seat)
    # nearest the seat are the 街道, then the 镇, farthest the 乡
    by_distance = np.argsort(((seeds - seat) ** 2 * np.array([KX, KY]) ** 2).sum(axis=1), kind="stable")
    codes = (
        [_code(spec.code, i + 1, 3) for i in range(len(spec.streets))]
        + [_code(spec.code, 100 + i, 3) for i in range(len(spec.towns))]
        + [_code(spec.code, 200 + i, 3) for i in range(len(spec.townships))]
    )
    subs = [
        RegionPlan(codes[rank], sub_names[rank], "subdistrict", spec.code, cells[int(i)])
        for rank, i in enumerate(by_distance)
    ]
    subs.sort(key=lambda r: r.code)
    city.regions.extend(subs)

    counts = apportion(spec.communities, np.array([_mass(s.polygon, 0.6, rng) for s in subs]), minimum=3)
    result: list[_Community] = []
    taken: set[str] = set()
    for sub, count in zip(subs, counts, strict=True):
        sub_main = _clean(sub.geom.intersection(main)) if not islands.is_empty else sub.geom
        cells = split(sub_main, int(count), 0.6, rng)
        if not islands.is_empty:  # the islands go with the community cell they fall in
            cells = _attach_islands(cells, _clean(sub.geom.intersection(islands)))
        is_street = int(sub.code[6:]) < 100
        dens = np.array(
            [
                float(density(np.array([c.representative_point().x]), np.array([c.representative_point().y]))[0])
                for c in cells
            ]
        )
        # in a town the densest cells are its 社区, the rest are villages
        n_res = len(cells) if is_street else max(1, round(0.2 * len(cells)))
        residential_idx = set(np.argsort(-dens, kind="stable")[:n_res].tolist())
        ordered = reading_order(cells)
        res_order = [i for i in ordered if i in residential_idx]
        vil_order = [i for i in ordered if i not in residential_idx]
        labels = names.community_names(len(cells), [True] * len(res_order) + [False] * len(vil_order), taken)
        for seq, i in enumerate(res_order):
            code = _code(sub.code, seq + 1, 3)
            result.append(_make_community(city, code, labels[seq], sub, spec, cells[i], main, islands))
        for seq, i in enumerate(vil_order):
            code = _code(sub.code, 200 + seq, 3)
            label = labels[len(res_order) + seq]
            result.append(_make_community(city, code, label, sub, spec, cells[i], main, islands))
    return result


def _attach_islands(cells: list[BaseGeometry], islands: BaseGeometry) -> list[BaseGeometry]:
    if islands.is_empty:
        return cells
    tree = shapely.STRtree(cells)
    extra: dict[int, list[BaseGeometry]] = {}
    for island in shapely.get_parts(islands):
        nearest = int(tree.nearest(island))
        extra.setdefault(nearest, []).append(island)
    return [_clean(shapely.union_all([c, *extra[i]])) if i in extra else c for i, c in enumerate(cells)]


def _make_community(
    city: DemoCity,
    code: str,
    name: str,
    sub: RegionPlan,
    spec: DistrictSpec,
    cell: BaseGeometry,
    main: BaseGeometry,
    islands: BaseGeometry,
) -> _Community:
    plan = RegionPlan(code, name, "community", sub.code, cell)
    city.regions.append(plan)
    if islands.is_empty:
        return _Community(plan, sub, spec, cell, Polygon())
    return _Community(plan, sub, spec, _clean(cell.intersection(main)), _clean(cell.intersection(islands)))


def _carve_specials(communities: list[_Community], rng: np.random.Generator) -> None:
    by_district: dict[str, list[_Community]] = {}
    for c in communities:
        by_district.setdefault(c.district.code, []).append(c)
    for site in SPECIAL_SITES:
        members = by_district[site.district]
        point = Point(site.lon, site.lat)
        host = next((c for c in members if c.mainland.contains(point)), None)
        if host is None:
            host = min(members, key=lambda c: c.mainland.distance(point))
            rp = host.mainland.representative_point()
            point = Point(rp.x, rp.y)
        radius = site.radius_m
        shape_rng = np.random.default_rng(rng.integers(1 << 32))
        for _ in range(12):
            piece = _clean(blob(point.x, point.y, radius, shape_rng).intersection(host.rest))
            if not piece.is_empty and piece.area <= 0.45 * host.mainland.area:
                break
            radius *= 0.7
        host.specials.append((site, piece))


def _draw_grids(city: DemoCity, communities: list[_Community], rng: np.random.Generator) -> None:
    for spec in DISTRICTS:
        members = [c for c in communities if c.district.code == spec.code]
        rests = [c.rest for c in members]
        counts = apportion(spec.grids, np.array([_mass(r, 1.0, rng) for r in rests]), minimum=1)
        for community, rest, count in zip(members, rests, counts, strict=True):
            cells = split(rest, int(count), 1.0, rng)
            code = community.plan.code
            seq = 0
            for i in reading_order(cells):
                seq += 1
                city.grids.append(
                    GridRecord(
                        code=_code(code, seq, SEQUENCE_WIDTH),
                        name=f"{community.plan.name}第{seq}网格",
                        kind="comprehensive",
                        polygon=cells[i],
                        region_code=code,
                        community_code=code,
                        subdistrict_code=community.subdistrict.code,
                        district_code=spec.code,
                    )
                )
            for site, piece in community.specials:
                seq += 1
                city.grids.append(
                    GridRecord(
                        code=_code(code, seq, SEQUENCE_WIDTH),
                        name=f"{site.name}专属网格",
                        kind="special",
                        polygon=piece,
                        region_code=code,
                        community_code=code,
                        subdistrict_code=community.subdistrict.code,
                        district_code=spec.code,
                        special_kind=site.special_kind,
                        owner_unit=site.owner_unit,
                    )
                )
            if not community.islands.is_empty:
                seq += 1
                city.grids.append(
                    GridRecord(
                        code=_code(code, seq, SEQUENCE_WIDTH),
                        name=f"{community.plan.name}海岛专属网格",
                        kind="special",
                        polygon=community.islands,
                        region_code=code,
                        community_code=code,
                        subdistrict_code=community.subdistrict.code,
                        district_code=spec.code,
                        special_kind="island",
                        owner_unit=f"{community.subdistrict.name}海岛管理站",
                    )
                )


MICRO_PARENTS = 20


def _draw_micro(city: DemoCity, rng: np.random.Generator) -> None:
    """Micro-grids: the 20 comprehensive grids of 惠城 nearest downtown, each split into 4–6."""
    clon, clat = URBAN_CENTRES[0][:2]
    candidates = [g for g in city.grids if g.kind == "comprehensive" and g.district_code == "441302"]
    candidates.sort(key=lambda g: g.polygon.centroid.distance(Point(clon, clat)))
    for parent in sorted(candidates[:MICRO_PARENTS], key=lambda g: g.code):
        k = int(rng.integers(4, 7))
        cells = split(parent.polygon, k, 0.0, rng)
        for seq, i in enumerate(reading_order(cells), start=1):
            city.micro.append(
                GridRecord(
                    code=f"{parent.code}{seq:02d}",
                    name=f"{parent.name}{seq}号微网格",
                    kind="micro",
                    polygon=cells[i],
                    region_code=parent.region_code,
                    community_code=parent.community_code,
                    subdistrict_code=parent.subdistrict_code,
                    district_code=parent.district_code,
                    parent_code=parent.code,
                )
            )


def _draw_specialized(city: DemoCity, communities: list[_Community]) -> None:
    """Police beats over three neighbouring communities in the three 惠城 街道 nearest downtown, and one
    city-management block over the communities within 2 km of downtown."""
    clon, clat = URBAN_CENTRES[0][:2]
    centre = Point(clon, clat)
    huicheng = [c for c in communities if c.district.code == "441302" and int(c.subdistrict.code[6:]) < 100]
    subs = sorted({c.subdistrict.code for c in huicheng}, key=lambda s: city.region(s).geom.distance(centre))[:3]
    for sub_code in sorted(subs):
        sub = city.region(sub_code)
        members = [c for c in huicheng if c.subdistrict.code == sub_code]
        members.sort(key=lambda c: c.plan.code)
        station = sub.name.removesuffix("街道") + "派出所"
        used: set[str] = set()
        for beat in range(1, 3):
            free = [c for c in members if c.plan.code not in used]
            if len(free) < 2:
                break
            first = free[0]
            near = sorted(free[1:], key=lambda c: c.plan.geom.distance(first.plan.geom))[:2]
            group = [first, *near]
            used |= {c.plan.code for c in group}
            city.specialized.append(
                GridRecord(
                    code=f"{sub_code}JW{beat:02d}",
                    name=f"{station}第{beat}警务区",
                    kind="specialized",
                    polygon=_clean(shapely.union_all([c.plan.polygon for c in group])),
                    region_code=sub_code,
                    community_code=None,
                    subdistrict_code=sub_code,
                    district_code="441302",
                    owner_unit=f"惠州市公安局惠城分局{station}",
                )
            )
    block = [c for c in communities if c.district.code == "441302" and c.plan.geom.distance(centre) * KY < 2000]
    if block:
        city.specialized.append(
            GridRecord(
                code="441302CG01",
                name="惠城区中心城区城管责任区",
                kind="specialized",
                polygon=_clean(shapely.union_all([c.plan.polygon for c in block])),
                region_code="441302",
                community_code=None,
                subdistrict_code="",
                district_code="441302",
                owner_unit="惠城区城市管理和综合执法局",
            )
        )


def demo_grid_records() -> list[GridRecord]:
    """The demo city's territorial grids (comprehensive and special, no micro- or specialized grids), WGS-84.
    Deterministic; the same objects the build writes."""
    return list(demo_city().grids)
