"""Build the Huizhou demo city in the database: ``build_demo()``.

What it writes (all deterministic, from :func:`gridgov.demo.geometry.demo_city` and one seeded generator):

* regions: 广东省 → 惠州市 → five districts (real boundaries) → 72 sub-districts → 1,100 communities/villages;
* grids: 3,533 comprehensive grids, the special grids (parks, the petrochemical zone, markets, a campus, a coast,
  islands), 100 micro-grids in 20 downtown grids, 7 specialized grids (police beats, a city-management block);
* buildings with a kind mix and household counts that add up to about 2.1 million households (≈ 6 million people
  at 2.85 a household); every grid's ``households_estimate`` is the sum over its buildings;
* one House row per household — all 2.1 million of them: raw ``executemany`` on SQLite, ``COPY`` on PostgreSQL
  (the whole build measured about 80 s on SQLite and 90 s on PostgreSQL on the 2-core development machine);
* people: one grid worker per comprehensive grid plus 53 part-time second workers (3,586 in all), a worker of
  the owner unit on each special grid, a grid head per community (on the community's grids), a dispatcher per
  community, sub-district and district, department handlers per district, a leader and an administrator, and the
  demo accounts of :data:`DEMO_ACCOUNTS`;
* units (1+6+N): in each district a governance centre, the six forces and departments, utilities, a social
  organisation and a volunteer federation; in each sub-district a centre, police station, justice office,
  city-management squad and volunteer team; a governance centre in each community. The department handlers
  are members of their district's unit (``RoleAssignment.unit``);
* the default matter list (``gridgov load-matter-list``);
* residents (:mod:`gridgov.demo.people`): about 300,000 people with their households, tags, rentals,
  organisations and facilities, in 冈头社区 and the grids of 惠城区 that follow it;
* cases (:mod:`gridgov.demo.cases`): about 3,200 of the last 60 days in every state;
* field work (:mod:`gridgov.demo.fieldwork`): 30 days of patrols (GPS tracks, check-ins), home visits and tasks
  in the grids of 桥东街道 that hold residents, up to the build's "now".

Everything is written in one transaction, and the demo's administrator account — the completion marker — is the
last row written: a build killed midway leaves either nothing or (on a database that did not roll back) an
incomplete city without the marker, which the next run detects, deletes and builds again.
"""

from __future__ import annotations

import math
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np
import shapely
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.roles import Role
from gridgov.cases.models import Case
from gridgov.matters.loader import load_matter_list
from gridgov.matters.models import MatterCategory
from gridgov.territory.models import Building, BuildingKind, Grid, GridKind, House, Region
from gridgov.territory.services import bump_version
from gridgov.units.models import Tier, Unit, UnitKind

from .cases import build_demo_cases, delete_demo_cases
from .fieldwork import build_fieldwork, delete_fieldwork, fieldwork_counts
from .geometry import CITY, PROVINCE, SEED, GridRecord, _uniform_points, demo_city, density
from .names import NameBook
from .people import build_people, delete_people, people_count

PEOPLE_PER_HOUSEHOLD = 2.85
TARGET_PEOPLE = 6_000_000
PART_TIME_GRIDS = 53
DEMO_EMAIL_DOMAIN = "demo.gridgov.invalid"
CITY_PREFIX = CITY[0][:4]  # every demo code starts with 4413

#: The password of every synthetic staff account that is not one of the demo accounts below.
STAFF_PASSWORD = "Huizhou-Staff-2025"

# The demo's anchors: 桥东街道's 冈头社区 has seven grids, each split into micro-grids.
DEMO_DISTRICT = "441302"
DEMO_SUBDISTRICT = "441302001"
DEMO_COMMUNITY = "441302001009"
DEMO_GRID = "441302001009001"

#: (username, password, role label, scope) — printed by ``gridgov demo build`` and listed in the README.
DEMO_ACCOUNTS: list[tuple[str, str, str, str]] = [
    ("admin", "Huizhou-Admin-2025", "管理员(可进入 Django 管理后台)", "惠州市全市"),
    ("leader", "Huizhou-Leader-2025", "领导", "惠州市全市"),
    ("district", "Huizhou-District-2025", "区县综治中心调度员", "惠城区(441302)"),
    ("subdistrict", "Huizhou-Street-2025", "街道综治中心调度员", "惠城区桥东街道(441302001)"),
    ("community", "Huizhou-Community-2025", "社区综治中心调度员", "桥东街道冈头社区(441302001009),7个综合网格"),
    ("worker", "Huizhou-Worker-2025", "网格员", "冈头社区第1网格(441302001009001)"),
    ("handler", "Huizhou-Handler-2025", "部门处置人员(惠城公安分局)", "惠城区(441302)"),
    ("resident", "Huizhou-Resident-2025", "居民", "桥东街道冈头社区(441302001009)"),
]

DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("police", "公安分局"),
    ("urban", "城市管理和综合执法局"),
    ("housing", "住房和城乡建设局"),
    ("environment", "生态环境分局"),
    ("justice", "司法局"),
)


#: The department a demo handler belongs to: DEPARTMENTS slug → the kind of the district unit.
DEPARTMENT_UNIT_KIND = {
    "police": UnitKind.POLICE,
    "urban": UnitKind.CITY_MANAGEMENT,
    "housing": UnitKind.HOUSING,
    "environment": UnitKind.ENVIRONMENT,
    "justice": UnitKind.JUSTICE,
}

#: Units of each district (1+6+N): code suffix, kind, name pattern ({d}: the district's short name).
DISTRICT_UNITS: tuple[tuple[str, str, str], ...] = (
    ("GC", UnitKind.GOVERNANCE_CENTRE, "{d}区综治中心"),
    ("GS", UnitKind.GRID_SYSTEM, "{d}区网格化服务管理中心"),
    ("PS", UnitKind.POLICE, "{d}公安分局"),
    ("CT", UnitKind.COURT, "{d}人民法院"),
    ("PR", UnitKind.PROCURATORATE, "{d}人民检察院"),
    ("JU", UnitKind.JUSTICE, "{d}司法局"),
    ("CM", UnitKind.CITY_MANAGEMENT, "{d}城市管理和综合执法局"),
    ("HO", UnitKind.HOUSING, "{d}住房和城乡建设局"),
    ("EN", UnitKind.ENVIRONMENT, "惠州市生态环境局{d}分局"),
    ("MS", UnitKind.MARKET_SUPERVISION, "{d}市场监督管理局"),
    ("FI", UnitKind.FIRE, "{d}消防救援大队"),
    ("WA", UnitKind.UTILITIES, "{d}供水有限公司"),
    ("PO", UnitKind.UTILITIES, "{d}供电局"),
    ("SO", UnitKind.SOCIAL_ORGANISATION, "{d}社会工作服务中心"),
    ("VT", UnitKind.VOLUNTEER_TEAM, "{d}志愿者联合会"),
)

#: Units of each sub-district or town ({s}: its short name, {n}: its full name).
SUBDISTRICT_UNITS: tuple[tuple[str, str, str], ...] = (
    ("GC", UnitKind.GOVERNANCE_CENTRE, "{n}综治中心"),
    ("PS", UnitKind.POLICE, "{s}派出所"),
    ("JU", UnitKind.JUSTICE, "{s}司法所"),
    ("CM", UnitKind.CITY_MANAGEMENT, "{s}城管执法中队"),
    ("VT", UnitKind.VOLUNTEER_TEAM, "{n}志愿服务队"),
)


def _short(name: str, *suffixes: str) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class DemoSummary:
    built: bool
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def people_estimate(self) -> int:
        return round(self.counts.get("households", 0) * PEOPLE_PER_HOUSEHOLD)

    def __str__(self) -> str:
        c = self.counts
        head = _("演示城市已构建") if self.built else _("演示城市已存在,未改动")
        lines = [
            f"{head} ({self.seconds:.0f} s)",
            f"  区划 {c.get('regions', 0):,}  综合网格 {c.get('comprehensive', 0):,}  "
            f"专属网格 {c.get('special', 0):,}  微网格 {c.get('micro', 0):,}  专业网格 {c.get('specialized', 0):,}",
            f"  楼栋 {c.get('buildings', 0):,}  房屋 {c.get('houses', 0):,}  户数 {c.get('households', 0):,}  "
            f"人口(估) {self.people_estimate:,}",
            f"  综合网格网格员 {c.get('grid_workers', 0):,}(其中兼职 {c.get('part_time', 0)})  "
            f"账号 {c.get('users', 0):,}",
            f"  实有人口(演示) {c.get('residents', 0):,}",
            f"  处置单位 {c.get('units', 0):,}  事项类别 {c.get('matter_categories', 0):,}  案件 {c.get('cases', 0):,}",
            f"  外勤 巡查 {c.get('patrols', 0):,}(轨迹点 {c.get('track_points', 0):,})  "
            f"楼栋打卡 {c.get('checkins', 0):,}  走访 {c.get('visits', 0):,}  任务 {c.get('tasks', 0):,}",
            "",
            str(_("演示账号")) + ":",
        ]
        width = max(len(u) for u, *_rest in DEMO_ACCOUNTS)
        for username, password, role, scope in DEMO_ACCOUNTS:
            lines.append(f"  {username:<{width}}  {password:<24}  {role} — {scope}")
        lines.append(f"  {_('其他工作人员账号(如 gw441302001009002)的密码均为')} {STAFF_PASSWORD}")
        return "\n".join(lines)


