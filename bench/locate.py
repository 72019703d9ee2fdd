"""Benchmark of the point → grid locator.

    .venv/bin/python bench/locate.py [--points 1000000] [--sample 20000] [--synthetic 200000] [--stand-in]

For (a) the demo city's territorial grids (``gridgov.demo.geometry.demo_grid_records()``; ``--stand-in`` or a
missing demo module: 3,533 Voronoi cells clipped to Huizhou's real boundary) and (b) a synthetic city of
``--synthetic`` Voronoi grids over the same boundary, it reports: the locator's build time, its throughput on
``--points`` uniformly random points in the territory's bounding box, the same points through a plain
``shapely.STRtree(polygons).query(points, predicate="intersects")`` plus the tie-break (the baseline), the
ratio, and the number of disagreements with a brute-force check on a sample (random points plus vertices and
edge midpoints of the grids, where ties happen) — which must be 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gridgov.core.crs import transform_geometry
from gridgov.territory.locator import GridRecord, Locator

BOUNDARY = Path("/work/shared/data/guangdong-boundaries/441300.geojson")


def huizhou() -> BaseGeometry:
    """Huizhou's real boundary (GCJ-02 in the file) in WGS-84."""
    candidates = [
        Path(__file__).resolve().parents[1] / "src/gridgov/demo/data/441300.geojson",
        BOUNDARY,
    ]
    path = next(p for p in candidates if p.exists())
    data = json.loads(path.read_text(encoding="utf-8"))
    geometry = (
        data.get("geometry", data) if data.get("type") != "FeatureCollection" else data["features"][0]["geometry"]
    )
    geom = shapely.make_valid(shapely.geometry.shape(geometry))
    return transform_geometry(geom, "gcj02", "wgs84")


