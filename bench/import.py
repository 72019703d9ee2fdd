"""Benchmark of the person import: residents per second through the import pipeline against a bare COPY.

    .venv/bin/python bench/import.py                      # 1,000,000 rows: PostgreSQL (pipeline and COPY), SQLite
    .venv/bin/python bench/import.py --quick              # 50,000 rows
    .venv/bin/python bench/import.py --rows 200000 --db postgres --profile 20000

What it measures, on the same synthetic rows (deterministic: ``--seed``):

* **pipeline** — what an import does to each row: validation and normalisation (``services.clean_person``: ID
  number check character, birth date and area code, sex and birth date against the number, phone), placing the
  person in a grid of the importing user's scope, de-duplication (within the chunk and against the database, by
  the ID number's blind index), and the write (``Person`` built with keyword arguments: blind indexes on
  assignment; ``bulk_create``: AES-GCM encryption of the ID number, phone and both addresses at insert). When
  ``gridgov.registry.importing`` is importable, the pipeline is its entry point ``import_rows("person", rows,
  by=...)`` (rows keyed by the template's Chinese headers, chunks of its ``CHUNK_SIZE``, one transaction each);
  otherwise (``--pipeline services``) the same steps written here, chunks of ``--chunk`` rows;
* **COPY** (PostgreSQL) — the same rows, unprocessed (plain text in every column), with ``COPY … FROM STDIN``
  into a table made ``LIKE registry_person INCLUDING ALL`` (same columns, indexes and defaults; a logged table),
  the best of three runs;
* **SQLite** — the pipeline again in a child process on a fresh SQLite database (WAL, the project's settings).
* **floor** — the CPU a row needs for what no import can skip (``clean_person``, four AES-GCM encryptions, two
  blind indexes), without the ORM or a database: the most a single process could do.

Rates are wall-clock rows per second; the CPU seconds of the importing process are printed beside them (the
machine may be shared). The pipeline runs in one process, like one import job.

The target in issue 4 is a pipeline rate of at least a third of COPY's. ``--profile N`` runs the pipeline once
more on N fresh rows under cProfile and says where the time goes (validation, encryption, blind indexes, model
building, the ORM's insert preparation, the database). Rows are imported into one sub-district's 50 grids by an
administrator, so every row is in scope; 1 % of the rows repeat an earlier ID number (they must be rejected).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/gridgov_bench_import"
GRIDS = 50
DUPLICATE_SHARE = 0.01

# --- setting up ------------------------------------------------------------------------------------------------


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


def prepare() -> Any:
    """Migrate; make 惠城区 → 桥东街道 → one community with ``GRIDS`` grids, and an administrator."""
    from django.core.management import call_command
    from shapely.geometry import box

    from gridgov.accounts.models import RoleAssignment, User
    from gridgov.accounts.roles import Role
    from gridgov.territory.models import Grid, GridKind, Region

    call_command("migrate", verbosity=0, skip_checks=True)
    parent = None
    for code, name, level in (
        ("440000", "广东省", "province"),
        ("441300", "惠州市", "city"),
        ("441302", "惠城区", "district"),
        ("441302001", "桥东街道", "subdistrict"),
        ("441302001009", "冈头社区", "community"),
    ):
        region = Region(code=code, name=name, level=level, parent=parent)
        region.set_boundary(box(114.40, 23.10, 114.45, 23.15))
        region.save()
        parent = region
    for i in range(1, GRIDS + 1):
        x = 114.40 + (i - 1) * 0.001
        grid = Grid(
            code=f"441302001009{i:03d}",
            name=f"冈头社区第{i}网格",
            kind=GridKind.COMPREHENSIVE,
            region=parent,
            region_code=parent.code,  # type: ignore[union-attr]
        )
        grid.set_boundary(box(x, 23.10, x + 0.001, 23.15))
        grid.save()
    admin = User.objects.create(username="bench-admin", display_name="基准测试管理员", email="bench@example.invalid")
    RoleAssignment.objects.create(user=admin, role=Role.ADMINISTRATOR, region=Region.objects.get(code="441300"))
    return admin


# --- the rows --------------------------------------------------------------------------------------------------

_SURNAMES = "陈李黄张刘林杨叶吴邓钟曾罗何王梁赖郑谢廖徐朱周邱潘蔡江温卢苏"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红文辉建国志海燕丹宇鹏斌婷琳俊峰晓佳欣颖浩晨博思梓睿"
_AREAS = ("441302", "442501", "441303", "441322", "430523", "450922", "360722", "511321", "441424", "441622")


def make_rows(n: int, seed: int, start: int = 0) -> list[dict[str, Any]]:
    """``n`` residents as field dicts (``clean_person``'s input): valid ID numbers (distinct except the planted
    duplicates), names, mobiles, addresses, a grid code; everything as text, like cells of a file."""
    from stdnum.cn import ric

    r = random.Random(seed + start)
    rows: list[dict[str, Any]] = []
    epoch = dt.date(1940, 1, 1).toordinal()
    for i in range(start, start + n):
        if rows and r.random() < DUPLICATE_SHARE:
            dup = dict(r.choice(rows))
            dup["name"] = dup["name"] + "某"
            rows.append(dup)
            continue
        # a distinct (area, birth date, sequence) for every i: i → date offset and sequence
        birth = dt.date.fromordinal(epoch + (i * 7919) % 30_000)
        seq = (i // 30_000) % 1000
        area = _AREAS[i % len(_AREAS)]
        body = f"{area}{birth:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        grid = f"441302001009{i % GRIDS + 1:03d}"
        rows.append(
            {
                "id_number": number,
                "name": r.choice(_SURNAMES) + r.choice(_GIVEN) + (r.choice(_GIVEN) if r.random() < 0.7 else ""),
                "phone": f"1{r.choice('3589')}{(i * 48_271 + 1_234_567) % 1_000_000_000:09d}",
                "registered_address": f"惠州市惠城区桥东街道冈头社区{i % 300 + 1}栋{i % 30 + 1}0{i % 4 + 1}房",
                "current_address": f"惠州市惠城区桥东街道冈头社区{i % 300 + 1}栋{i % 30 + 1}0{i % 4 + 1}房",
                "residence_type": "registered" if i % 4 else "floating",
                "occupancy": "owner" if i % 3 else "tenant",
                "ethnicity": "汉族",
                "grid": grid,
            }
        )
    return rows


_HEADERS = {
    "id_number": "证件号码",
    "name": "姓名",
    "phone": "联系电话",
    "registered_address": "户籍地详址",
    "current_address": "现住址详址",
    "residence_type": "人口类型",
    "occupancy": "居住方式",
    "ethnicity": "民族",
    "grid": "网格编码",
}


def chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# --- the pipeline ----------------------------------------------------------------------------------------------


def importing_available() -> bool:
    try:
        from gridgov.registry.importing import import_rows  # noqa: F401
    except ImportError:
        return False
    return True


def run_importing(rows: list[dict[str, Any]], admin: Any) -> dict[str, int]:
    from gridgov.registry.importing import import_rows

    cells = ({_HEADERS[k]: v for k, v in row.items()} for row in rows)
    result = import_rows("person", cells, by=admin, headers=list(_HEADERS.values()))
    return {"created": result.created, "updated": result.updated, "errors": len(result.errors)}


def run_services(rows: list[dict[str, Any]], admin: Any, chunk: int) -> dict[str, int]:
    """The import's steps with the registry's services: clean, place, de-duplicate, build, ``bulk_create``."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from gridgov.accounts.scope import scope_for
    from gridgov.core import crypto
    from gridgov.registry.models import Person
    from gridgov.registry.services import clean_person
    from gridgov.registry.services.people import PERSON_FIELDS
    from gridgov.territory.models import Grid

    scope = scope_for(admin, "person", "change")
    grids = {g.code: g for g in Grid.objects.all()}
    created = errors = 0
    for part in chunks(rows, chunk):
        good: list[dict[str, Any]] = []
        indexes: list[str] = []
        seen: set[str] = set()
        for row in part:
            try:
                data = clean_person(row)
            except ValidationError:
                errors += 1
                continue
            grid = grids.get(data.pop("grid"))
            if grid is None or not scope.covers_code(grid.code):
                errors += 1
                continue
            index = crypto.blind_index("idno", data["id_number"])
            if index in seen:
                errors += 1  # the same ID number twice in the file
                continue
            seen.add(index)
            data["grid"] = grid
            good.append(data)
            indexes.append(index)
        with transaction.atomic():
            existing = set(Person.objects.filter(id_number_index__in=indexes).values_list("id_number_index", flat=True))
            people = []
            for data, index in zip(good, indexes, strict=True):
                if index in existing:
                    errors += 1  # already registered: the real import updates; here it is counted as such
                    continue
                person = Person(**{k: v for k, v in data.items() if k in PERSON_FIELDS})
                person.scope_code = data["grid"].code
                people.append(person)
            Person.objects.bulk_create(people, batch_size=1000)
            created += len(people)
    return {"created": created, "updated": 0, "errors": errors}