# --- state -----------------------------------------------------------------------------------------------


def demo_counts() -> dict[str, int]:
    grids = Grid.objects.filter(region_code__startswith=CITY_PREFIX)
    workers = RoleAssignment.objects.filter(
        role=Role.GRID_WORKER, grid__kind=GridKind.COMPREHENSIVE, grid__region_code__startswith=CITY_PREFIX
    )
    buildings = Building.objects.filter(code__startswith=CITY_PREFIX)
    return {
        "regions": Region.objects.filter(Q(code__startswith=CITY_PREFIX) | Q(code=PROVINCE[0])).count(),
        "comprehensive": grids.filter(kind=GridKind.COMPREHENSIVE).count(),
        "special": grids.filter(kind=GridKind.SPECIAL).count(),
        "micro": grids.filter(kind=GridKind.MICRO).count(),
        "specialized": grids.filter(kind=GridKind.SPECIALIZED).count(),
        "buildings": buildings.count(),
        "houses": House.objects.filter(building__code__startswith=CITY_PREFIX).count(),
        "households": int(sum(buildings.values_list("households", flat=True).iterator(chunk_size=50_000))),
        "grid_workers": workers.count(),
        "part_time": workers.filter(part_time=True).count(),
        "users": User.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).count(),
        "units": Unit.objects.filter(region__code__startswith=CITY_PREFIX).count(),
        "matter_categories": MatterCategory.objects.count(),
        "cases": Case.objects.filter(community_code__startswith=CITY_PREFIX).count(),
        "residents": people_count(CITY_PREFIX),
        **fieldwork_counts(CITY_PREFIX),
    }


def demo_state() -> str:
    """``"absent"``, ``"complete"`` or ``"partial"`` (something of the demo exists, but not the marker)."""
    marker = User.objects.filter(username="admin", email=f"admin@{DEMO_EMAIL_DOMAIN}").exists()
    anything = (
        marker
        or Region.objects.filter(code__startswith=CITY_PREFIX).exists()
        or User.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).exists()
    )
    if not anything:
        return "absent"
    if marker and Grid.objects.filter(region_code__startswith=CITY_PREFIX, kind=GridKind.COMPREHENSIVE).count() == 3533:
        return "complete"
    return "partial"


def _db_now(model: Any) -> Any:
    """Now, as the database stores ``model.updated_at`` (one instant for a whole bulk write)."""
    return model._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)


def delete_demo() -> None:
    """Delete everything the demo wrote (and nothing else). The matter list, which the build loads when it is
    missing, is the city's reference data rather than the demo's, and stays."""
    b = Building._meta.db_table
    h = House._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        delete_fieldwork(CITY_PREFIX)
        delete_demo_cases(CITY_PREFIX)
        delete_people(CITY_PREFIX)
        # Raw deletes: the ORM would load millions of rows to cascade.
        cursor.execute(
            f"DELETE FROM {h} WHERE building_id IN (SELECT id FROM {b} WHERE code LIKE %s)", [CITY_PREFIX + "%"]
        )
        cursor.execute(f"DELETE FROM {b} WHERE code LIKE %s", [CITY_PREFIX + "%"])
        User.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).delete()
        grids = Grid.objects.filter(region_code__startswith=CITY_PREFIX)
        RoleAssignment.objects.filter(grid__in=grids).delete()
        grids.filter(kind=GridKind.MICRO).delete()
        grids.delete()
        regions = Region.objects.filter(code__startswith=CITY_PREFIX)
        RoleAssignment.objects.filter(region__in=regions).delete()
        Unit.objects.filter(region__code__startswith=CITY_PREFIX).delete()
        for level in ("community", "subdistrict", "district", "city"):
            regions.filter(level=level).delete()
        Region.objects.filter(code=PROVINCE[0], children__isnull=True).delete()
        bump_version()