def voronoi_grids(region: BaseGeometry, n: int, seed: int) -> list[GridRecord]:
    """``n`` grids partitioning ``region``: Voronoi cells of random seeds inside it, clipped to it."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    seeds = np.empty((0, 2))
    while len(seeds) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), (2 * n, 2))
        seeds = np.vstack([seeds, xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])]])
    seeds = seeds[:n]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds)))
    inside = shapely.within(cells, region)
    cells[~inside] = shapely.intersection(cells[~inside], region)
    cells = cells[~shapely.is_empty(cells)]
    codes = [f"441302{i // 1000 % 1000:03d}{i // 10 % 100:03d}{i:06d}" for i in range(len(cells))]
    return [GridRecord(code=c, kind="comprehensive", polygon=p) for c, p in zip(codes, cells, strict=True)]


def demo_records(stand_in: bool) -> tuple[list[Any], str]:
    if not stand_in:
        try:
            from gridgov.demo.geometry import demo_grid_records
        except ImportError:
            pass
        else:
            records = [r for r in demo_grid_records() if r.kind in ("comprehensive", "special")]
            kinds = {k: sum(1 for r in records if r.kind == k) for k in ("comprehensive", "special")}
            return records, (
                f"demo city (gridgov.demo.geometry): {kinds['comprehensive']} comprehensive"
                f" + {kinds['special']} special grids"
            )
    return voronoi_grids(huizhou(), 3533, seed=1), "stand-in: 3,533 Voronoi cells clipped to Huizhou"


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def baseline(tree: shapely.STRtree, lon: np.ndarray, lat: np.ndarray, n: int) -> np.ndarray:
    """Plain STRtree query, then the tie rule (lowest code = lowest position, polygons being in code order)."""
    point_idx, poly_idx = tree.query(shapely.points(lon, lat), predicate="intersects")
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, point_idx, poly_idx)
    out[out == np.iinfo(np.int64).max] = -1
    return out


def brute_force(polygons: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """GEOS covers of every point against every grid whose bounding box holds it (a bounding-box filter cannot
    drop a grid that covers the point), lowest code first. No raster, no shortcut."""
    bounds = shapely.bounds(polygons)
    out = np.full(len(lon), -1, dtype=np.int64)
    order = np.argsort(bounds[:, 0], kind="stable")
    sorted_minx = bounds[order, 0]
    width = float((bounds[:, 2] - bounds[:, 0]).max())
    for i in range(len(lon)):
        x, y = lon[i], lat[i]
        lo, hi = np.searchsorted(sorted_minx, [x - width, x], side="right")
        cand = order[lo:hi]
        b = bounds[cand]
        cand = cand[(b[:, 2] >= x) & (b[:, 1] <= y) & (b[:, 3] >= y)]
        if len(cand):
            cand = np.sort(cand)
            hit = shapely.intersects_xy(polygons[cand], x, y)
            if hit.any():
                out[i] = cand[int(np.argmax(hit))]
    return out


def edge_points(polygons: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    rings = shapely.get_rings(shapely.get_parts(polygons))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    points = np.vstack([coords, (coords[:-1][same] + coords[1:][same]) / 2])
    return points[rng.choice(len(points), size=min(n, len(points)), replace=False)]


def run_case(label: str, records: list[Any], args: argparse.Namespace) -> dict[str, Any]:
    print(f"\n== {label}", flush=True)
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    locator = Locator.from_records(records)
    build = time.perf_counter() - started
    index = locator.index
    polygons = index.polygons
    minx, miny, maxx, maxy = shapely.total_bounds(polygons)
    lon = rng.uniform(minx, maxx, args.points)
    lat = rng.uniform(miny, maxy, args.points)
    locator.locate_many(lon[:1000], lat[:1000])  # warm up
    ours_s, ours = timed(lambda: locator.locate_many(lon, lat), args.repeat)

    started = time.perf_counter()
    tree = shapely.STRtree(polygons)
    tree_build = time.perf_counter() - started
    base_s, base = timed(lambda: baseline(tree, lon, lat, args.points), max(1, args.repeat // 2))
    agree_with_baseline = int((base != ours).sum())

    k = min(args.sample, args.points)
    extra = edge_points(polygons, args.sample // 4, rng)
    s_lon = np.concatenate([lon[:k], extra[:, 0]])
    s_lat = np.concatenate([lat[:k], extra[:, 1]])
    started = time.perf_counter()
    truth = brute_force(polygons, s_lon, s_lat)
    brute_s = time.perf_counter() - started
    mismatches = int((locator.locate_many(s_lon, s_lat) != truth).sum())

    in_cells = index.table[
        ((lat - index.oy) * index.inv).astype(np.intp) * index.nx + ((lon - index.ox) * index.inv).astype(np.intp)
    ]
    result = {
        "label": label,
        "grids": len(locator),
        "build_s": build,
        "cells": index.cell_count,
        "boundary_cells": index.boundary_cell_count,
        "points": args.points,
        "ours_s": ours_s,
        "ours_pps": args.points / ours_s,
        "tree_build_s": tree_build,
        "base_s": base_s,
        "base_pps": args.points / base_s,
        "ratio": base_s / ours_s,
        "outside": float((ours < 0).mean()),
        "in_boundary_cells": float((in_cells <= -2).mean()),
        "differs_from_baseline": agree_with_baseline,
        "sample": len(s_lon),
        "sample_edges": len(extra),
        "brute_s": brute_s,
        "mismatches": mismatches,
    }
    print(
        f"grids {result['grids']:,} | build {build:.2f} s | raster {index.nx}×{index.ny} = {index.cell_count:,} cells, "
        f"{index.boundary_cell_count:,} boundary\n"
        f"locator : {result['ours_pps']:>12,.0f} points/s ({ours_s * 1000:.0f} ms for {args.points:,}); "
        f"{result['outside']:.1%} outside every grid, {result['in_boundary_cells']:.1%} in boundary cells\n"
        f"baseline: {result['base_pps']:>12,.0f} points/s ({base_s * 1000:.0f} ms; STRtree build {tree_build:.2f} s)"
        f"\nratio ours/baseline: {result['ratio']:.1f}×  | differs from baseline on {agree_with_baseline} points\n"
        f"exactness: {mismatches} mismatches against brute force on {len(s_lon):,} points "
        f"({k:,} random + {len(extra):,} vertices/edge midpoints; brute force {brute_s:.1f} s)",
        flush=True,
    )
    return result


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"CPU {cpu}, {os.cpu_count()} logical cores; Python {platform.python_version()}, "
        f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), numpy {np.__version__}; "
        f"{platform.system()} {platform.release()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=1_000_000, help="random points per case (default 1,000,000)")
    parser.add_argument("--sample", type=int, default=20_000, help="random points checked by brute force")
    parser.add_argument("--synthetic", type=int, default=200_000, help="grids in the synthetic case (0: skip)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (median reported)")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--stand-in", action="store_true", help="use the Voronoi stand-in instead of the demo city")
    args = parser.parse_args()

    print(machine())
    results = []
    records, label = demo_records(args.stand_in)
    results.append(run_case(f"(a) {label}", records, args))
    if args.synthetic:
        started = time.perf_counter()
        synthetic = voronoi_grids(huizhou(), args.synthetic, seed=2)
        print(f"\n(synthetic partition drawn in {time.perf_counter() - started:.1f} s)")
        results.append(run_case(f"(b) synthetic: {len(synthetic):,} Voronoi grids over Huizhou", synthetic, args))
    bad = sum(r["mismatches"] for r in results)
    print(f"\nmismatches in total: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
