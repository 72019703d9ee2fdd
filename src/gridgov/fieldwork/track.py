"""Patrol figures and flags from a track: distance, duration, share outside the grid, impossible jumps.

Pure functions over points (no database), so they are tested on constructed tracks. Distances are great-circle
(haversine, WGS-84 mean radius), enough at patrol scale (errors well under 0.5 %).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from shapely import contains_xy
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Point:
    t: datetime
    lon: float
    lat: float
    accuracy_m: float | None = None


@dataclass
class TrackFigures:
    distance_m: float = 0.0
    duration_s: int = 0
    points: int = 0
    outside_share: float = 0.0
    flags: list[dict[str, object]] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


def figures(
    points: Sequence[Point],
    grid: BaseGeometry | None,
    *,
    max_speed_mps: float | None = None,
    max_outside_share: float | None = None,
    outside_buffer_m: float | None = None,
) -> TrackFigures:
    """Figures of a track sorted by time. A step faster than ``max_speed_mps`` (default
    ``FIELDWORK_MAX_SPEED_KMH``) is flagged and not counted in the distance; a track with more than
    ``max_outside_share`` of its points farther than ``outside_buffer_m`` outside the grid is flagged."""
    max_speed = max_speed_mps if max_speed_mps is not None else settings.FIELDWORK_MAX_SPEED_KMH / 3.6
    max_out = max_outside_share if max_outside_share is not None else settings.FIELDWORK_MAX_OUTSIDE_SHARE
    buffer_m = outside_buffer_m if outside_buffer_m is not None else settings.FIELDWORK_OUTSIDE_BUFFER_M
    pts = sorted(points, key=lambda p: p.t)
    out = TrackFigures(points=len(pts))
    if not pts:
        return out
    out.duration_s = int((pts[-1].t - pts[0].t).total_seconds())
    for a, b in itertools.pairwise(pts):
        d = haversine_m(a.lon, a.lat, b.lon, b.lat)
        dt_s = (b.t - a.t).total_seconds()
        if dt_s <= 0 or d / dt_s > max_speed:
            # GPS jitter of a few metres in the same second is not a jump; keep at most 20 jump flags.
            if d > 50 and len(out.flags) < 20:
                out.flags.append({"kind": "speed", "at": b.t.isoformat(), "metres": round(d), "seconds": dt_s})
            continue
        out.distance_m += d
    if grid is not None:
        # Degrees per metre at this latitude: a buffer in metres around the grid, so GPS error near the edge
        # does not count as "outside".
        deg = buffer_m / 111_320.0
        area = grid.buffer(deg) if buffer_m > 0 else grid
        lons = [p.lon for p in pts]
        lats = [p.lat for p in pts]
        inside = contains_xy(area, lons, lats)
        outside = int(len(pts) - inside.sum())
        out.outside_share = outside / len(pts)
        if out.outside_share > max_out:
            out.flags.append({"kind": "outside", "share": round(out.outside_share, 3)})
    out.distance_m = round(out.distance_m, 1)
    return out
