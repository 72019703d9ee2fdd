"""Benchmark of a patrol's track batches: milliseconds per ``track`` record at the start and at the end of a patrol.

    .venv/bin/python bench/patrol_points.py [--db sqlite|postgres] [--batches 540] [--batch 20] [--json PATH]

A three-hour patrol at one point a second, sent as the phone sends it — ``--batch`` points a ``track`` record —
through the committed service ``gridgov.fieldwork.services.add_points`` (incremental: the figures change by what
the batch changes). The **baseline** is the same track for a second patrol through the service as it was before
(``full_recompute_add_points`` below: store the batch, then recompute the figures from every point of the
patrol), in the same run, on the same database. For each: the median milliseconds of one batch over the first 20
batches and over the last 20, the ratio end/start (1 when a batch costs the same three hours in), and the CPU
seconds of the whole patrol. Both patrols must end with the same figures, or the script fails.

The database: SQLite in a temporary data directory (the project's settings, WAL), or PostgreSQL at ``--postgres``
(a database the script drops and creates). The city is the test suite's ``build_mini_city()``; the walk stays in
the worker's grid (441302001001001), zigzagging at walking pace.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    for path in (str(ROOT / "src"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.config.settings")
    import django

    django.setup()


def postgres_reset(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def full_recompute_add_points(*, by: Any, patrol_id: Any, points: Any) -> Any:
    """The baseline: ``add_points`` before it was incremental — store the batch, recompute from the whole track."""
    from django.db import transaction

    from gridgov.fieldwork.models import Patrol, TrackPoint
    from gridgov.fieldwork.services import recompute

    with transaction.atomic():
        patrol = Patrol.objects.select_for_update().get(pk=patrol_id, worker=by)
        TrackPoint.objects.bulk_create(
            [TrackPoint(patrol=patrol, t=p.t, lon=p.lon, lat=p.lat, accuracy_m=p.accuracy_m) for p in points],
            ignore_conflicts=True,
        )
        recompute(patrol)
        return patrol


def walk(start: dt.datetime, n: int) -> list[Any]:
    """``n`` points a second apart, 1.4 m/s: east and west along a street, drifting north and back south (no jump)."""
    from gridgov.fieldwork.track import Point

    points = []
    step = 1.4 / 102_000  # degrees of longitude at 23.1°N for 1.4 m
    street_len = 560  # points along one street (about 780 m)
    for i in range(n):
        street, along = divmod(i, street_len)
        x = along if street % 2 == 0 else street_len - along
        rows = (i / street_len) % 40
        lon = 114.4015 + x * step
        lat = 23.1015 + (rows if rows < 20 else 40 - rows) * 0.00045
        points.append(Point(start + dt.timedelta(seconds=i + 1), lon, lat, 5.0))
    return points


def run(add: Any, worker: Any, points: list[Any], batch: int, started: dt.datetime) -> dict[str, Any]:
    from gridgov.fieldwork.models import Patrol
    from gridgov.fieldwork.services import start_patrol

    pid = uuid.uuid4()
    start_patrol(by=worker, patrol_id=pid, started_at=started, grid_code="441302001001001")
    ms: list[float] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(0, len(points), batch):
        t0 = time.perf_counter()
        add(by=worker, patrol_id=pid, points=points[i : i + batch])
        ms.append((time.perf_counter() - t0) * 1000)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    patrol = Patrol.objects.get(pk=pid)
    first, last = statistics.median(ms[:20]), statistics.median(ms[-20:])
    return {
        "batches": len(ms),
        "ms_first_20": round(first, 2),
        "ms_last_20": round(last, 2),
        "end_over_start": round(last / first, 2),
        "cpu_s": round(cpu, 1),
        "wall_s": round(wall, 1),
        "figures": {
            "points": patrol.points,
            "distance_m": round(patrol.distance_m, 1),
            "duration_s": patrol.duration_s,
            "outside_share": patrol.outside_share,
            "flags": patrol.flags,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gridgov_bench_patrol"),
        help="PostgreSQL database to drop, create and use",
    )
    parser.add_argument("--batches", type=int, default=540, help="track records (540 × 20 points = 3 hours)")
    parser.add_argument("--batch", type=int, default=20, help="points in one track record")
    parser.add_argument("--json", help="write the results here as JSON")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="bench-patrol-")
    if args.db == "postgres":
        postgres_reset(args.postgres)
        _django({"GRIDGOV_DATA_DIR": scratch, "DATABASE_URL": args.postgres})
    else:
        os.environ.pop("DATABASE_URL", None)
        _django({"GRIDGOV_DATA_DIR": scratch})

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from tests.factories import build_mini_city

    call_command("migrate", verbosity=0, skip_checks=True)
    worker = build_mini_city().users["worker"]
    n = args.batches * args.batch
    started = timezone.now() - dt.timedelta(seconds=n + 120)
    points = walk(started, n)

    from gridgov.fieldwork.services import add_points

    results = {
        "database": connection.vendor,
        "points": n,
        "batch": args.batch,
        "incremental": run(add_points, worker, points, args.batch, started),
        "baseline_full_recompute": run(full_recompute_add_points, worker, points, args.batch, started),
    }
    inc, base = results["incremental"], results["baseline_full_recompute"]
    for name in ("incremental", "baseline_full_recompute"):
        r = results[name]
        print(
            f"{connection.vendor:10} {name:24} {r['batches']} batches: {r['ms_first_20']:8.2f} ms a batch at the "
            f"start, {r['ms_last_20']:8.2f} ms at the end (×{r['end_over_start']}); CPU {r['cpu_s']} s, "
            f"wall {r['wall_s']} s"
        )
    print(
        f"baseline / incremental at the end: ×{base['ms_last_20'] / inc['ms_last_20']:.1f}; "
        f"whole patrol CPU ×{base['cpu_s'] / max(inc['cpu_s'], 0.1):.1f}"
    )
    fi, fb = inc["figures"], base["figures"]
    same = (
        fi["points"] == fb["points"]
        and abs(fi["distance_m"] - fb["distance_m"]) < 1
        and abs(fi["duration_s"] - fb["duration_s"]) <= 1
        and fi["flags"] == fb["flags"]
    )
    print("figures:", json.dumps(fi, ensure_ascii=False), "same as the baseline's" if same else f"DIFFER: {fb}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