class DemoConflict(RuntimeError):
    """An account that the demo needs is taken by a user the demo did not create."""


def _refuse_foreign_usernames() -> None:
    names = [username for username, *_rest in DEMO_ACCOUNTS]
    taken = sorted(User.objects.filter(username__in=names).values_list("username", flat=True))
    if taken:
        raise DemoConflict(
            _("演示账号需要的用户名已被非演示用户占用:%(names)s。请改名或删除这些用户后再构建。")
            % {"names": ", ".join(taken)}
        )


# --- the build -------------------------------------------------------------------------------------------


class _Progress:
    WEIGHTS = {
        "geometry": 8,
        "regions": 2,
        "plan": 12,
        "grids": 3,
        "buildings": 10,
        "houses": 55,
        "people": 5,
        "residents": 40,
        "finish": 5,
        "cases": 40,
        "fieldwork": 15,
    }

    def __init__(self, enabled: bool) -> None:
        # The bar goes to stderr: Django's OutputWrapper ends every write with a newline.
        self.bar: Any = tqdm(
            total=sum(self.WEIGHTS.values()),
            disable=not enabled,
            file=sys.stderr,
            bar_format="{desc:<12} {percentage:3.0f}%|{bar}| {elapsed}",
            leave=True,
        )

    def phase(self, name: str) -> None:
        self.bar.set_description(name)

    def advance(self, amount: float) -> None:
        self.bar.update(amount)

    def close(self) -> None:
        self.bar.close()


def build_demo(*, reset: bool = False, progress: bool = True, stdout: TextIO | Any = None) -> DemoSummary:
    """Build the demo city; do nothing if it is complete (unless ``reset``); rebuild a half-built one."""
    out = stdout if stdout is not None else sys.stdout
    started = time.monotonic()
    state = demo_state()
    if state == "complete" and not reset:
        return DemoSummary(built=False, seconds=time.monotonic() - started, counts=demo_counts())
    if state != "absent":
        out.write(str(_("删除已有的演示数据……")) + "\n")
        delete_demo()
    _refuse_foreign_usernames()
    bar = _Progress(progress)
    try:
        with transaction.atomic():
            _Builder(bar).run()
    finally:
        bar.close()
    return DemoSummary(built=True, seconds=time.monotonic() - started, counts=demo_counts())


@dataclass
class _BuildingPlan:
    grid: GridRecord
    codes: list[str]
    names: list[str]
    kinds: list[str]
    lon: np.ndarray
    lat: np.ndarray
    floors: np.ndarray
    households: np.ndarray


# kind, share of buildings in an urban / rural grid, floors range, households per building range
_KINDS: dict[str, tuple[float, float, tuple[int, int], tuple[int, int]]] = {
    BuildingKind.RESIDENTIAL: (0.55, 0.03, (11, 33), (60, 200)),
    BuildingKind.RENTAL: (0.15, 0.07, (4, 9), (12, 40)),
    BuildingKind.SELF_BUILT: (0.12, 0.78, (2, 5), (1, 4)),
    BuildingKind.COMMERCIAL: (0.12, 0.03, (3, 30), (0, 0)),
    BuildingKind.FACTORY: (0.02, 0.05, (1, 4), (0, 0)),
    BuildingKind.OTHER: (0.04, 0.04, (1, 3), (0, 0)),
}
_KIND_NAMES = list(_KINDS)
_SPECIAL_HOUSEHOLDS = {
    "industrial_park": (1500, 3000),
    "petrochemical": (100, 300),
    "market": (20, 60),
    "campus": (1500, 2500),
    "island": (5, 60),
    "coast": (50, 150),
    "other": (0, 50),
}
_SPECIAL_KIND_MIX = {
    "industrial_park": BuildingKind.FACTORY,
    "petrochemical": BuildingKind.FACTORY,
    "market": BuildingKind.COMMERCIAL,
    "campus": BuildingKind.OTHER,
    "island": BuildingKind.SELF_BUILT,
    "coast": BuildingKind.COMMERCIAL,
}


