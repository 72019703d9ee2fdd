"""Benchmark of case intake over HTTP: sustained reports per second through ``POST /api/v1/cases/``.

    .venv/bin/python bench/intake.py [--duration 20] [--clients 8] [--workers 2] [--threads 4]
                                     [--db sqlite|postgres|both] [--json PATH]

For each database (SQLite in a temporary data directory; PostgreSQL at ``--postgres`` — a database the script
drops and creates), the script prepares a small city (the test suite's ``build_mini_city()``: nine grids, the
default matter list, a grid worker with an API token), starts gunicorn on a free port (``--workers`` processes,
gthread with ``--threads`` threads each, keep-alive) with ``bench/intake_settings.py`` — the project's settings
and URLs plus ``/bench/bare/``, a bare Django JSON view (parse the body, answer JSON) — and drives both endpoints
from this process with ``--clients`` threads, each holding one keep-alive ``http.client`` connection:

1. **maximum rate** — closed loop: every client sends its next request as soon as the previous one is answered,
   for ``--duration`` seconds; rate = answers per second, with p50/p99 latency;
2. **80 % of the maximum** — open loop: requests are *scheduled* at 0.8 × the measured maximum, evenly spaced, and
   each latency is counted from its scheduled time (a server that falls behind is charged for the queue, no
   coordinated omission).

An intake request is what a phone sends: token auth, a JSON body with a new client UUID, a category of the matter
list and a random point in the district; the server validates it, locates the point, looks for duplicates
(250 m, 30 days, same category), numbers and persists the case, writes its first timeline row and notifies the
community centre (in-app notifications, in the same transaction). Any answer other than 201 counts as an error.

Targets (issue 3): intake at least half the bare view's rate; p99 under 100 ms at 80 % of the maximum rate.
The figures are printed and, with ``--json PATH``, written as JSON. The load generator shares the machine with
the server; on a 2-core machine that caps both rates, the bare view's most.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
INTAKE = "/api/v1/cases/"
BARE = "/bench/bare/"
#: The mini city's district 441302: every point in this box lies in one of its eight grids.
BOX = (114.4005, 23.1005, 114.4395, 23.1395)


# --- preparing the database (in this process, then the server's processes use it) ----------------------------


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    for path in (str(BENCH), str(ROOT / "src"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


def prepare(env: dict[str, str]) -> tuple[str, list[str]]:
    """Migrate, build the mini city, load the default matter list; return the worker's API token and the codes
    of the categories the reports use."""
    _django(env)
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token
    from tests.factories import build_mini_city

    from gridgov.matters.loader import load_matter_list
    from gridgov.matters.models import MatterCategory

    call_command("migrate", verbosity=0, skip_checks=True)
    city = build_mini_city()
    load_matter_list()
    token, _created = Token.objects.get_or_create(user=city.users["worker"])
    codes = [c.code for c in MatterCategory.objects.in_force().order_by("code") if len(c.code) == 4]
    from django.db import connections

    connections.close_all()
    return token.key, codes


def postgres_reset(url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database (``url``'s last path part)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# --- the server ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    command = [
        str(VENV_BIN / "gunicorn"),
        "gridgov.config.wsgi",
        "--pythonpath",
        f"{BENCH},{ROOT / 'src'}",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    full_env = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "intake_settings"}
    process = subprocess.Popen(command, env=full_env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("POST", BARE, body=b"{}", headers={"Content-Type": "application/json"})
            if conn.getresponse().status == 201:
                conn.close()
                return process
        except OSError:
            time.sleep(0.2)
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
    stop_server(process)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- the load generator -----------------------------------------------------------------------------------------


@dataclass
class Run:
    endpoint: str
    mode: str  # "max" (closed loop) or "paced" (open loop)
    seconds: float
    requests: int = 0
    errors: int = 0
    rate: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    target_rate: float | None = None
    error_samples: list[str] = field(default_factory=list)


Body = Callable[[random.Random], bytes]


def intake_body(codes: list[str]) -> Body:
    def make(rng: random.Random) -> bytes:
        return json.dumps(
            {
                "source": "patrol",
                "category": rng.choice(codes),
                "lon": round(rng.uniform(BOX[0], BOX[2]), 6),
                "lat": round(rng.uniform(BOX[1], BOX[3]), 6),
                "description": f"巡查发现问题 {rng.randrange(10**6)},请处理。",
                "address": f"某路{rng.randrange(1, 500)}号",
                "client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            },
            ensure_ascii=False,
        ).encode()

    return make


class Client:
    """One keep-alive connection; reconnects if the server closes it."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            conn = self.conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn = conn
            try:
                conn.request("POST", path, body=body, headers=self.headers)
                response = conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self.conn = None
                return response.status, data
            except (http.client.HTTPException, OSError):
                conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drive(
    port: int,
    path: str,
    body: Body,
    headers: dict[str, str],
    *,
    clients: int,
    seconds: float,
    rate: float | None = None,
    seed: int = 1,
) -> Run:
    """Closed loop (``rate`` None) or open loop at ``rate`` requests/s spread evenly over the clients."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    samples: list[str] = []
    start = time.perf_counter() + 0.2
    end = start + seconds

    def worker(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        client = Client(port, headers)
        n = 0
        while True:
            if rate is None:
                scheduled = time.perf_counter()
                if scheduled < start:
                    time.sleep(start - scheduled)
                    scheduled = time.perf_counter()
            else:
                # Client i sends requests i, i + clients, i + 2·clients … of an evenly spaced schedule.
                scheduled = start + (i + n * clients) / rate
                pause = scheduled - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            if scheduled >= end:
                break
            payload = body(rng)
            try:
                status, data = client.post(path, payload)
            except (http.client.HTTPException, OSError) as exc:
                status, data = 0, str(exc).encode()
            done = time.perf_counter()
            if status != 201:
                errors[i] += 1
                if len(samples) < 5:
                    samples.append(f"{status}: {data[:200]!r}")
            latencies[i].append(done - scheduled)
            n += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = max(time.perf_counter(), end) - start
    flat = [x for per in latencies for x in per]
    return Run(
        endpoint=path,
        mode="max" if rate is None else "paced",
        seconds=round(elapsed, 2),
        requests=len(flat),
        errors=sum(errors),
        rate=round(len(flat) / seconds, 1),
        p50_ms=round(_percentile(flat, 0.50) * 1000, 1),
        p99_ms=round(_percentile(flat, 0.99) * 1000, 1),
        target_rate=round(rate, 1) if rate is not None else None,
        error_samples=samples,
    )


# --- one database ---------------------------------------------------------------------------------------------


def bench_database(name: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    # Preparing imports Django with this database's settings: do it in a child process, so that each database
    # gets a fresh interpreter (Django's settings cannot be switched in a running process).
    prepared = subprocess.run(
        [sys.executable, __file__, "--prepare-only"],
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "intake_settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    token, codes = json.loads(prepared.stdout.strip().splitlines()[-1])
    port = free_port()
    server = start_server(env, port, args.workers, args.threads)
    auth = {"Authorization": f"Token {token}"}
    bare_body: Body = intake_body(codes)  # the same payloads: the bare view parses them too
    runs: list[Run] = []
    try:
        drive(port, BARE, bare_body, {}, clients=args.clients, seconds=2, seed=98)
        drive(port, INTAKE, intake_body(codes), auth, clients=args.clients, seconds=3, seed=99)
        bare_max = drive(port, BARE, bare_body, {}, clients=args.clients, seconds=args.duration, seed=1)
        intake_max = drive(port, INTAKE, intake_body(codes), auth, clients=args.clients, seconds=args.duration, seed=2)
        runs += [bare_max, intake_max]
        paced_clients = max(args.clients, 16)
        runs.append(
            drive(
                port,
                INTAKE,
                intake_body(codes),
                auth,
                clients=paced_clients,
                seconds=args.duration,
                rate=0.8 * intake_max.rate,
                seed=3,
            )
        )
        runs.append(
            drive(
                port,
                BARE,
                bare_body,
                {},
                clients=paced_clients,
                seconds=args.duration,
                rate=0.8 * bare_max.rate,
                seed=4,
            )
        )
    finally:
        stop_server(server)
    paced = runs[2]
    result = {
        "database": name,
        "runs": [asdict(r) for r in runs],
        "ratio": round(intake_max.rate / bare_max.rate, 3) if bare_max.rate else None,
        "targets": {
            "intake_at_least_half_of_bare": intake_max.rate >= 0.5 * bare_max.rate,
            "p99_under_100ms_at_80pct": paced.p99_ms < 100 and paced.errors == 0,
        },
    }
    return result


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import django

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def print_result(result: dict[str, Any]) -> None:
    print(f"\n== {result['database']} ==")
    print(f"{'endpoint':16} {'mode':6} {'target/s':>9} {'rate/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for run in result["runs"]:
        target = f"{run['target_rate']:.0f}" if run["target_rate"] else "-"
        print(
            f"{run['endpoint']:16} {run['mode']:6} {target:>9} {run['rate']:>8.1f} {run['p50_ms']:>8.1f} "
            f"{run['p99_ms']:>8.1f} {run['errors']:>7}"
        )
        for sample in run["error_samples"]:
            print(f"    {sample}")
    print(f"intake / bare (maximum rates): {result['ratio']}")
    for name, ok in result["targets"].items():
        print(f"  {name}: {'met' if ok else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20, help="seconds per measured run")
    parser.add_argument("--clients", type=int, default=8, help="client threads for the maximum-rate runs")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gridgov_bench_intake"),
        help="PostgreSQL database to drop, create and use",
    )
    parser.add_argument("--json", help="write the results here as JSON")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.prepare_only:
        token, codes = prepare({})
        print(json.dumps([token, codes]))
        return 0

    results: list[dict[str, Any]] = []
    scratch = Path(tempfile.mkdtemp(prefix="gridgov-bench-intake-"))
    try:
        if args.db in ("sqlite", "both"):
            env = {"GRIDGOV_DATA_DIR": str(scratch / "sqlite"), "DATABASE_URL": ""}
            os.environ.pop("DATABASE_URL", None)
            results.append(bench_database("SQLite", {k: v for k, v in env.items() if v}, args))
            print_result(results[-1])
        if args.db in ("postgres", "both"):
            postgres_reset(args.postgres)
            env = {"GRIDGOV_DATA_DIR": str(scratch / "postgres"), "DATABASE_URL": args.postgres}
            results.append(bench_database("PostgreSQL", env, args))
            print_result(results[-1])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    summary = {
        "machine": machine(),
        "settings": {k: getattr(args, k) for k in ("duration", "clients", "workers", "threads")},
        "results": results,
    }
    print("\nmachine:", json.dumps(summary["machine"], ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
