"""Patrol figures and flags from a track: distance, time, share outside the grid, impossible jumps, gaps.

Pure functions over points (no database), so they are tested on constructed tracks. Distances are great-circle
(haversine, WGS-84 mean radius), enough at patrol scale (errors well under 0.5 %).

The hours of a patrol are the time its track covers, not the phone's start and stop: each step between two
consecutive points counts its time up to ``FIELDWORK_TRACK_MAX_GAP_S`` (a phone that sent no position for an hour
was not seen patrolling for an hour), clipped to the patrol's window — from its start to its stop (or to
``FIELDWORK_MAX_PATROL_HOURS`` after the start, whichever is earlier). An impossible jump counts neither distance
nor time. An ended patrol whose track covers less than ``FIELDWORK_MIN_TRACK_SHARE`` of its stated time (stop −
start, from ten minutes up) is flagged ``gaps``: hours claimed without a track.

Every figure but the derived flags is a sum over points or over steps, so :func:`partial` of the points from the
last stored point before a new batch onwards, taken before and after the batch is stored, gives the change
(``services.patrols.add_points``): a batch costs the same at the start of a patrol and three hours in.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from shapely import contains_xy, from_wkb
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8
#: Speed flags kept per patrol (the first ones in time).
MAX_SPEED_FLAGS = 20
#: A patrol's stated time (stop − start) from which a track covering too little of it is flagged.
MIN_STATED_S = 600


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
    outside_points: int = 0
    #: The first and last point's times, inside the window (None without points).
    track_from: datetime | None = None
    track_to: datetime | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


@dataclass
class Partial:
    """The additive figures of a run of points: ``points``/``outside`` count its points (the first one left out
    when it is the anchor already counted), ``distance_m``/``seconds``/``speed_flags`` its steps."""

    points: int = 0
    outside: int = 0
    distance_m: float = 0.0
    seconds: float = 0.0
    speed_flags: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    """The time a patrol's track may count: [start, end)."""

    start: datetime | None = None
    end: datetime | None = None

    def clip(self, t: datetime) -> datetime:
        if self.start is not None and t < self.start:
            return self.start
        if self.end is not None and t > self.end:
            return self.end
        return t


def window(started_at: datetime | None, ended_at: datetime | None) -> Window:
    """A patrol's window: from its start to its stop, never longer than ``FIELDWORK_MAX_PATROL_HOURS``."""
    if started_at is None:
        return Window(None, ended_at)
    cap = started_at + dt.timedelta(hours=settings.FIELDWORK_MAX_PATROL_HOURS)
    return Window(started_at, cap if ended_at is None else min(ended_at, cap))


@functools.lru_cache(maxsize=256)
def _area(wkb: bytes, buffer_m: float) -> BaseGeometry:
    grid = from_wkb(wkb)
    # Degrees per metre at this latitude: a buffer in metres around the grid, so GPS error near the edge does
    # not count as "outside".
    return grid.buffer(buffer_m / 111_320.0) if buffer_m > 0 else grid


def grid_area(grid: BaseGeometry | None, buffer_m: float | None = None) -> BaseGeometry | None:
    if grid is None:
        return None
    buffer = buffer_m if buffer_m is not None else settings.FIELDWORK_OUTSIDE_BUFFER_M
    return _area(grid.wkb, buffer)


def partial(
    points: Sequence[Point],
    area: BaseGeometry | None,
    *,
    win: Window = Window(),
    skip_first: bool = False,
    max_speed_mps: float | None = None,
    max_gap_s: float | None = None,
) -> Partial:
    """The additive figures of ``points`` (sorted by time). A step faster than ``max_speed_mps`` (default
    ``FIELDWORK_MAX_SPEED_KMH``) is an impossible jump: flagged (when longer than 50 m: GPS jitter is not a jump)
    and counted neither in the distance nor in the time."""
    max_speed = max_speed_mps if max_speed_mps is not None else settings.FIELDWORK_MAX_SPEED_KMH / 3.6
    max_gap = max_gap_s if max_gap_s is not None else settings.FIELDWORK_TRACK_MAX_GAP_S
    out = Partial()
    counted = points[1:] if skip_first else points
    out.points = len(counted)
    if area is not None and counted:
        inside = contains_xy(area, [p.lon for p in counted], [p.lat for p in counted])
        out.outside = int(len(counted) - inside.sum())
    for a, b in itertools.pairwise(points):
        d = haversine_m(a.lon, a.lat, b.lon, b.lat)
        dt_s = (b.t - a.t).total_seconds()
        if dt_s <= 0 or d / dt_s > max_speed:
            if d > 50:
                out.speed_flags.append({"kind": "speed", "at": b.t.isoformat(), "metres": round(d), "seconds": dt_s})
            continue
        inside_s = (win.clip(b.t) - win.clip(a.t)).total_seconds()
        if inside_s <= 0:
            continue  # a step wholly outside the patrol's window
        out.distance_m += d
        out.seconds += min(inside_s, max_gap)
    return out


def derive(
    fig: TrackFigures,
    speed_flags: list[dict[str, object]],
    *,
    win: Window = Window(),
    ended: bool = False,
    max_outside_share: float | None = None,
    min_track_share: float | None = None,
) -> TrackFigures:
    """Fill in the figures and flags that are not sums: the share outside, the outside and gaps flags."""
    max_out = max_outside_share if max_outside_share is not None else settings.FIELDWORK_MAX_OUTSIDE_SHARE
    min_share = min_track_share if min_track_share is not None else settings.FIELDWORK_MIN_TRACK_SHARE
    fig.outside_share = fig.outside_points / fig.points if fig.points else 0.0
    fig.flags = list(speed_flags[:MAX_SPEED_FLAGS])
    if fig.outside_share > max_out:
        fig.flags.append({"kind": "outside", "share": round(fig.outside_share, 3)})
    if ended and win.start is not None and win.end is not None:
        stated = (win.end - win.start).total_seconds()
        if stated >= MIN_STATED_S and fig.duration_s < min_share * stated:
            fig.flags.append({"kind": "gaps", "stated_s": int(stated), "tracked_s": fig.duration_s})
    return fig


def figures(
    points: Sequence[Point],
    grid: BaseGeometry | None,
    *,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    max_speed_mps: float | None = None,
    max_outside_share: float | None = None,
    outside_buffer_m: float | None = None,
    max_gap_s: float | None = None,
) -> TrackFigures:
    """Figures of a track: distance, the time it covers (within the window of ``started_at``/``ended_at`` when
    given), points, share outside ``grid`` (farther than ``outside_buffer_m``); flags: impossible jumps, more than
    ``max_outside_share`` outside, and (given both times) a track covering too little of the stated time."""
    pts = sorted(points, key=lambda p: p.t)
    win = window(started_at, ended_at)
    part = partial(pts, grid_area(grid, outside_buffer_m), win=win, max_speed_mps=max_speed_mps, max_gap_s=max_gap_s)
    fig = TrackFigures(
        distance_m=round(part.distance_m, 1),
        duration_s=int(part.seconds),
        points=part.points,
        outside_points=part.outside,
        track_from=win.clip(pts[0].t) if pts else None,
        track_to=win.clip(pts[-1].t) if pts else None,
    )
    return derive(fig, part.speed_flags, win=win, ended=ended_at is not None, max_outside_share=max_outside_share)