def _points_inside(polygon: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points inside ``polygon`` rounded to 7 decimals (1 cm), still inside after rounding."""
    found = np.empty((0, 2))
    for _attempt in range(20):
        pts = _uniform_points(polygon, n + 8, rng).round(7)
        pts = pts[shapely.contains_xy(polygon, pts[:, 0], pts[:, 1])]
        found = np.concatenate([found, pts])
        if len(found) >= n:
            return found[:n]
    raise RuntimeError("cannot place buildings inside grid")


class _Builder:
    def __init__(self, bar: _Progress) -> None:
        self.bar = bar
        self.rng = np.random.default_rng(SEED + 7)
        self.names = NameBook(np.random.default_rng(SEED + 8))
        self.region_ids: dict[str, int] = {}
        self.region_names: dict[str, str] = {}
        self.grid_ids: dict[str, int] = {}
        self.unit_ids: dict[str, int] = {}

    def run(self) -> None:
        self.bar.phase("geometry")
        city = demo_city()
        self.bar.advance(_Progress.WEIGHTS["geometry"])
        self.bar.phase("regions")
        self.write_regions(city.regions)
        self.bar.advance(_Progress.WEIGHTS["regions"])
        self.bar.phase("plan")
        plans = self.plan_buildings(city.grids)
        self.bar.advance(_Progress.WEIGHTS["plan"])
        self.bar.phase("grids")
        households = {p.grid.code: int(p.households.sum()) for p in plans}
        self.write_grids(city.grids + city.specialized, households)
        self.write_micro(city.micro, plans)
        self.bar.advance(_Progress.WEIGHTS["grids"])
        self.bar.phase("buildings")
        building_ids = self.write_buildings(plans)
        self.bar.advance(_Progress.WEIGHTS["buildings"])
        self.bar.phase("houses")
        self.write_houses(plans, building_ids)
        self.bar.phase("people")
        self.write_units()
        load_matter_list()
        self.write_people(city.grids)
        self.bar.advance(_Progress.WEIGHTS["people"])
        self.bar.phase("residents")
        build_people(progress=lambda share: self.bar.advance(share * _Progress.WEIGHTS["residents"]))
        self.bar.phase("finish")
        bump_version()
        self.bar.phase("cases")
        build_demo_cases(progress=lambda share: self.bar.advance(share * _Progress.WEIGHTS["cases"]))
        self.bar.phase("fieldwork")
        build_fieldwork(progress=lambda share: self.bar.advance(share * _Progress.WEIGHTS["fieldwork"]))
        self.write_marker()
        self.bar.advance(_Progress.WEIGHTS["finish"])

    # regions -------------------------------------------------------------------------------------------
    def write_regions(self, plans: list[Any]) -> None:
        province, _created = Region.objects.get_or_create(
            code=PROVINCE[0], defaults={"name": PROVINCE[1], "level": "province"}
        )
        self.region_ids[province.code] = province.pk
        for level in ("city", "district", "subdistrict", "community"):
            rows = []
            for plan in plans:
                if plan.level != level:
                    continue
                region = Region(
                    code=plan.code, name=plan.name, level=level, parent_id=self.region_ids[plan.parent_code]
                )
                region.set_boundary(plan.polygon)
                rows.append(region)
                self.region_names[plan.code] = plan.name
            for region in Region.objects.bulk_create(rows, batch_size=500):
                self.region_ids[region.code] = region.pk

    # buildings (in memory) -----------------------------------------------------------------------------
    def plan_buildings(self, grids: list[GridRecord]) -> list[_BuildingPlan]:
        rng = self.rng
        comprehensive = [g for g in grids if g.kind == GridKind.COMPREHENSIVE]
        special = [g for g in grids if g.kind == GridKind.SPECIAL]
        special_hh = {g.code: int(rng.integers(*_SPECIAL_HOUSEHOLDS.get(g.special_kind, (0, 50)))) for g in special}
        target = round(TARGET_PEOPLE / PEOPLE_PER_HOUSEHOLD) - sum(special_hh.values())
        weights = np.clip(rng.normal(1.0, 0.2, len(comprehensive)), 0.55, 1.6)
        shares = weights / weights.sum() * target
        hh = np.floor(shares).astype(int)
        hh[np.argsort(-(shares - hh), kind="stable")[: target - int(hh.sum())]] += 1
        plans = []
        for grid, households in zip(comprehensive, hh, strict=True):
            rp = grid.polygon.representative_point()
            urban = float(min(1.0, (density(np.array([rp.x]), np.array([rp.y]))[0] - 1) / 60))
            plans.append(self.plan_grid(grid, int(households), urban, None))
        for grid in special:
            plans.append(self.plan_grid(grid, special_hh[grid.code], 0.0, _SPECIAL_KIND_MIX.get(grid.special_kind)))
        return plans

    def plan_grid(self, grid: GridRecord, households: int, urban: float, only: str | None) -> _BuildingPlan:
        rng = self.rng
        p = np.array([u * urban + r * (1 - urban) for u, r, _f, _h in _KINDS.values()])
        p /= p.sum()
        kinds: list[str] = []
        hh: list[int] = []
        floors: list[int] = []
        remaining = households
        while remaining > 0 or not kinds:
            batch = 64
            kind_idx = rng.choice(len(_KIND_NAMES), size=batch, p=p) if only is None else np.full(batch, -1)
            for idx in kind_idx:
                kind = _KIND_NAMES[int(idx)] if idx >= 0 else str(only)
                _u, _r, (f_lo, f_hi), (h_lo, h_hi) = _KINDS[kind]
                n_floors = int(rng.integers(f_lo, f_hi + 1))
                n_hh = int(rng.integers(h_lo, h_hi + 1)) if h_hi else 0
                if only is not None:  # a unit's dormitories: households there, whatever the building kind
                    n_hh = int(rng.integers(20, 120))
                n_hh = min(n_hh, remaining)
                kinds.append(kind)
                floors.append(n_floors)
                hh.append(n_hh)
                remaining -= n_hh
                if remaining <= 0:
                    break
        n = len(kinds)
        pts = _points_inside(grid.polygon, n, rng)
        community = self.region_names.get(grid.community_code or "", "")
        codes = [f"{grid.code}{i:05d}" for i in range(1, n + 1)]
        names = [
            f"{community}{i}号" if kind == BuildingKind.SELF_BUILT else f"{community}{i}栋"
            for i, kind in enumerate(kinds, start=1)
        ]
        return _BuildingPlan(grid, codes, names, kinds, pts[:, 0], pts[:, 1], np.array(floors), np.array(hh))

    # grids ---------------------------------------------------------------------------------------------
    def write_grids(self, records: list[GridRecord], households: dict[str, int]) -> None:
        rows = [self.grid_row(g, households.get(g.code, 0), None) for g in records]
        for grid in Grid.objects.bulk_create(rows, batch_size=500):
            self.grid_ids[grid.code] = grid.pk

    def write_micro(self, records: list[GridRecord], plans: list[_BuildingPlan]) -> None:
        by_grid = {p.grid.code: p for p in plans}
        rows = []
        for g in records:
            plan = by_grid[g.parent_code or ""]
            inside = shapely.contains_xy(g.polygon, plan.lon, plan.lat)
            rows.append(self.grid_row(g, int(plan.households[inside].sum()), self.grid_ids[g.parent_code or ""]))
        for grid in Grid.objects.bulk_create(rows, batch_size=500):
            self.grid_ids[grid.code] = grid.pk

    def grid_row(self, g: GridRecord, households: int, parent_id: int | None) -> Grid:
        grid = Grid(
            code=g.code,
            name=g.name,
            kind=g.kind,
            special_kind=g.special_kind,
            region_id=self.region_ids[g.region_code],
            region_code=g.region_code,
            parent_id=parent_id,
            owner_unit=g.owner_unit,
            households_estimate=households,
        )
        grid.set_boundary(g.polygon)
        return grid

    # buildings and houses ------------------------------------------------------------------------------
    def write_buildings(self, plans: list[_BuildingPlan]) -> dict[str, int]:
        table = Building._meta.db_table
        sql = (
            f"INSERT INTO {table} (code, grid_id, name, kind, lon, lat, floors, households, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        )
        now = _db_now(Building)  # updated_at is auto_now: raw SQL must fill it (the pull compares it)
        rows: list[tuple[Any, ...]] = []
        for plan in plans:
            grid_id = self.grid_ids[plan.grid.code]
            rows.extend(
                zip(
                    plan.codes,
                    [grid_id] * len(plan.codes),
                    plan.names,
                    plan.kinds,
                    plan.lon.tolist(),
                    plan.lat.tolist(),
                    plan.floors.tolist(),
                    plan.households.tolist(),
                    [now] * len(plan.codes),
                    strict=True,
                )
            )
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 20_000):
                cursor.executemany(sql, rows[start : start + 20_000])
            cursor.execute(f"SELECT code, id FROM {table} WHERE code LIKE %s", [CITY_PREFIX + "%"])
            return dict(cursor.fetchall())

    def write_houses(self, plans: list[_BuildingPlan], building_ids: dict[str, int]) -> None:
        """One House per household: number = floor + two-digit unit (``1203``), area 45–140 m²."""
        ids: list[int] = []
        hh: list[int] = []
        floors: list[int] = []
        for plan in plans:
            ids.extend(building_ids[c] for c in plan.codes)
            hh.extend(plan.households.tolist())
            floors.extend(plan.floors.tolist())
        households = np.array(hh)
        per_floor = np.maximum(1, np.ceil(households / np.maximum(np.array(floors), 1))).astype(int)
        total = int(households.sum())
        building = np.repeat(np.array(ids), households)
        first = np.repeat(np.cumsum(households) - households, households)
        index = np.arange(total) - first
        upf = np.repeat(per_floor, households)
        floor = index // upf + 1
        unit = index % upf + 1
        area = np.round(self.rng.uniform(45, 140, total), 1)
        chunk = 100_000
        steps = max(1, math.ceil(total / chunk))
        weight = _Progress.WEIGHTS["houses"] / steps
        table = House._meta.db_table
        now = _db_now(House)  # updated_at is auto_now: raw SQL and COPY must fill it (the pull compares it)
        with connection.cursor() as cursor:
            for start in range(0, total, chunk):
                stop = min(total, start + chunk)
                f = floor[start:stop].tolist()
                rows = list(
                    zip(
                        building[start:stop].tolist(),
                        [f"{a}{b:02d}" for a, b in zip(f, unit[start:stop].tolist(), strict=True)],
                        f,
                        area[start:stop].tolist(),
                        [now] * (stop - start),
                        strict=True,
                    )
                )
                self._insert_houses(cursor, table, rows)
                self.bar.advance(weight)

    @staticmethod
    def _insert_houses(cursor: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's cursor: COPY is several times faster than INSERT
            with raw.copy(f"COPY {table} (building_id, number, floor, area_m2, updated_at) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {table} (building_id, number, floor, area_m2, updated_at) VALUES (%s, %s, %s, %s, %s)",
                rows,
            )

    # units -------------------------------------------------------------------------------------------
    def write_units(self) -> None:
        """The 1+6+N of every district and sub-district, and a governance centre in every community; each unit's
        jurisdiction is the region it sits in."""
        plans: list[tuple[str, str, str, str, str]] = []  # code, name, kind, tier, region code
        for code in sorted(self.region_ids):
            name = self.region_names.get(code, "")
            if len(code) == 6 and code[4:] != "00":
                short = _short(name, "区", "县")
                plans.extend(
                    (f"{code}-{suffix}", pattern.format(d=short), kind, Tier.DISTRICT, code)
                    for suffix, kind, pattern in DISTRICT_UNITS
                )
            elif len(code) == 9:
                short = _short(name, "街道", "镇", "乡")
                plans.extend(
                    (f"{code}-{suffix}", pattern.format(s=short, n=name), kind, Tier.SUBDISTRICT, code)
                    for suffix, kind, pattern in SUBDISTRICT_UNITS
                )
            elif len(code) == 12:
                plans.append((f"{code}-GC", f"{name}综治中心", UnitKind.GOVERNANCE_CENTRE, Tier.COMMUNITY, code))
        rows = [
            Unit(code=c, name=n, kind=k, tier=t, region_id=self.region_ids[r], phone=f"0752-{2_000_000 + i:07d}")
            for i, (c, n, k, t, r) in enumerate(plans)
        ]
        for unit in Unit.objects.bulk_create(rows, batch_size=1000):
            self.unit_ids[unit.code] = unit.pk
        through = Unit.jurisdiction.through
        through.objects.bulk_create(
            [through(unit_id=self.unit_ids[c], region_id=self.region_ids[r]) for c, _n, _k, _t, r in plans],
            batch_size=2000,
        )

    # people --------------------------------------------------------------------------------------------
    def write_people(self, grids: list[GridRecord]) -> None:
        rng = self.rng
        staff_hash = make_password(STAFF_PASSWORD)
        demo = {username: (password, make_password(password)) for username, password, _r, _s in DEMO_ACCOUNTS}
        users: list[User] = []
        # (username, role, region code, grid code, part time)
        roles: list[tuple[str, str, str | None, str | None, bool]] = []
        handler_units: dict[str, str] = {}  # username → unit code

        def person(username: str, display: str | None = None) -> str:
            pw_hash = demo[username][1] if username in demo else staff_hash
            users.append(
                User(
                    username=username,
                    display_name=display or self.names.person(),
                    password=pw_hash,
                    email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                )
            )
            return username

        comprehensive = [g for g in grids if g.kind == GridKind.COMPREHENSIVE]
        part_time = set(rng.choice(len(comprehensive), size=PART_TIME_GRIDS, replace=False).tolist())
        for i, g in enumerate(comprehensive):
            name = "worker" if g.code == DEMO_GRID else f"gw{g.code}"
            roles.append((person(name), Role.GRID_WORKER, None, g.code, False))
            if i in part_time:
                roles.append((person(f"gw{g.code}b"), Role.GRID_WORKER, None, g.code, True))
        for g in grids:
            if g.kind == GridKind.SPECIAL:
                roles.append((person(f"sw{g.code}"), Role.GRID_WORKER, None, g.code, False))
        by_community: dict[str, list[str]] = defaultdict(list)
        for g in grids:
            by_community[g.community_code or ""].append(g.code)
        for community, codes in sorted(by_community.items()):
            head = person(f"gh{community}")
            roles.extend((head, Role.GRID_HEAD, None, code, False) for code in codes)
            name = "community" if community == DEMO_COMMUNITY else f"cd{community}"
            roles.append((person(name), Role.COMMUNITY_DISPATCHER, community, None, False))
        for code in sorted(self.region_ids):
            if len(code) == 9:
                name = "subdistrict" if code == DEMO_SUBDISTRICT else f"sd{code}"
                roles.append((person(name), Role.SUBDISTRICT_DISPATCHER, code, None, False))
            elif len(code) == 6 and code[4:] != "00":
                name = "district" if code == DEMO_DISTRICT else f"dd{code}"
                roles.append((person(name), Role.DISTRICT_DISPATCHER, code, None, False))
                for slug, dept in DEPARTMENTS:
                    handler = "handler" if (code, slug) == (DEMO_DISTRICT, "police") else f"dh{code}{slug}"
                    label = f"{self.region_names[code].removesuffix('区').removesuffix('县')}{dept}"
                    # A department handler is a member of the district's unit of that kind.
                    unit_kind = DEPARTMENT_UNIT_KIND[slug]
                    suffix = next(sfx for sfx, kind, _p in DISTRICT_UNITS if kind == unit_kind)
                    handler_units[handler] = f"{code}-{suffix}"
                    roles.append(
                        (person(handler, f"{self.names.person()}({label})"), Role.DEPARTMENT_HANDLER, None, None, False)
                    )
        roles.append((person("leader"), Role.LEADER, CITY[0], None, False))
        roles.append((person("resident"), Role.RESIDENT, DEMO_COMMUNITY, None, False))
        # The administrator is written last, by write_marker().
        self.admin_hash = demo["admin"][1]

        user_ids = {u.username: u.pk for u in User.objects.bulk_create(users, batch_size=1000)}
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(
                    user_id=user_ids[username],
                    role=role,
                    region_id=self.region_ids[region] if region else None,
                    grid_id=self.grid_ids[grid] if grid else None,
                    unit_id=self.unit_ids[handler_units[username]] if username in handler_units else None,
                    part_time=part,
                )
                for username, role, region, grid, part in roles
            ],
            batch_size=2000,
        )

    def write_marker(self) -> None:
        """The demo administrator (also a Django superuser): the last row, so its presence means complete."""
        admin = User.objects.create(
            username="admin",
            display_name="演示管理员",
            password=self.admin_hash,
            email=f"admin@{DEMO_EMAIL_DOMAIN}",
            is_staff=True,
            is_superuser=True,
        )
        RoleAssignment.objects.create(user=admin, role=Role.ADMINISTRATOR, region_id=self.region_ids[CITY[0]])