def run_pipeline(rows: list[dict[str, Any]], admin: Any, args: argparse.Namespace) -> dict[str, int]:
    if args.pipeline == "importing":
        return run_importing(rows, admin)
    return run_services(rows, admin, args.chunk)


# --- COPY ------------------------------------------------------------------------------------------------------

_COPY_FIELDS = [
    "grid_id", "scope_code", "version", "created_at", "updated_at", "id_number_index", "phone_index", "doc_type",
    "id_number", "name", "former_name", "sex", "birth_date", "ethnicity", "native_place", "marital_status",
    "political_status", "education", "religion", "occupation", "workplace", "phone", "registered_address",
    "current_address", "residence_type", "occupancy", "is_active",
]  # fmt: skip


def copy_rows(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The same rows as plain tuples for COPY: no validation, no encryption, no index of our own (the ID number in
    the blind-index column, so that the unique index has the same work to do)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT code, id FROM territory_grid")
        grid_ids = dict(cursor.fetchall())
    now = dt.datetime.now(dt.UTC)
    seen: set[str] = set()
    out = []
    for row in rows:
        number = row["id_number"]
        if number in seen:
            continue  # COPY would fail on the unique index: give it the de-duplicated rows
        seen.add(number)
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        out.append(
            (
                grid_ids[row["grid"]], row["grid"], 1, now, now, number, row["phone"], "ric", number, row["name"], "",
                "male" if int(number[16]) % 2 else "female", birth, row["ethnicity"], "", "", "", "", "", "", "",
                row["phone"], row["registered_address"], row["current_address"], row["residence_type"],
                row["occupancy"], True,
            )
        )  # fmt: skip
    return out


def run_copy(tuples: list[tuple[Any, ...]]) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_person_copy")
        cursor.execute("CREATE TABLE bench_person_copy (LIKE registry_person INCLUDING ALL)")
    started = time.perf_counter()
    sql = f"COPY bench_person_copy ({', '.join(_COPY_FIELDS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in tuples:
            copy.write_row(row)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_person_copy")
    return seconds


# --- the floor ---------------------------------------------------------------------------------------------------


def floor(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Microseconds of CPU a row needs for the work no import can skip — ``clean_person`` and the four AES-GCM
    encryptions and two blind indexes of a person — with no ORM and no database."""
    from gridgov.core import crypto
    from gridgov.registry.services import clean_person

    cpu = time.process_time()
    cleaned = [clean_person(row) for row in rows]
    validation = time.process_time() - cpu
    cpu = time.process_time()
    for data in cleaned:
        crypto.blind_index("idno", data["id_number"])
        crypto.blind_index("phone", data["phone"])
        for name in ("id_number", "phone", "registered_address", "current_address"):
            crypto.encrypt(data[name], f"registry.person.{name}")
    protection = time.process_time() - cpu
    n = len(rows)
    return {
        "validation_us": round(validation / n * 1e6, 1),
        "protection_us": round(protection / n * 1e6, 1),
        "rows_per_cpu_s": round(n / (validation + protection)),
    }


# --- profile ---------------------------------------------------------------------------------------------------

_BUCKETS = (  # label, file name ending, function name
    ("validation (clean_person: stdnum, area table, phone)", "registry/services/people.py", "clean_person"),
    ("encryption (AES-GCM, at insert)", "core/crypto.py", "encrypt"),
    ("blind indexes (HMAC-SHA256, on assignment)", "core/crypto.py", "blind_index"),
    ("building Person objects (Model.__init__)", "django/db/models/base.py", "__init__"),
    ("bulk_create (ORM: insert preparation + database)", "django/db/models/query.py", "bulk_create"),
    ("database (cursor.execute/executemany)", "django/db/backends/utils.py", "_execute"),
    ("database (cursor.execute/executemany)", "django/db/backends/utils.py", "_executemany"),
)


def profile(rows: list[dict[str, Any]], admin: Any, args: argparse.Namespace) -> list[tuple[str, float]]:
    """Cumulative CPU seconds in the main steps (they nest: the ORM's bulk_create includes encryption and the
    database), and the top functions by own time."""
    prof = cProfile.Profile(time.process_time)  # CPU time: the machine may be shared
    prof.enable()
    run_pipeline(rows, admin, args)
    prof.disable()
    stats: Any = pstats.Stats(prof)
    total = max(v[3] for v in stats.stats.values())
    sums: dict[str, float] = {}
    for label, suffix, func in _BUCKETS:
        for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            if name == func and filename.endswith(suffix):
                sums[label] = sums.get(label, 0.0) + ct
    found: list[tuple[str, float]] = [("total (under the profiler)", total)]
    found += [(label, sums.get(label, 0.0)) for label in dict.fromkeys(b[0] for b in _BUCKETS)]
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
    found.append(("__text__", 0.0))
    found.append((out.getvalue(), 0.0))
    return found


# --- one database ----------------------------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> dict[str, Any]:
    """In this process, on the configured database: the pipeline, then (PostgreSQL) COPY, then the profile."""
    from django.db import connection

    admin = prepare()
    if args.pipeline == "auto":
        args.pipeline = "importing" if importing_available() else "services"
    rows = make_rows(args.rows, args.seed)
    result: dict[str, Any] = {"database": connection.vendor, "rows": len(rows), "pipeline": args.pipeline}
    cpu = time.process_time()
    started = time.perf_counter()
    counts = run_pipeline(rows, admin, args)
    seconds = time.perf_counter() - started
    result.update(
        pipeline_seconds=round(seconds, 2),
        pipeline_cpu_seconds=round(time.process_time() - cpu, 2),
        pipeline_rows_per_s=round(len(rows) / seconds),
        created=counts["created"],
        rejected=counts["errors"] + counts["updated"],
    )
    from gridgov.registry.models import Person

    assert Person.objects.count() == counts["created"]
    if connection.vendor == "postgresql":
        tuples = copy_rows(rows)
        copy_seconds = min(run_copy(tuples) for _i in range(3))  # the best of three
        result.update(
            copy_rows=len(tuples),
            copy_seconds=round(copy_seconds, 2),
            copy_rows_per_s=round(len(tuples) / copy_seconds),
        )
        result["ratio"] = round(result["pipeline_rows_per_s"] / result["copy_rows_per_s"], 3)
        result["target_met"] = result["ratio"] >= 1 / 3
    result["floor"] = floor(make_rows(20_000, args.seed + 2, start=args.rows + args.profile + 2))
    if args.profile:
        fresh = make_rows(args.profile, args.seed + 1, start=args.rows + 1)
        result["profile"] = profile(fresh, admin, args)
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
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def print_result(result: dict[str, Any]) -> None:
    print(f"\n== {result['database']} ({result['pipeline']} pipeline) ==")
    print(
        f"pipeline: {result['rows']:,} rows in {result['pipeline_seconds']:.1f} s "
        f"(CPU {result['pipeline_cpu_seconds']:.1f} s) = {result['pipeline_rows_per_s']:,} rows/s; "
        f"created {result['created']:,}, rejected {result['rejected']:,}"
    )
    if "copy_rows_per_s" in result:
        print(
            f"COPY:     {result['copy_rows']:,} rows in {result['copy_seconds']:.1f} s = "
            f"{result['copy_rows_per_s']:,} rows/s"
        )
        met = "met" if result["target_met"] else "NOT met"
        print(f"pipeline / COPY = {result['ratio']:.3f} (target ≥ 0.333: {met})")
    f = result["floor"]
    print(
        f"floor (no ORM, no database): clean_person {f['validation_us']} µs + encryption and blind indexes "
        f"{f['protection_us']} µs of CPU a row = {f['rows_per_cpu_s']:,} rows per CPU second"
    )
    if result.get("profile"):
        print("profile (cumulative CPU seconds; the steps nest):")
        text = False
        for label, seconds in result["profile"]:
            if label == "__text__":
                text = True
                continue
            print(label if text else f"  {label:52} {seconds:8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 rows")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument(
        "--pipeline",
        choices=["auto", "importing", "services"],
        default="auto",
        help="importing: gridgov.registry.importing.import_rows; services: clean_person + bulk_create here; "
        "auto: importing when it can be imported",
    )
    parser.add_argument("--chunk", type=int, default=2000, help="rows per transaction (services pipeline)")
    parser.add_argument("--profile", type=int, default=0, help="profile the pipeline on N more rows")
    parser.add_argument("--seed", type=int, default=4413)
    parser.add_argument("--json", help="write the results here as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.rows = 50_000

    if args.child:  # one database, configured by the environment; the result as JSON on the last line
        _django({})
        print(json.dumps(bench(args), ensure_ascii=False))
        return 0

    results: list[dict[str, Any]] = []
    scratch = Path(tempfile.mkdtemp(prefix="gridgov-bench-import-"))
    try:
        targets = []
        if args.db in ("postgres", "both"):
            postgres_reset(args.postgres)
            targets.append({"GRIDGOV_DATA_DIR": str(scratch / "postgres"), "DATABASE_URL": args.postgres})
        if args.db in ("sqlite", "both"):
            targets.append({"GRIDGOV_DATA_DIR": str(scratch / "sqlite")})
        for env in targets:
            child_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env
            child_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
            argv = [sys.executable, __file__, "--child", "--rows", str(args.rows), "--seed", str(args.seed)]
            argv += ["--pipeline", args.pipeline, "--chunk", str(args.chunk), "--profile", str(args.profile)]
            done = subprocess.run(argv, env=child_env, capture_output=True, text=True, check=False)
            if done.returncode:
                sys.stderr.write(done.stdout + done.stderr)
                return done.returncode
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print_result(results[-1])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    summary = {"machine": machine(), "command": " ".join(sys.argv), "results": results}
    print("\nmachine:", json.dumps(summary["machine"], ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
