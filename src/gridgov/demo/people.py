"""The demo city's residents: a deterministic synthetic population in the houses the demo already has.

:func:`build_people` fills the houses of the given grids (by default :func:`demo_grids`: the demo worker's
community 冈头社区 first, then the rest of 桥东街道 and of 惠城区 until :data:`TARGET_PEOPLE` is reached, and one grid
in each other district) with

* households (户, exactly one head each) of plausible make-up — elderly living alone, single people, couples,
  families with children, three generations, grandparents with left-behind grandchildren; tenants' households of
  single workers, couples, families and room-mates; lodgers (寄住);
* people with valid ID numbers (GB 11643 check character; area code of their place of birth — 4425xx of the old
  惠阳地区 for people born in Huizhou before 1988, 4413xx after; the home counties of the floating population),
  birth dates that fit their place in the household, sex matching the 17th digit, names from
  :mod:`gridgov.demo.names`, mobile numbers, addresses;
* floating-population registrations (valid a year; about one in twelve expires within 30 days), rental houses with
  a landlord from the grid and their tenants (occupancy 自住/租住/寄住);
* organisations: enterprises (valid USCC), property companies, social organisations, the community's party
  committee and party branches of larger enterprises, small venues (三小场所) with their fire-safety status;
* facilities (部件, GB/T 30428.2 codes: county + major class + minor class + serial);
* special-group, key-youth and care-group tags at realistic low rates (:data:`TAG_RATES`), each with the grid's
  worker as 包案人 and some home visits overdue.

Everything is drawn from one seeded generator, so two builds hold the same people (the ciphertexts differ: each
encryption has its own nonce). Rows are written with ``executemany`` on SQLite and ``COPY`` on PostgreSQL, with
primary keys assigned here: the ORM's ``bulk_create`` alone costs about 400 µs of CPU a person (30 fields
prepared one by one), while this whole module — people, households, memberships, registrations, tags,
organisations, facilities — costs about 240 µs a person (200,000 people: 48 s of CPU on SQLite). Encrypted
fields go through the model field's own ``get_db_prep_save`` (AES-GCM with the column as associated data) and
blind indexes through :func:`gridgov.core.crypto.blind_index`, exactly as the ORM would store them.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max, Model
from django.utils import timezone
from stdnum.cn import ric, uscc

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.core import crypto
from gridgov.registry.models import (
    DEFAULT_VISIT_DAYS,
    AccessLog,
    Facility,
    FloatingRegistration,
    Household,
    Membership,
    Organisation,
    Person,
    PersonTag,
    RentalHouse,
)
from gridgov.territory.models import Building, BuildingKind, Grid, GridKind, House, Region
from gridgov.units.models import Unit

from .names import _GIVEN, _SURNAMES

#: About this many residents in the demo city (the whole ``gridgov demo build`` must stay under 5 minutes).
TARGET_PEOPLE = 300_000
SEED = 441300 + 31
DEMO_DISTRICT = "441302"
DEMO_SUBDISTRICT = "441302001"
DEMO_COMMUNITY = "441302001009"

#: Share of the whole population per tag kind (elderly living alone are every member of a one-person household
#: of 65 or older, about 2 %; left-behind children are the grandchildren in grandparent households).
TAG_RATES: dict[str, float] = {
    "released_prisoner": 0.001,
    "community_correction": 0.0004,
    "drug_user": 0.0008,
    "mental_disorder": 0.002,
    "hiv_risk": 0.0002,
    "key_youth": 0.0015,
    "disabled": 0.015,
    "low_income": 0.008,
}
#: Ages a tag kind is drawn from.
TAG_AGES: dict[str, tuple[int, int]] = {
    "released_prisoner": (25, 70),
    "community_correction": (20, 65),
    "drug_user": (18, 60),
    "mental_disorder": (16, 85),
    "hiv_risk": (18, 55),
    "key_youth": (6, 25),
    "disabled": (0, 100),
    "low_income": (0, 100),
}

# Where people come from: area code → place (and province for 籍贯). Codes exist in GB/T 2260 (stdnum's table).
_ORIGINS: tuple[tuple[str, str, str], ...] = (
    ("430523", "湖南省邵阳市邵阳县", "湖南邵阳"),
    ("430524", "湖南省邵阳市隆回县", "湖南隆回"),
    ("430626", "湖南省岳阳市平江县", "湖南平江"),
    ("431022", "湖南省郴州市宜章县", "湖南宜章"),
    ("450922", "广西壮族自治区玉林市陆川县", "广西陆川"),
    ("450923", "广西壮族自治区玉林市博白县", "广西博白"),
    ("360722", "江西省赣州市信丰县", "江西信丰"),
    ("360732", "江西省赣州市兴国县", "江西兴国"),
    ("511321", "四川省南充市南部县", "四川南部"),
    ("411321", "河南省南阳市南召县", "河南南召"),
    ("421126", "湖北省黄冈市蕲春县", "湖北蕲春"),
    ("441424", "广东省梅州市五华县", "广东五华"),
    ("441622", "广东省河源市龙川县", "广东龙川"),
    ("441624", "广东省河源市和平县", "广东和平"),
    ("440823", "广东省湛江市遂溪县", "广东遂溪"),
    ("440981", "广东省茂名市高州市", "广东高州"),
    ("441521", "广东省汕尾市海丰县", "广东海丰"),
    ("445222", "广东省揭阳市揭西县", "广东揭西"),
)


def huizhou_area_code(district: str, birth_year: int) -> str:
    """The area code a person born in ``district`` that year was given: before 1988 Huizhou was the county-level
    city of the 惠阳地区 (4425xx; 龙门 belonged to Guangzhou), and 惠阳 was a county, then a city, then a district."""
    if birth_year < 1988:
        return {"441302": "442501", "441303": "442521", "441322": "442526", "441323": "442528"}.get(district, "440124")
    if district == "441303":
        return "441321" if birth_year < 1994 else "441381" if birth_year < 2003 else "441303"
    return district


def make_ric(area: str, birth: dt.date, seq: int) -> str:
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the USCC alphabet (no I, O, S, V, Z)


def _org_code(serial: int) -> str:
    """A 9-character organisation code (GB 11714: 8 characters and a check character), ``MA`` + 6 + check."""
    chars = ""
    n = serial
    for _i in range(6):
        n, r = divmod(n, 31)
        chars = _ORG_ALPHABET[r] + chars
    body = "MA" + chars
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_uscc(kind: str, area: str, serial: int) -> str:
    """A valid 18-character unified social credit code: registering authority and type (``91`` enterprise,
    ``92`` individual business, ``51``/``52`` social organisation, ``13`` party body…), area, organisation code,
    check character."""
    body = kind + area + _org_code(serial)
    return body + uscc.calc_check_digit(body + "0")


# --- households ----------------------------------------------------------------------------------------------

# (relation, age, sex or "", same surname as the head) — sex "" means drawn.
_Member = tuple[str, int, str, bool]

_OWNER_TYPES = (
    ("elderly_alone", 0.08),
    ("single", 0.08),
    ("couple", 0.18),
    ("nuclear", 0.45),
    ("three_generations", 0.15),
    ("single_parent", 0.05),
    ("grandparents", 0.01),
)
_TENANT_TYPES = (("single", 0.35), ("couple", 0.25), ("nuclear", 0.25), ("roommates", 0.15))
_LODGER_TYPES = (("single", 0.6), ("relatives", 0.4))

_OCCUPANCY_BY_KIND: dict[str, tuple[float, float, float]] = {  # building kind → (owner, tenant, lodger) shares
    BuildingKind.RESIDENTIAL: (0.72, 0.23, 0.05),
    BuildingKind.SELF_BUILT: (0.75, 0.20, 0.05),
    BuildingKind.RENTAL: (0.10, 0.85, 0.05),
}
_DORMITORY = (0.0, 1.0, 0.0)  # households in factories and campuses: workers renting


def _pick(r: random.Random, table: Sequence[tuple[str, float]]) -> str:
    x = r.random() * sum(w for _k, w in table)
    for key, weight in table:
        x -= weight
        if x < 0:
            return key
    return table[-1][0]


def _household(r: random.Random, kind: str) -> tuple[str, list[_Member]]:
    """(type, members): the head first."""
    other = {"male": "female", "female": "male"}
    if kind == "owner":
        t = _pick(r, _OWNER_TYPES)
    elif kind == "tenant":
        t = _pick(r, _TENANT_TYPES)
    else:
        t = _pick(r, _LODGER_TYPES)
    sex = "male" if r.random() < 0.62 else "female"
    if t == "elderly_alone":
        return t, [("head", r.randint(65, 92), "female" if r.random() < 0.6 else "male", True)]
    if t == "single":
        return t, [("head", r.randint(20, 45), "", True)]
    if t == "roommates":
        return t, [("head", r.randint(19, 35), sex, True)] + [
            ("non_relative", r.randint(18, 35), sex, False) for _i in range(r.randint(1, 3))
        ]
    if t == "relatives":
        return t, [("head", r.randint(18, 60), "", True), ("other_relative", r.randint(16, 70), "", False)]
    if t == "grandparents":
        age = r.randint(55, 75)
        members: list[_Member] = [("head", age, "male", True), ("spouse", age + r.randint(-4, 2), "female", False)]
        members += [("grandchild", r.randint(3, 14), "", True) for _i in range(r.randint(1, 2))]
        return t, members
    lo, hi = {"couple": (22, 80), "nuclear": (27, 55), "three_generations": (30, 50), "single_parent": (27, 50)}[t]
    age = r.randint(lo, hi) if kind == "owner" else r.randint(22, min(hi, 45))
    members = [("head", age, sex, True)]
    if t != "single_parent":
        members.append(("spouse", max(20, age + r.randint(-5, 3)), other[sex], False))
    if t in ("nuclear", "three_generations", "single_parent"):
        n = 1 if r.random() < 0.45 else 2 if r.random() < 0.85 else 3
        for _i in range(n):
            members.append(("child", max(0, min(age - 21, 30) - r.randint(0, 12)), "", True))
    if t == "three_generations":
        for _i in range(r.randint(1, 2)):
            members.append(("parent", min(95, age + r.randint(22, 32)), "", True))
    return t, members


# --- facilities (GB/T 30428.2: major class, minor class, name, owner unit suffix in the district) ----------

_FACILITIES: tuple[tuple[str, str, str, str, float], ...] = (
    ("01", "01", "上水井盖", "WA", 0.12),
    ("01", "02", "污水井盖", "", 0.12),
    ("01", "03", "雨水井盖", "", 0.10),
    ("01", "04", "雨水箅子", "", 0.10),
    ("01", "05", "电力井盖", "PO", 0.06),
    ("01", "07", "通信井盖", "", 0.06),
    ("01", "11", "燃气井盖", "", 0.04),
    ("01", "18", "消防栓", "FI", 0.05),
    ("01", "25", "路灯", "", 0.12),
    ("02", "03", "公交站亭", "", 0.02),
    ("02", "08", "交通标志牌", "", 0.03),
    ("02", "10", "交通护栏", "", 0.02),
    ("03", "01", "公共厕所", "CM", 0.01),
    ("03", "07", "垃圾箱", "CM", 0.10),
    ("04", "02", "行道树", "", 0.04),
    ("04", "05", "绿地", "", 0.01),
)

_INDUSTRY = ("电子科技", "贸易", "物流", "建材", "餐饮管理", "五金制品", "塑胶制品", "信息技术", "房地产经纪", "服装")
_BRAND = ("华信", "鹏达", "东江", "惠丰", "嘉诚", "德润", "鸿运", "金叶", "南粤", "西湖", "丰源", "宏达", "利民")
_SHOPS = {
    "shop": ("便利店", "五金店", "副食店", "药店", "烟酒商行", "水果店", "理发店"),
    "restaurant": ("粉店", "快餐店", "茶餐厅", "烧腊店", "小食店", "早餐店"),
    "entertainment": ("网吧", "棋牌室", "KTV", "桌球室"),
}
_OCCUPATIONS = ("工人", "职员", "个体经营", "教师", "医护人员", "司机", "销售", "公务员", "务农", "自由职业", "无业")
_OFFENCES = ("盗窃罪", "诈骗罪", "故意伤害罪", "寻衅滋事罪", "危险驾驶罪", "开设赌场罪")
_ETHNIC = (("汉族", 0.985), ("壮族", 0.005), ("瑶族", 0.004), ("畲族", 0.003), ("土家族", 0.003))
_MOBILE = (134, 135, 136, 137, 138, 139, 150, 151, 152, 157, 158, 159, 182, 183, 187, 188, 130, 131, 132, 155, 156,
           185, 186, 133, 153, 180, 181, 189, 177, 199)  # fmt: skip


@dataclass
class PeopleSummary:
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Place:
    house_id: int
    building_id: int
    grid_id: int
    grid_code: str
    number: str
    building_kind: str
    building_name: str
    lon: float
    lat: float


def demo_grids(target: int = TARGET_PEOPLE, people_per_household: float = 2.85) -> list[Grid]:
    """The grids to fill: 冈头社区's, then the rest of 桥东街道's and 惠城区's in code order while the households they
    hold stay within ``target`` people, and the first grid of each other district."""
    comprehensive = Grid.objects.filter(kind=GridKind.COMPREHENSIVE, region_code__startswith="4413").order_by("code")

    def rank(g: Grid) -> tuple[int, str]:
        code = g.code
        first = 0 if code.startswith(DEMO_COMMUNITY) else 1 if code.startswith(DEMO_SUBDISTRICT) else 2
        return (first, code)

    chosen: list[Grid] = []
    others: dict[str, Grid] = {}
    people = 0.0
    for grid in sorted(comprehensive.filter(region_code__startswith=DEMO_DISTRICT), key=rank):
        expected = grid.households_estimate * people_per_household * 0.96
        if chosen and people + expected > target:
            break
        chosen.append(grid)
        people += expected
    for grid in comprehensive.exclude(region_code__startswith=DEMO_DISTRICT):
        others.setdefault(grid.code[:6], grid)
    return chosen + [others[k] for k in sorted(others)]


class _Writer:
    """Rows in primary-key order, written with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL)."""

    def __init__(self, model: type[Model], fields: Sequence[str]) -> None:
        self.model = model
        self.fields = list(fields)
        meta: Any = model._meta
        self.columns = ["id"] + [meta.get_field(f).column for f in self.fields]
        self.encrypted: dict[int, Any] = {
            i + 1: meta.get_field(f) for i, f in enumerate(self.fields) if _is_encrypted(meta, f)
        }
        start = model._default_manager.aggregate(m=Max("id"))["m"] or 0
        self.next_id = start + 1
        self.rows: list[list[Any]] = []
        self.written = 0

    def add(self, *values: Any) -> int:
        pk = self.next_id
        self.next_id += 1
        row = [pk, *values]
        for i, f in self.encrypted.items():
            if row[i] is not None and row[i] != "":
                row[i] = f.get_db_prep_save(row[i], connection)
            else:
                row[i] = None
        self.rows.append(row)
        if len(self.rows) >= 20_000:
            self.flush()
        return pk

    def flush(self) -> None:
        if not self.rows:
            return
        table = self.model._meta.db_table
        cols = ", ".join(self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", self.rows)
        self.written += len(self.rows)
        self.rows = []

    def close(self) -> None:
        self.flush()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                    cursor.execute(sql)


def _is_encrypted(meta: Any, name: str) -> bool:
    from gridgov.core.sensitive import EncryptedField

    return isinstance(meta.get_field(name), EncryptedField)


class _Population:
    def __init__(self, today: dt.date, seed: int) -> None:
        self.r = random.Random(seed)
        self.today = today
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.id_seq: dict[tuple[str, dt.date, str], int] = defaultdict(int)
        self.phone_serial = 0
        self.uscc_serial = 0
        self.facility_serial: dict[tuple[str, str, str], int] = defaultdict(int)
        self.d = connection.ops.adapt_datefield_value
        self.persons = _Writer(
            Person,
            [
                "grid", "scope_code", "version", "created_at", "updated_at", "id_number_index", "phone_index",
                "doc_type", "id_number", "name", "former_name", "sex", "birth_date", "ethnicity", "native_place",
                "marital_status", "political_status", "education", "religion", "occupation", "workplace", "phone",
                "registered_address", "current_address", "residence_type", "house", "building", "occupancy",
                "is_active", "left_on",
            ],
        )  # fmt: skip
        placed = ["grid", "scope_code", "version", "created_at", "updated_at"]
        self.households = _Writer(Household, [*placed, "number", "kind", "house"])
        self.memberships = _Writer(Membership, ["household", "person", "relation", "valid_from", "valid_to"])
        self.rentals = _Writer(
            RentalHouse, [*placed, "house", "landlord", "rooms", "registered_on", "safety_checked_on", "is_active"]
        )
        self.floating = _Writer(
            FloatingRegistration, [*placed, "person", "house", "reason", "registered_on", "expires_on"]
        )
        self.tags = _Writer(
            PersonTag,
            [
                "person", "kind", "attention_level", "details", "responsible", "visit_every_days", "last_visit_on",
                "next_visit_due", "valid_from", "valid_to", "note", "scope_code",
            ],
        )  # fmt: skip
        self.organisations = _Writer(
            Organisation,
            [
                *placed, "contact_phone_index", "kind", "venue_kind", "name", "uscc", "legal_representative",
                "contact_phone", "address", "building", "lon", "lat", "employees", "fire_safety", "fire_checked_on",
                "is_active",
            ],
        )  # fmt: skip
        self.facilities = _Writer(
            Facility, [*placed, "code", "major_class", "minor_class", "name", "lon", "lat", "status", "owner_unit"]
        )
        self.units: dict[str, dict[str, int]] = {}
        # (person id, age, grid code, household type, relation) for the tags
        self.people: list[tuple[int, int, str, str, str]] = []

    # values ----------------------------------------------------------------------------------------------
    def name(self, surname: str | None = None) -> str:
        r = self.r
        given = r.choice(_GIVEN) + (r.choice(_GIVEN) if r.random() < 0.7 else "")
        return (surname or r.choice(_SURNAMES)) + given

    def phone(self) -> str:
        self.phone_serial += 1
        # a permutation of 0..10^8-1: every number distinct, none in sequence
        return f"{self.r.choice(_MOBILE)}{(self.phone_serial * 48_271 + 12_345_678) % 100_000_000:08d}"

    def birth(self, age: int) -> dt.date:
        return self.today - dt.timedelta(days=365 * age + self.r.randint(1, 364) + age // 4)

    def ric(self, area: str, birth: dt.date, sex: str) -> str:
        key = (area, birth, sex)
        k = self.id_seq[key]
        self.id_seq[key] = k + 1
        base = (birth.toordinal() * 7 + int(area)) % 150 * 2  # an even start, varying with the date and place
        return make_ric(area, birth, base + 2 * k + (1 if sex == "male" else 2))

    # people ----------------------------------------------------------------------------------------------
    def occupancy(self, building_kind: str) -> str:
        shares = _OCCUPANCY_BY_KIND.get(building_kind, _DORMITORY)
        x = self.r.random()
        return "owner" if x < shares[0] else "tenant" if x < shares[0] + shares[1] else "lodger"

    def household(self, place: _Place, occupancy: str, names: dict[str, str], landlords: list[int]) -> int:
        """Write one household of ``occupancy`` into ``place``; return the head's person id."""
        r = self.r
        htype, members = _household(r, occupancy)
        district = place.grid_code[:6]
        address = f"{names['city']}{names[district]}{names[place.grid_code[:9]]}{place.building_name}{place.number}房"
        if occupancy == "owner":
            residence = "registered" if r.random() < 0.95 else "floating"
            moved_in = self.today - dt.timedelta(days=r.randint(30, 25 * 365))
        elif occupancy == "tenant":
            residence = "floating" if r.random() < 0.85 else "registered"
            moved_in = self.today - dt.timedelta(days=r.randint(10, 4 * 365))
        else:
            residence = "floating" if r.random() < 0.5 else "registered"
            moved_in = self.today - dt.timedelta(days=r.randint(10, 3 * 365))
        origin = r.choice(_ORIGINS)
        native_local = residence == "registered" and r.random() < 0.85
        head_surname = r.choice(_SURNAMES)
        hh_number = f"{place.grid_code}{self.households.next_id:07d}"
        hh_id = self.households.add(
            place.grid_id, place.grid_code, 1, self.now, self.now, hh_number,
            "collective" if htype == "roommates" else "family", place.house_id,
        )  # fmt: skip
        head_id = 0
        head_sex = ""
        for relation, age, sex, same_surname in members:
            if not sex:
                sex = "male" if r.random() < 0.51 else "female"
            if relation == "spouse" and head_sex:
                sex = "female" if head_sex == "male" else "male"
            birth = self.birth(age)
            if native_local or (relation in ("child", "grandchild") and residence == "registered" and age < 30):
                area = huizhou_area_code(district, birth.year)
                native = "广东惠州"
                registered_address = address
            else:
                member_origin = origin if relation != "non_relative" else r.choice(_ORIGINS)
                area = member_origin[0]
                native = member_origin[2]
                registered_address = f"{member_origin[1]}{r.choice(_BRAND)}村{r.randint(1, 120)}号"
                if residence == "registered":  # 户口 moved to Huizhou: registered here, born elsewhere
                    registered_address = address
            surname = head_surname if same_surname and relation != "non_relative" else None
            if relation == "parent":
                surname = head_surname if sex == "male" else None
            number = self.ric(area, birth, sex)
            phone = self.phone() if age >= 14 and r.random() < 0.96 else ""
            adult = age >= 18
            married = relation in ("spouse",) or (relation == "head" and htype not in ("single", "roommates"))
            marital = (
                ""
                if not adult
                else "married"
                if married
                else "widowed"
                if age >= 65 and r.random() < 0.6
                else "divorced"
                if age > 30 and r.random() < 0.1
                else "unmarried"
                if age < 40
                else "married"
            )
            political = (
                "party_member"
                if adult and r.random() < 0.07
                else "league_member"
                if 14 <= age <= 28 and r.random() < 0.3
                else "masses"
            )
            education = self._education(age)
            occupation = (
                "学生" if 6 <= age <= 18 else "离退休" if age >= 60 else r.choice(_OCCUPATIONS) if adult else ""
            )
            ethnicity = _pick(r, _ETHNIC)
            person_id = self.persons.add(
                place.grid_id, place.grid_code, 1, self.now, self.now,
                crypto.blind_index("idno", number), crypto.blind_index("phone", phone) if phone else "",
                "ric", number, self.name(surname), "", sex, self.d(birth), ethnicity, native,
                marital, political, education, "", occupation, "", phone or None,
                registered_address, address, residence, place.house_id, place.building_id, occupancy, True, None,
            )  # fmt: skip
            self.memberships.add(hh_id, person_id, relation, self.d(max(birth, moved_in)), None)
            if relation == "head":
                head_id, head_sex = person_id, sex
            if residence == "floating" and age >= 16:
                registered = self.today - dt.timedelta(days=r.randint(0, 364))
                reason = _pick(
                    r, (("work", 0.7), ("business", 0.12), ("family", 0.1), ("study", 0.03), ("other", 0.05))
                )
                self.floating.add(
                    place.grid_id, place.grid_code, 1, self.now, self.now, person_id, place.house_id, reason,
                    self.d(registered), self.d(registered + dt.timedelta(days=365)),
                )  # fmt: skip
            self.people.append((person_id, age, place.grid_code, htype, relation))
        if occupancy == "tenant" and landlords:
            checked = self.today - dt.timedelta(days=r.randint(0, 180)) if r.random() < 0.8 else None
            self.rentals.add(
                place.grid_id, place.grid_code, 1, self.now, self.now, place.house_id, r.choice(landlords),
                r.randint(1, 3), self.d(moved_in), self.d(checked) if checked else None, True,
            )  # fmt: skip
        return head_id

    def _education(self, age: int) -> str:
        r = self.r
        if age < 7:
            return "none"
        if age < 13:
            return "primary"
        if age < 16:
            return "junior"
        if age < 19:
            return "senior"
        table = (
            (("primary", 0.25), ("junior", 0.4), ("senior", 0.25), ("college", 0.06), ("bachelor", 0.04))
            if age >= 55
            else (("junior", 0.25), ("senior", 0.3), ("college", 0.2), ("bachelor", 0.2), ("graduate", 0.05))
        )
        return _pick(r, table)

    # organisations and facilities ------------------------------------------------------------------------
    def organisations_of(self, grid: Grid, buildings: list[tuple[int, str, str, float, float]], names: dict[str, str],
                         households: int) -> None:  # fmt: skip
        r = self.r
        district = grid.code[:6]
        prefix = f"{names['city']}{names[district]}{names[grid.code[:9]]}"
        residential = [b for b in buildings if b[2] in (BuildingKind.RESIDENTIAL, BuildingKind.RENTAL)]

        def org(kind: str, name: str, building: tuple[int, str, str, float, float] | None, **extra: Any) -> None:
            self.uscc_serial += 1
            code_kind = extra.pop("uscc_kind", "91")
            contact = self.phone()
            b = building or r.choice(buildings)
            self.organisations.add(
                grid.pk, grid.code, 1, self.now, self.now, crypto.blind_index("phone", contact), kind,
                extra.get("venue_kind", ""), name, make_uscc(code_kind, district, SEED * 1000 + self.uscc_serial),
                self.name(), contact, f"{prefix}{b[1]}", b[0], b[3], b[4], extra.get("employees", 0),
                extra.get("fire_safety", "not_inspected"), extra.get("fire_checked_on"), True,
            )  # fmt: skip

        for i, b in enumerate(residential[::4], start=1):
            org(
                "property_management",
                f"惠州市{r.choice(_BRAND)}物业服务有限公司{b[1]}管理处{i}",
                b,
                employees=r.randint(8, 40),
            )
        for b in buildings:
            if b[2] == BuildingKind.COMMERCIAL:
                n = r.randint(2, 6)
            elif b[2] == BuildingKind.FACTORY:
                n = r.randint(1, 2)
            else:
                continue
            for _i in range(n):
                employees = r.randint(3, 60) if b[2] == BuildingKind.COMMERCIAL else r.randint(20, 800)
                name = f"惠州市{r.choice(_BRAND)}{r.choice(_INDUSTRY)}有限公司{self.uscc_serial + 1}"
                org("enterprise", name, b, employees=employees)
                if employees >= 100 and r.random() < 0.5:
                    org("party_branch", f"中共{name}支部委员会", b, uscc_kind="13", employees=0)
        venues = max(1, households // 25)
        for _i in range(venues):
            kind = _pick(r, (("shop", 0.55), ("restaurant", 0.35), ("entertainment", 0.10)))
            status = _pick(r, (("passed", 0.70), ("hazard", 0.08), ("rectified", 0.10), ("not_inspected", 0.12)))
            checked = None if status == "not_inspected" else self.d(self.today - dt.timedelta(days=r.randint(1, 300)))
            b = r.choice(buildings)
            name = f"{r.choice(_SURNAMES)}记{r.choice(_SHOPS[kind])}"
            org("small_venue", name, b, uscc_kind="92", venue_kind=kind, employees=r.randint(1, 8),
                fire_safety=status, fire_checked_on=checked)  # fmt: skip
        # facilities near buildings
        units = self.units.get(district, {})
        for _i in range(max(10, households // 6)):
            major, minor, fname, owner, _w = _pick_facility(r)
            key = (district, major, minor)
            self.facility_serial[key] += 1
            b = r.choice(buildings)
            status = _pick(r, (("normal", 0.92), ("damaged", 0.06), ("lost", 0.01), ("removed", 0.01)))
            self.facilities.add(
                grid.pk, grid.code, 1, self.now, self.now, f"{district}{major}{minor}{self.facility_serial[key]:06d}",
                major, minor, fname, round(b[3] + r.uniform(-4e-4, 4e-4), 7), round(b[4] + r.uniform(-4e-4, 4e-4), 7),
                status, units.get(owner) if owner else None,
            )  # fmt: skip


def _pick_facility(r: random.Random) -> tuple[str, str, str, str, float]:
    x = r.random() * sum(f[4] for f in _FACILITIES)
    for f in _FACILITIES:
        x -= f[4]
        if x < 0:
            return f
    return _FACILITIES[-1]


def build_people(
    grids: Iterable[Grid] | None = None,
    *,
    today: dt.date | None = None,
    seed: int = SEED,
    progress: Callable[[float], None] | None = None,
) -> PeopleSummary:
    """Fill the houses of ``grids`` (default :func:`demo_grids`) with residents, and give the grids their
    organisations, facilities and tags. Call it inside the demo build's transaction."""
    grids = sorted(demo_grids() if grids is None else grids, key=lambda g: g.code)
    today = today or timezone.localdate()
    pop = _Population(today, seed)
    r = pop.r
    names = _region_names(grids)
    workers = dict(
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, part_time=False, grid__in=grids).values_list(
            "grid_id", "user_id"
        )
    )
    pop.units = _district_units({g.code[:6] for g in grids})
    communities_done: set[str] = set()
    for grid in grids:
        buildings = list(
            Building.objects.filter(grid=grid).order_by("code").values_list("id", "name", "kind", "lon", "lat")
        )
        if not buildings:
            continue
        kinds = {b[0]: (b[1], b[2], b[3], b[4]) for b in buildings}
        houses = list(
            House.objects.filter(building__grid=grid)
            .order_by("building__code", "id")
            .values_list("id", "building_id", "number")
        )
        pending: list[tuple[str, _Place]] = []
        for house_id, building_id, number in houses:
            if r.random() < 0.04:  # vacant
                continue
            name, kind, lon, lat = kinds[building_id]
            place = _Place(house_id, building_id, grid.pk, grid.code, number, kind, name, lon, lat)
            pending.append((pop.occupancy(kind), place))
        # owners first, so that tenants' landlords are drawn from the grid's owners
        pending.sort(key=lambda item: item[0] != "owner")
        landlords: list[int] = []
        for occupancy, place in pending:
            head = pop.household(place, occupancy, names, landlords)
            if occupancy == "owner" and len(landlords) < 400:
                landlords.append(head)
        occupied = len(pending)
        community = grid.region_code
        if community not in communities_done:
            communities_done.add(community)
            pop.uscc_serial += 1
            contact = pop.phone()
            code = make_uscc("13", community[:6], SEED * 1000 + pop.uscc_serial)
            pop.organisations.add(
                None, community, 1, pop.now, pop.now, crypto.blind_index("phone", contact), "party_branch", "",
                f"中共{names.get(community, community)}委员会", code,
                pop.name(), contact, f"{names['city']}{names[community[:6]]}{names.get(community, '')}", None, None,
                None, 0, "not_inspected", None, True,
            )  # fmt: skip
            for label in ("老年人协会", "志愿服务队"):
                pop.uscc_serial += 1
                contact = pop.phone()
                b = buildings[0]
                pop.organisations.add(
                    grid.pk, grid.code, 1, pop.now, pop.now, crypto.blind_index("phone", contact), "social_org", "",
                    f"{names.get(community, '')}{label}", make_uscc("51", community[:6], SEED * 1000 + pop.uscc_serial),
                    pop.name(), contact, f"{names['city']}{names[community[:6]]}{b[1]}", b[0], b[3], b[4],
                    0, "not_inspected", None, True,
                )  # fmt: skip
        pop.organisations_of(grid, buildings, names, occupied)
        if progress:
            progress(0.85 / max(1, len(grids)))
    _tag(pop, workers_by_code={g.code: workers.get(g.pk) for g in grids})
    writers = {
        "people": pop.persons,
        "households": pop.households,
        "memberships": pop.memberships,
        "floating": pop.floating,
        "rentals": pop.rentals,
        "tags": pop.tags,
        "organisations": pop.organisations,
        "facilities": pop.facilities,
    }
    for w in writers.values():
        w.close()
    if progress:
        progress(0.15)
    return PeopleSummary(counts={k: w.written for k, w in writers.items()})


def _tag(pop: _Population, workers_by_code: dict[str, int | None]) -> None:
    """Special groups, key youth and care groups at :data:`TAG_RATES`, elderly living alone, left-behind
    children; the grid's worker responsible; visits drawn so that about one in eight is overdue."""
    r = pop.r
    people = pop.people
    total = len(people)
    chosen: list[tuple[str, tuple[int, int, str, str, str]]] = []
    for kind, rate in TAG_RATES.items():
        lo, hi = TAG_AGES[kind]
        eligible = [p for p in people if lo <= p[1] <= hi]
        n = min(len(eligible), round(rate * total))
        chosen.extend((kind, p) for p in r.sample(eligible, n))
    chosen.extend(("elderly_alone", p) for p in people if p[3] == "elderly_alone")
    chosen.extend(("left_behind_child", p) for p in people if p[3] == "grandparents" and p[4] == "grandchild")
    today = pop.today
    for kind, (person_id, age, grid_code, _t, _rel) in chosen:
        every = DEFAULT_VISIT_DAYS[kind]
        valid_from = today - dt.timedelta(days=r.randint(every + 1, 5 * 365))
        if r.random() < 0.03:
            last = None
            valid_from = today - dt.timedelta(days=r.randint(1, every + every // 4))
        else:
            last = today - dt.timedelta(days=r.randint(0, every + every // 7))
            last = max(last, valid_from)
        due = (last or valid_from) + dt.timedelta(days=every)
        level = _pick(r, (("normal", 0.75), ("medium", 0.2), ("serious", 0.05)))
        pop.tags.add(
            person_id, kind, level, json.dumps(_details(r, kind, today, age), ensure_ascii=False),
            workers_by_code.get(grid_code), every, pop.d(last) if last else None, pop.d(due), pop.d(valid_from),
            None, "", grid_code,
        )  # fmt: skip


def _details(r: random.Random, kind: str, today: dt.date, age: int) -> dict[str, Any]:
    def ago(lo: int, hi: int) -> str:
        return (today - dt.timedelta(days=r.randint(lo, hi))).isoformat()

    if kind == "released_prisoner":
        return {
            "release_date": ago(30, 5 * 365),
            "offence": r.choice(_OFFENCES),
            "sentence": f"有期徒刑{r.randint(1, 8)}年",
            "resettled": r.random() < 0.8,
        }
    if kind == "community_correction":
        start = today - dt.timedelta(days=r.randint(30, 700))
        end = start + dt.timedelta(days=r.choice((365, 730, 1095)))
        kind_ = r.choice(("probation", "probation", "probation", "parole", "outside", "control"))
        return {"correction_start": start.isoformat(), "correction_end": end.isoformat(), "correction_type": kind_}
    if kind == "drug_user":
        status = r.choice(("community_rehab", "community_detox", "abstinent"))
        return {"found_date": ago(200, 8 * 365), "control_status": status}
    if kind == "mental_disorder":
        risk = r.choices(range(6), weights=(40, 30, 15, 9, 4, 2))[0]
        diagnosis = r.choice(("精神分裂症", "双相情感障碍", "偏执性精神病", "癫痫所致精神障碍"))
        return {"diagnosis": diagnosis, "risk_level": risk, "guardian": "家属", "treatment": "规律服药"}
    if kind == "hiv_risk":
        return {"risk_type": "随访对象", "followed_by": "区疾病预防控制中心"}
    if kind == "key_youth":
        youth = r.choice(("idle", "bad_behaviour", "prisoner_child", "idle")) if age >= 12 else "prisoner_child"
        return {"youth_type": youth, "guardian": "父母"}
    if kind == "elderly_alone":
        return {"emergency_contact": "子女", "self_care": r.random() < 0.85}
    if kind == "disabled":
        kinds = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
        return {"certificate": f"残{r.randint(10**9, 10**10 - 1)}", "disability_type": r.choice(kinds),
                "grade": r.randint(1, 4)}  # fmt: skip
    if kind == "low_income":
        return {"certificate": f"低保{r.randint(10**6, 10**7 - 1)}", "monthly_amount": r.choice((600, 800, 1000, 1200))}
    return {"guardian": "祖父母", "parents_workplace": r.choice(("深圳", "东莞", "广州", "佛山"))}


def _region_names(grids: Sequence[Grid]) -> dict[str, str]:
    codes: set[str] = set()
    for g in grids:
        codes.update({g.code[:6], g.code[:9], g.region_code})
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    names["city"] = Region.objects.filter(code="441300").values_list("name", flat=True).first() or "惠州市"
    for code in codes:
        names.setdefault(code, "")
    return names


def _district_units(districts: set[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for code, pk in Unit.objects.filter(code__regex=r"^\d{6}-(WA|PO|FI|CM)$").values_list("code", "id"):
        district, suffix = code.split("-")
        if district in districts:
            out[district][suffix] = pk
    return out


def delete_people(prefix: str) -> None:
    """Delete every registry row placed under ``prefix`` (the demo's people, households, tags…) — raw deletes in
    foreign-key order, as the ORM would load every row to cascade."""
    like = prefix + "%"
    person = Person._meta.db_table
    household = Household._meta.db_table
    with connection.cursor() as cursor:
        demo_people = f"SELECT id FROM {person} WHERE scope_code LIKE %s"
        cursor.execute(
            f"DELETE FROM {AccessLog._meta.db_table} WHERE scope_code LIKE %s OR person_id IN ({demo_people})",
            [like, like],
        )
        cursor.execute(f"DELETE FROM {PersonTag._meta.db_table} WHERE person_id IN ({demo_people})", [like])
        cursor.execute(
            f"DELETE FROM {Membership._meta.db_table} WHERE person_id IN ({demo_people}) "
            f"OR household_id IN (SELECT id FROM {household} WHERE scope_code LIKE %s)",
            [like, like],
        )
        for model in (FloatingRegistration, RentalHouse, Household, Organisation, Facility):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE scope_code LIKE %s", [like])
        cursor.execute(f"DELETE FROM {person} WHERE scope_code LIKE %s", [like])


def people_count(prefix: str) -> int:
    return Person.objects.filter(scope_code__startswith=prefix).count()
