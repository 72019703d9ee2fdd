"""The demo city's cases: about 3,200 in every state — a few hundred driven through the real services, the history
written in bulk.

:func:`build_demo_cases` runs inside the demo build's transaction, after the territory, the units, the matter list
and the people are written.

*Through the services* (:data:`SERVICES`, about 420 cases): each case follows a *script* (reported only, rejected,
merged, dispatched, returned, in progress, whistled, settled in the grid, escalated, mediated, closed and rated,
reopened …) and every step is a call to the service that a person would trigger — so the open cases, the queues
of the demo accounts, the timelines, counters, summonses, mediation records and notifications are the genuine
article. The services run at build time, in a few seconds of wall-clock time; a final pass then moves every
timestamp back to where the script puts it (reports spread over the last :data:`DAYS` days in office hours, each
step some hours after the previous one) with bulk UPDATEs, and derives what the clock would have decided: stage
deadlines (working time), overdue flags frozen per stage, late report-ins.

*In bulk* (:data:`HISTORY`, about 2,800 cases): the closed (most of them rated) and rejected cases of the last
:data:`DAYS` days, written by :func:`write_history` with ``bulk_create`` and plain INSERTs — the case rows, their
timeline rows and ratings exactly as the services would have written them (statuses from the workflow table,
times in office hours, deadlines and overdue flags from the same clock as above); ``tests/test_demo_history.py``
holds a bulk case against the same case driven through the services. Each service-driven case costs about 60 ms
of CPU, a bulk one about 2 ms; the cases part of the build takes about 30 s of CPU on the 2-core development
machine (see ``bench/README.md``, "Demo build").

Deterministic: seeded generators choose the places, categories, descriptions and scripts, so two builds give
the same cases with the same timelines; only the absolute timestamps (relative to the build's "now") and the case
numbers (a yearly sequence) differ.

惠城区 (the demo district) gets most cases — among them a queue for each demo account: the community dispatcher's
community, the worker's grid, and the police unit of the demo "handler" — and the other districts the rest.
"""

from __future__ import annotations

import bisect
import datetime
import io
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.cases import services
from gridgov.cases.models import Case, CaseAttachment, CaseEvent, CaseSummons, Mediation, MediationSession
from gridgov.cases.photos import CheckedPhoto, check_photo
from gridgov.cases.workflow import STAGE_LIMIT_FIELD, STAGE_OF_STATUS, Status
from gridgov.core.models import Notification
from gridgov.core.workcalendar import add_working_time
from gridgov.matters.models import NEVER_GRID_ASSIGNABLE, MatterCategory, MatterKind
from gridgov.territory.models import Building, Grid, GridKind
from gridgov.units.models import Unit, UnitKind

from .geometry import SEED

HUICHENG = "441302"
DAYS = 60
#: Cases driven through the services, in 惠城区 and elsewhere; of those in the demo community (冈头社区) and on the
#: demo worker's grid.
HUICHENG_CASES = 340
ELSEWHERE_CASES = 80
DEMO_COMMUNITY_CASES = 110
DEMO_GRID_CASES = 32
#: Historic cases written in bulk (:func:`write_history`), likewise.
HUICHENG_HISTORY = 2100
ELSEWHERE_HISTORY = 700
DEMO_COMMUNITY_HISTORY = 120
DEMO_GRID_HISTORY = 20

#: The district unit (code suffix in ``demo.build.DISTRICT_UNITS``) that handles a category whose owner is of this
#: kind; only the units with demo handlers (police, city management, housing, environment, justice) can sign.
UNIT_FOR_KIND = {
    UnitKind.POLICE: "PS",
    UnitKind.CITY_MANAGEMENT: "CM",
    UnitKind.HOUSING: "HO",
    UnitKind.ENVIRONMENT: "EN",
    UnitKind.JUSTICE: "JU",
    UnitKind.UTILITIES: "CM",
    UnitKind.MARKET_SUPERVISION: "CM",
    UnitKind.FIRE: "PS",
    UnitKind.GRID_SYSTEM: "CM",
}
DEFAULT_UNIT = "JU"
#: Demo handler usernames per unit suffix (``demo.build``: "handler" is 惠城区's police).
HANDLER_SLUG = {"PS": "police", "CM": "urban", "HO": "housing", "EN": "environment", "JU": "justice"}

#: (script, weight). A script a category cannot follow falls back to "closed".
SCRIPTS: tuple[tuple[str, float], ...] = (
    ("reported", 5),
    ("rejected", 3),
    ("merged", 2),
    ("accepted", 4),
    ("dispatched", 7),
    ("returned", 3),
    ("in_progress", 10),
    ("whistle", 3),
    ("to_verify", 6),
    ("closed", 38),
    ("self_settled", 9),
    ("escalated", 4),
    ("mediation", 4),
    ("reopened", 2),
)
#: The history's scripts (see :class:`HistoricCase`).
HISTORY_SCRIPTS: tuple[tuple[str, float], ...] = (("closed", 92), ("rejected", 8))
OPEN_SCRIPTS = {"reported", "accepted", "dispatched", "returned", "in_progress", "whistle", "to_verify", "reopened"}

# --- descriptions -----------------------------------------------------------------------------------------------

#: Minor category code → description templates ({p}: the place).
TEMPLATES: dict[str, tuple[str, ...]] = {
    "0101": ("{p}旁垃圾桶满溢,周边散落生活垃圾,有异味。", "{p}路边绿化带内堆有装修垃圾约两立方米。"),
    "0102": ("{p}楼道内堆放杂物,堵塞消防通道。", "{p}门前空地长期堆放建筑材料。"),
    "0103": ("{p}路口流动摊贩占道经营,影响行人通行。", "{p}店铺出店经营,货物摆放至人行道。"),
    "0104": ("{p}天台有人正在搭建铁皮房,疑似违法建设。", "{p}一楼住户扩建围墙,正在施工。"),
    "0105": ("{p}违法加建的铁皮房经认定需拆除。",),
    "0106": ("{p}前道路积水约二十厘米,车辆无法通行。", "{p}地下通道积水,排水不畅。"),
    "0107": ("{p}外墙户外广告牌松动,有坠落风险。",),
    "0108": ("{p}附近工地夜间施工,噪声扰民。", "{p}旁工地晚上十点后仍在打桩。"),
    "0109": ("{p}电线杆和墙面被张贴大量小广告。", "{p}楼道墙面喷涂办证小广告。"),
    "0201": ("{p}前人行道井盖缺失,存在安全隐患。", "{p}路面雨水井盖破损下陷。"),
    "0202": ("{p}门前路灯连续多晚不亮。", "{p}小区内路灯损坏,夜间照明不足。"),
    "0203": ("{p}供水管道破裂,路面冒水。", "{p}一带停水超过十二小时,居民用水困难。"),
    "0204": ("{p}变压器箱门破损,电线外露。", "{p}片区频繁停电,影响居民生活。"),
    "0205": ("{p}燃气管道外露部分锈蚀严重。",),
    "0207": ("{p}行道树被风刮断,横在路上。", "{p}绿化带被车辆碾压损毁。"),
    "0208": ("{p}路口交通信号灯故障。", "{p}人行道护栏被撞倒。"),
    "0301": ("{p}两户居民因漏水问题发生争执,多次协商未果。", "{p}邻居之间因楼道堆物发生口角。"),
    "0302": ("{p}一对夫妻因家庭琐事多次争吵,需介入调解。",),
    "0303": ("{p}业主与物业因停车费问题产生纠纷。", "{p}多名业主反映物业服务不到位,拒交物业费。"),
    "0304": ("{p}附近工厂拖欠十余名工人工资。",),
    "0305": ("{p}两村民小组因山林边界存在争议。",),
    "0306": ("{p}商户与消费者因退货问题发生纠纷。",),
    "0401": ("{p}一楼小餐馆后厨液化气瓶放置不规范。", "{p}出租屋内电动车室内充电,存在火灾隐患。"),
    "0402": ("{p}闻到明显燃气味,疑似燃气泄漏。",),
    "0403": ("{p}老旧房屋外墙开裂,墙皮脱落。", "{p}自建房墙体出现裂缝。"),
    "0404": ("{p}后山边坡出现裂缝,雨后有滑坡风险。",),
    "0405": ("{p}路边摊贩无证售卖熟食。",),
    "0406": ("{p}夜间有可疑人员徘徊,居民反映治安隐患。", "{p}小区监控损坏,近期多次发生电动车被盗。"),
    "0501": ("{p}独居老人近日身体不适,需上门探访。", "{p}独居老人家中无人应门,需确认安全。"),
    "0502": ("{p}留守儿童放学后无人看护。",),
    "0503": ("{p}残疾人家庭申请帮扶,需协助办理。",),
    "0504": ("{p}社区矫正对象本月走访。",),
    "0505": ("{p}严重精神障碍患者家属反映近期情绪不稳。",),
    "0601": ("{p}居民咨询养老保险办理流程。", "{p}居民求助开锁服务。"),
    "0602": ("{p}居民投诉小区电梯经常故障。", "{p}居民建议增设公交站点。"),
    "0603": ("{p}多户居民反映房屋产权证办理长期未果。",),
    "0701": ("{p}一出租屋冒出浓烟,疑似起火。",),
    "0702": ("{p}有人站在楼顶边缘情绪激动。",),
    "0703": ("{p}强降雨导致房屋进水,需转移群众。",),
    "0704": ("{p}数十人聚集讨要工程款。",),
    "0801": ("{p}开展反诈宣传,发放宣传资料。",),
    "0802": ("{p}新入住租户信息待采集登记。",),
    "0803": ("{p}排查发现一起邻里矛盾苗头。",),
    "0804": ("{p}巡查发现消防栓被遮挡。", "{p}巡查发现楼道应急灯损坏。"),
    "0805": ("{p}走访关爱对象,了解近况。",),
    "0806": ("{p}代老人办理医保卡补办。",),
    "0807": ("{p}道路塌陷,已设置警示。",),
    "0808": ("{p}社区交办的环境整治任务。",),
}
FALLBACK = ("{p}发现问题,需要处理。",)
#: Relative frequency of each major category (the first two digits of a code).
MAJOR_WEIGHT = {"01": 30, "02": 14, "03": 12, "04": 12, "05": 8, "06": 10, "07": 2, "08": 12}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗林梁宋郑谢韩唐冯邓曹彭曾萧田董袁潘蔡叶"


@dataclass
class Plan:
    """One case to make: where, what, which script; and, filled in while it runs, the hours between its steps."""

    index: int
    grid_code: str
    community: str
    subdistrict: str
    district: str
    lon: float
    lat: float
    place: str
    category: MatterCategory
    description: str
    source: str
    reporter: str
    script: str
    day: int
    hour: float
    urgency: str = "normal"
    case: Case | None = None
    delays: list[float] = field(default_factory=list)


@dataclass
class DemoCasesSummary:
    cases: int = 0
    events: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    seconds_services: float = 0.0
    seconds_backdate: float = 0.0
    seconds_history: float = 0.0


def _worker_of(grid_code: str, kinds: dict[str, str]) -> str:
    from .build import DEMO_GRID

    if grid_code == DEMO_GRID:
        return "worker"
    return f"sw{grid_code}" if kinds.get(grid_code) == GridKind.SPECIAL else f"gw{grid_code}"


def _dispatcher(plan: Plan, tier: str) -> str:
    from .build import DEMO_COMMUNITY, DEMO_DISTRICT, DEMO_SUBDISTRICT

    if tier == "district":
        return "district" if plan.district == DEMO_DISTRICT else f"dd{plan.district}"
    if tier == "subdistrict":
        return "subdistrict" if plan.subdistrict == DEMO_SUBDISTRICT else f"sd{plan.subdistrict}"
    return "community" if plan.community == DEMO_COMMUNITY else f"cd{plan.community}"


def _handler(district: str, suffix: str) -> str:
    from .build import DEMO_DISTRICT

    slug = HANDLER_SLUG[suffix]
    return "handler" if (district, slug) == (DEMO_DISTRICT, "police") else f"dh{district}{slug}"


def _photo() -> CheckedPhoto:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (90, 140, 90)).save(buffer, "PNG")
    return check_photo(buffer.getvalue())


class _Runner:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.users: dict[str, User] = {}
        self.units: dict[str, Unit] = {}
        self.photo = _photo()
        self.failures: Counter[str] = Counter()

    def preload(self, usernames: set[str]) -> None:
        """Read many users at once (the history's thousands of reporters and handlers)."""
        wanted = sorted(usernames - set(self.users))
        for start in range(0, len(wanted), 500):
            for user in User.objects.filter(username__in=wanted[start : start + 500]):
                self.users[user.username] = user

    def user(self, username: str) -> User:
        user = self.users.get(username)
        if user is None:
            user = self.users[username] = User.objects.get(username=username)
        return user

    def unit(self, code: str) -> Unit:
        unit = self.units.get(code)
        if unit is None:
            unit = self.units[code] = Unit.objects.get(code=code)
        return unit

    # each step: the hours since the previous step, the service call -----------------------------------------
    def step(self, plan: Plan, hours: float, call: Callable[[], Any]) -> Any:
        result = call()
        plan.delays.append(hours)
        return result

    def hours(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)


def _unit_suffix(category: MatterCategory) -> str:
    return UNIT_FOR_KIND.get(UnitKind(category.owner_unit_kind), DEFAULT_UNIT) if category.owner_unit_kind else "JU"


def _run(plan: Plan, r: _Runner, kinds: dict[str, str], opened: dict[str, list[Case]]) -> None:
    """Drive one case through its script with the services (each call one timeline row)."""
    rng = r.rng
    cat = plan.category
    h = r.hours
    key = plan.community
    script = plan.script
    target: Case | None = None
    if script == "merged":
        # A second report of something already reported, at the same place.
        candidates = [c for c in opened.get(key, []) if c.status in (Status.REPORTED, Status.ACCEPTED)]
        if candidates:
            target = candidates[-1]
            plan.lon, plan.lat, plan.place = target.lon, target.lat, target.address
            plan.category = cat = target.category
            plan.description = target.description
        else:
            script = "accepted"
    reporter = r.user(plan.reporter)
    result = r.step(
        plan,
        0,
        lambda: services.report_case(
            by=reporter,
            source=plan.source,
            category=cat,
            lon=plan.lon,
            lat=plan.lat,
            description=plan.description,
            address=plan.place,
            urgency=plan.urgency,
        ),
    )
    case: Case = result.case
    plan.case = case
    plan.grid_code = case.grid_code  # the locator decides
    worker = r.user(_worker_of(plan.grid_code, kinds))
    centre = r.user(_dispatcher(plan, case.current_tier))
    if script == "reported":
        opened.setdefault(key, []).append(case)
        return
    if script == "rejected":
        r.step(
            plan,
            h(0.3, 4),
            lambda: services.reject_case(case, by=centre, reason="经核实不属于本平台受理范围,已告知上报人。"),
        )
        return
    if target is not None:
        into = target
        r.step(
            plan,
            h(0.2, 3),
            lambda: services.merge_duplicate(case, into=into, by=centre, note="同一地点同一问题,合并办理。"),
        )
        return
    if script == "self_settled":
        if cat.self_settle_allowed and cat.grid_assignable:
            r.step(
                plan,
                h(0.2, 2),
                lambda: services.self_settle(case, by=worker, result="网格员已现场处置完毕。", photos=[r.photo]),
            )
            if rng.random() < 0.25:
                return
            r.step(plan, h(1, 20), lambda: services.verify_case(case, by=centre, note="已核查,处置到位。"))
            _maybe_rate(plan, r, case, reporter, worker, 0.7)
            return
        script = "closed"

    r.step(plan, h(0.2, 3), lambda: services.accept_case(case, by=centre))
    if script == "accepted":
        opened.setdefault(key, []).append(case)
        return
    if script == "escalated" and case.current_tier in ("community", "subdistrict"):
        reason = "涉及多个部门,本级无法协调,上报上级。"
        r.step(plan, h(0.5, 6), lambda: services.escalate_case(case, by=centre, reason=reason))
        centre = r.user(_dispatcher(plan, case.current_tier))
        if rng.random() < 0.3:
            return  # waiting at the higher centre
    suffix = _unit_suffix(cat)
    unit = r.unit(f"{plan.district}-{suffix}")
    handler = r.user(_handler(plan.district, suffix))
    if script == "returned" or (script == "closed" and rng.random() < 0.06):
        first = "JU" if suffix != "JU" else "CM"
        wrong = r.unit(f"{plan.district}-{first}")
        wrong_handler = r.user(_handler(plan.district, first))
        r.step(plan, h(0.2, 2), lambda: services.dispatch_case(case, to=wrong, by=centre))
        r.step(
            plan,
            h(0.5, 5),
            lambda: services.return_case(
                case, by=wrong_handler, reason="not_our_function", note="该事项不属于本单位职能。"
            ),
        )
        if script == "returned":
            return
    r.step(plan, h(0.2, 3), lambda: services.dispatch_case(case, to=unit, by=centre))
    if script == "dispatched":
        if rng.random() < 0.3:
            r.step(plan, h(1, 6), lambda: services.remind_case(case, by=centre, note="请尽快签收。"))
        return
    r.step(plan, h(0.2, 5), lambda: services.sign_case(case, by=handler))
    if script == "whistle":
        _whistle(plan, r, case, centre)
        return
    if script == "mediation" and cat.kind in (MatterKind.DISPUTE, MatterKind.SCREENING):
        _mediate(plan, r, case, centre)
    if script in ("in_progress", "mediation") and rng.random() < 0.5:
        roll = rng.random()
        if roll < 0.35:
            reason = "需协调相关单位,申请延期。"
            r.step(
                plan,
                h(4, 30),
                lambda: services.request_extension(case, by=handler, amount=3, unit="days", reason=reason),
            )
        elif roll < 0.7:
            r.step(plan, h(2, 20), lambda: services.remind_case(case, by=centre, note="请加快办理进度。"))
        else:
            higher = r.user(_dispatcher(plan, "district"))
            note = "群众反映强烈,请限期办结并反馈。"
            r.step(plan, h(4, 30), lambda: services.supervise_case(case, by=higher, note=note))
        return
    if script == "in_progress":
        return
    r.step(plan, h(3, 60), lambda: services.handle_case(case, by=handler, result="已按要求处置完毕,现场已恢复。"))
    if script == "to_verify":
        return
    if rng.random() < 0.08:
        r.step(plan, h(2, 24), lambda: services.redo_case(case, by=centre, reason="现场核查发现问题仍未解决。"))
        r.step(plan, h(3, 40), lambda: services.handle_case(case, by=handler, result="已重新处置,问题已解决。"))
    r.step(plan, h(1, 24), lambda: services.verify_case(case, by=centre, note="已现场核查,处置到位。"))
    if script == "reopened":
        comment = "问题没有根本解决。"
        r.step(plan, h(2, 30), lambda: services.rate_case(case, by=reporter, rating="dissatisfied", comment=comment))
        r.step(plan, h(1, 20), lambda: services.reopen_case(case, by=centre, reason="群众不满意,重新办理。"))
        return
    _maybe_rate(plan, r, case, reporter, worker, 0.75)


def _maybe_rate(plan: Plan, r: _Runner, case: Case, reporter: User, worker: User, chance: float) -> None:
    rng = r.rng
    if rng.random() >= chance:
        return
    roll = rng.random()
    rating = "satisfied" if roll < 0.72 else "basically_satisfied" if roll < 0.93 else "dissatisfied"
    comment = RATING_COMMENT
    rater = reporter if rng.random() < 0.8 else worker
    r.step(plan, r.hours(2, 48), lambda: services.rate_case(case, by=rater, rating=rating, comment=comment[rating]))


def _whistle(plan: Plan, r: _Runner, case: Case, centre: User) -> None:
    """吹哨: the police and the justice bureau summoned; they report in and finish (or not yet)."""
    codes = [f"{plan.district}-PS", f"{plan.district}-JU"]
    if case.current_unit_id in {r.unit(c).pk for c in codes}:
        codes = [f"{plan.district}-HO", f"{plan.district}-EN"]
    units = [r.unit(c) for c in codes]
    r.step(plan, r.hours(0.5, 4), lambda: services.summon_units(case, by=centre, units=units, note="多部门联合处置。"))
    for code in codes:
        _summoned_unit_acts(plan, r, case, r.user(_handler(plan.district, code.rsplit("-", 1)[1])))


def _summoned_unit_acts(plan: Plan, r: _Runner, case: Case, handler: User) -> None:
    """Most summoned units report in; about half of those have finished their part."""
    if r.rng.random() < 0.25:
        return
    r.step(plan, r.hours(0.3, 3), lambda: services.report_in(case, by=handler, note="已报到。"))
    if r.rng.random() < 0.5:
        r.step(plan, r.hours(2, 24), lambda: services.finish_part(case, by=handler, result="本单位分工已完成。"))


def _mediate(plan: Plan, r: _Runner, case: Case, community: User) -> None:
    rng = r.rng
    a, b = rng.sample(SURNAMES, 2)
    parties = [(f"{a}某", "申请人"), (f"{b}某", "被申请人")]
    mediators = [("网格员", "grid_worker"), ("社区调委会主任", "cadre")]
    r.step(
        plan,
        r.hours(0.5, 5),
        lambda: services.open_mediation(
            case, by=community, parties=parties, mediators=mediators, risk_level=rng.choice(["low", "low", "medium"])
        ),
    )
    agreed = rng.random() < 0.7
    today = timezone.localdate()
    r.step(
        plan,
        r.hours(4, 48),
        lambda: services.record_session(
            case,
            by=community,
            held_on=today,
            outcome="双方当面协商,已达成调解协议。" if agreed else "双方分歧较大,未达成一致。",
            agreement_reached=agreed,
        ),
    )
    if agreed:
        r.step(
            plan,
            r.hours(2, 24),
            lambda: services.advance_mediation(
                case, by=community, stage="resolved", agreement_text="双方自愿达成协议,各自履行。"
            ),
        )
    else:
        r.step(plan, r.hours(2, 24), lambda: services.advance_mediation(case, by=community, stage="assessing"))


# --- planning ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quota:
    """How many cases to plan: in 惠城区 (of which in the demo community, of which on the demo grid) and in the
    other districts; and the scripts to draw from."""

    huicheng: int
    elsewhere: int
    community: int
    grid: int
    scripts: tuple[tuple[str, float], ...]


#: Driven through the services: the recent and open cases, and closed ones with every kind of step.
SERVICES = Quota(HUICHENG_CASES, ELSEWHERE_CASES, DEMO_COMMUNITY_CASES, DEMO_GRID_CASES, SCRIPTS)
#: Written in bulk: the history of the last :data:`DAYS` days, closed (most of them rated) or rejected.
HISTORY = Quota(HUICHENG_HISTORY, ELSEWHERE_HISTORY, DEMO_COMMUNITY_HISTORY, DEMO_GRID_HISTORY, HISTORY_SCRIPTS)


def _plan(rng: random.Random, quota: Quota = SERVICES) -> tuple[list[Plan], dict[str, str]]:
    from .build import DEMO_COMMUNITY, DEMO_GRID

    grids = list(
        Grid.objects.current()
        .filter(kind__in=[GridKind.COMPREHENSIVE, GridKind.SPECIAL], region_code__startswith="4413")
        .order_by("code")
        .values_list("code", "kind", "region_code")
    )
    kinds = {code: kind for code, kind, _r in grids}
    huicheng = [g for g in grids if g[0].startswith(HUICHENG)]
    elsewhere = [g for g in grids if not g[0].startswith(HUICHENG)]
    demo_community = [g for g in huicheng if g[2] == DEMO_COMMUNITY and g[0] != DEMO_GRID]
    chosen: list[tuple[str, str, str]] = []
    chosen += [next(g for g in huicheng if g[0] == DEMO_GRID)] * quota.grid
    chosen += [rng.choice(demo_community) for _ in range(quota.community - quota.grid)]
    chosen += [rng.choice(huicheng) for _ in range(quota.huicheng - len(chosen))]
    chosen += [rng.choice(elsewhere) for _ in range(quota.elsewhere)]

    buildings: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    wanted = sorted({g[0] for g in chosen})
    for start in range(0, len(wanted), 500):
        rows = (
            Building.objects.filter(grid__code__in=wanted[start : start + 500])
            .order_by("code")
            .values_list("grid__code", "name", "lon", "lat")
        )
        for grid_code, name, lon, lat in rows:
            buildings[grid_code].append((name, lon, lat))

    categories = [
        c
        for c in MatterCategory.objects.in_force().order_by("code")
        if len(c.code) == 4 and c.kind not in NEVER_GRID_ASSIGNABLE
    ]
    weights = [
        MAJOR_WEIGHT.get(c.code[:2], 5) / sum(1 for d in categories if d.code[:2] == c.code[:2]) for c in categories
    ]
    script_names = [s for s, _w in quota.scripts]
    script_weights = [w for _s, w in quota.scripts]

    plans: list[Plan] = []
    for index, (grid_code, _kind, community) in enumerate(chosen):
        points = buildings.get(grid_code)
        if not points:
            continue
        place, lon, lat = rng.choice(points)
        category = rng.choices(categories, weights)[0]
        script = rng.choices(script_names, script_weights)[0]
        if script == "mediation" and category.kind not in (MatterKind.DISPUTE, MatterKind.SCREENING):
            category = rng.choice([c for c in categories if c.kind == MatterKind.DISPUTE])
        source = rng.choices(["patrol", "resident", "hotline", "online_grid"], [60, 12, 18, 10])[0]
        if source == "patrol" or source == "online_grid":
            reporter = _worker_of(grid_code, kinds)
        elif source == "resident" and community == DEMO_COMMUNITY:
            reporter = "resident"
        else:
            source = "hotline"
            reporter = "community" if community == DEMO_COMMUNITY else f"cd{community}"
        # Open cases are recent; closed ones spread over the whole period.
        day = int(rng.triangular(0, 12, 0)) if script in OPEN_SCRIPTS else int(rng.uniform(1, DAYS))
        description = rng.choice(TEMPLATES.get(category.code, FALLBACK)).format(p=place)
        urgency = "urgent" if category.kind == MatterKind.EMERGENCY else rng.choices(["normal", "urgent"], [92, 8])[0]
        plans.append(
            Plan(
                index=index,
                grid_code=grid_code,
                community=community,
                subdistrict=community[:9],
                district=community[:6],
                lon=lon,
                lat=lat,
                place=place,
                category=category,
                description=description,
                source=source,
                reporter=reporter,
                script=script,
                day=day,
                hour=rng.uniform(8.5, 17.5),
                urgency=urgency,
            )
        )
    return plans, kinds


# --- the build --------------------------------------------------------------------------------------------------


def build_demo_cases(*, progress: Callable[[float], None] | None = None) -> DemoCasesSummary:
    """Make the demo's cases (inside the caller's transaction); see the module docstring."""
    import time

    started = time.monotonic()
    rng = random.Random(SEED + 11)
    plans, kinds = _plan(rng)
    runner = _Runner(random.Random(SEED + 12))
    opened: dict[str, list[Case]] = {}
    step = max(1, len(plans) // 20)
    for n, plan in enumerate(plans, start=1):
        _run(plan, runner, kinds, opened)
        if progress is not None and n % step == 0:
            progress(step / len(plans))
    services_done = time.monotonic()
    now = timezone.now()
    events = _backdate(plans, now, random.Random(SEED + 13))
    backdated = time.monotonic()
    history_rng = random.Random(SEED + 21)
    history_plans, _kinds = _plan(history_rng, HISTORY)
    history = write_history(_history(history_plans, _Runner(random.Random(SEED + 22)), kinds, now), now)
    events += CaseEvent.objects.filter(case_id__in=[c.pk for c in history]).count()
    if progress is not None:
        progress(1 - step * (len(plans) // step) / len(plans))
    pks = [p.case.pk for p in plans if p.case] + [c.pk for c in history]
    summary = DemoCasesSummary(
        cases=len(pks),
        events=events,
        by_status=dict(Counter(Case.objects.filter(pk__in=pks).values_list("status", flat=True))),
        seconds_services=services_done - started,
        seconds_backdate=backdated - services_done,
        seconds_history=time.monotonic() - backdated,
    )
    return summary


def delete_demo_cases(prefix: str) -> None:
    """Delete the cases located under ``prefix`` (before the demo's territory, units and people go)."""
    cases = Case.objects.filter(community_code__startswith=prefix)
    Case.objects.filter(duplicate_of__in=cases).update(duplicate_of=None)
    cases.delete()


#: Per case: the original times of its timeline rows (in order) and their new times.
Moves = dict[int, tuple[list[datetime.datetime], list[datetime.datetime]]]

# --- moving the clock back --------------------------------------------------------------------------------------


def _limit(category: MatterCategory, stage: str) -> tuple[int, str]:
    name = STAGE_LIMIT_FIELD[stage]  # type: ignore[index]
    return getattr(category, name), getattr(category, f"{name}_unit")


def _backdate(plans: list[Plan], now: datetime.datetime, rng: random.Random) -> int:
    """Give every case its scripted times: report at ``day`` days ago at ``hour`` (Shanghai), each step its delay
    later (compressed to end before now); then deadlines, overdue flags and the times of everything around."""
    local_now = timezone.localtime(now)
    by_case = {p.case.pk: p for p in plans if p.case is not None}
    rows = list(
        CaseEvent.objects.filter(case_id__in=list(by_case))
        .order_by("case_id", "id")
        .values_list("id", "case_id", "at", "action", "from_status", "to_status", "data")
    )
    per_case: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        per_case[row[1]].append(row)

    event_at: list[tuple[datetime.datetime, int]] = []
    case_rows: list[tuple[Any, ...]] = []
    summons_rows: list[tuple[Any, ...]] = []
    mediation_rows: list[tuple[Any, ...]] = []
    session_rows: list[tuple[Any, ...]] = []
    #: (case id, original time, new time) of every event, to move notifications and photos with them.
    moves: Moves = {}
    summonses = defaultdict(list)
    for s in CaseSummons.objects.filter(case_id__in=list(by_case)).values_list("id", "case_id", "unit_id"):
        summonses[s[1]].append(s)
    mediations = dict(Mediation.objects.filter(case_id__in=list(by_case)).values_list("case_id", "id"))
    sessions = defaultdict(list)
    for sid, mid in (
        MediationSession.objects.filter(mediation_id__in=list(mediations.values()))
        .order_by("id")
        .values_list("id", "mediation_id")
    ):
        sessions[mid].append(sid)

    cases = {
        c.pk: c
        for c in Case.objects.filter(pk__in=list(by_case)).only("id", "status", "rating", "extension_requested_at")
    }
    summons_hours = settings.GRIDGOV_SUMMONS_HOURS
    for pk, events in per_case.items():
        plan = by_case[pk]
        case = cases[pk]
        category = plan.category
        if len(events) != len(plan.delays):
            raise RuntimeError(f"case {pk}: {len(events)} timeline rows, {len(plan.delays)} scripted steps")
        total = sum(plan.delays)
        if plan.script in OPEN_SCRIPTS:
            # Still moving: its last step was recently (so its current deadline is near, or just passed).
            latest = now - datetime.timedelta(hours=min(rng.expovariate(1 / 14), 120) + 0.1)
            start = latest - datetime.timedelta(hours=total)
        else:
            day = local_now.date() - datetime.timedelta(days=plan.day)
            start = datetime.datetime.combine(day, datetime.time(), tzinfo=local_now.tzinfo) + datetime.timedelta(
                hours=plan.hour
            )
            latest = now - datetime.timedelta(minutes=rng.uniform(5, 90))
            if start > latest:
                start = latest - datetime.timedelta(hours=rng.uniform(0.2, 2))
        room = (latest - start).total_seconds() / 3600
        scale = min(1.0, room / total) if total > 0 else 1.0
        times = _schedule(start, plan.delays, scale, latest, daytime=True)
        if times[-1] > latest:  # the nights skipped pushed it past now: keep the plain clock
            times = _schedule(start, plan.delays, scale, latest, daytime=False)
        moves[pk] = ([e[2] for e in events], times)
        event_at.extend((when, e[0]) for when, e in zip(times, events, strict=True))

        clock = _stage_clock(category, times, [e[3:6] for e in events], case.status, now)
        overdue, due_at, flagged = clock.overdue, clock.due_at, clock.flagged
        closed_at, rated_at, extension_at = clock.closed_at, clock.rated_at, clock.extension_at
        case_rows.append(
            (
                times[0],
                times[-1],
                due_at,
                flagged,
                overdue,
                closed_at if case.status == Status.CLOSED else None,
                rated_at if case.rating else None,
                extension_at if case.extension_requested_at else None,
                pk,
            )
        )
        # Whistle: summoned at the summon row, report-in and part done at their rows (matched by unit).
        if pk in summonses:
            summoned = next(when for when, e in zip(times, events, strict=True) if e[3] == "summon")
            deadline = add_working_time(summoned, summons_hours, "hours")
            for sid, _case, unit_id in summonses[pk]:
                reported = next(
                    (
                        w
                        for w, e in zip(times, events, strict=True)
                        if e[3] == "report_in" and e[6].get("unit") == unit_id
                    ),
                    None,
                )
                done = next(
                    (
                        w
                        for w, e in zip(times, events, strict=True)
                        if e[3] == "finish_part" and e[6].get("unit") == unit_id
                    ),
                    None,
                )
                late = reported is not None and reported > deadline
                summons_rows.append((summoned, deadline, reported, done, late, sid))
        if pk in mediations:
            mediate = [(w, e) for w, e in zip(times, events, strict=True) if e[3] == "mediate"]
            mediation_rows.append((mediate[0][0], mediate[-1][0], mediations[pk]))
            held = [timezone.localtime(w).date() for w, e in mediate if e[6].get("step") == "session"]
            session_rows.extend(zip(held, sessions[mediations[pk]], strict=False))

    ce, c, cs = CaseEvent._meta.db_table, Case._meta.db_table, CaseSummons._meta.db_table
    m, ms = Mediation._meta.db_table, MediationSession._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {ce} SET at = %s WHERE id = %s", _adapted(event_at))
        json_rows = [(*r[:4], _json(r[4]), *r[5:]) for r in case_rows]
        cursor.executemany(
            f"UPDATE {c} SET created_at = %s, updated_at = %s, due_at = %s, due_flagged = %s, overdue_stages = %s, "
            "closed_at = %s, rated_at = %s, extension_requested_at = %s WHERE id = %s",
            _adapted(json_rows),
        )
        if summons_rows:
            cursor.executemany(
                f"UPDATE {cs} SET summoned_at = %s, deadline = %s, reported_in_at = %s, part_done_at = %s, "
                "flagged_late = %s WHERE id = %s",
                _adapted(summons_rows),
            )
        if mediation_rows:
            cursor.executemany(
                f"UPDATE {m} SET created_at = %s, updated_at = %s WHERE id = %s", _adapted(mediation_rows)
            )
        if session_rows:
            cursor.executemany(f"UPDATE {ms} SET held_on = %s WHERE id = %s", session_rows)
    _move_around(moves, now)
    return len(event_at)


@dataclass
class _Clock:
    overdue: dict[str, bool]
    due_at: datetime.datetime | None
    flagged: bool
    closed_at: datetime.datetime | None
    rated_at: datetime.datetime | None
    extension_at: datetime.datetime | None


def _stage_clock(
    category: MatterCategory,
    times: list[datetime.datetime],
    steps: list[tuple[str, str, str]],
    status: str,
    now: datetime.datetime,
) -> _Clock:
    """What the clock would have decided for a timeline of (action, from status, to status) at ``times``: each
    stage's deadline from its start in working time, the stages left late (frozen, as ``freeze_overdue`` does),
    the current deadline and whether the sweep would have flagged it by ``now``."""
    overdue: dict[str, bool] = {}
    stage_start = times[0]
    closed_at = rated_at = extension_at = None
    for when, (action, from_status, to_status) in zip(times[1:], steps[1:], strict=True):
        stage = STAGE_OF_STATUS.get(from_status)
        moved = to_status != from_status or action == "escalate"
        if stage is not None and moved:
            amount, unit = _limit(category, stage)
            if when > add_working_time(stage_start, amount, unit):
                overdue[str(stage)] = True
            stage_start = when
        elif moved:
            stage_start = when
        if action == "verify":
            closed_at = when
        elif action == "reopen":
            closed_at = rated_at = None
        elif action == "rate":
            rated_at = when
        elif action == "request_extension":
            extension_at = when
    current = STAGE_OF_STATUS.get(status)
    due_at = None
    flagged = False
    if current is not None:
        amount, unit = _limit(category, current)
        due_at = add_working_time(stage_start, amount, unit)
        if due_at < now:
            flagged = True
            overdue[str(current)] = True
    return _Clock(overdue, due_at, flagged, closed_at, rated_at, extension_at)


def _schedule(
    start: datetime.datetime, delays: list[float], scale: float, latest: datetime.datetime, *, daytime: bool
) -> list[datetime.datetime]:
    times: list[datetime.datetime] = []
    t = start
    for delay in delays:
        t = t + datetime.timedelta(hours=delay * scale)
        if daytime:
            t = _daytime(t, latest)
        times.append(t)
    return times


def _daytime(when: datetime.datetime, latest: datetime.datetime) -> datetime.datetime:
    """People act between 08:00 and 20:00: a step that falls in the night moves to the next morning (as long as
    that morning has already come)."""
    local = timezone.localtime(when)
    if 8 <= local.hour < 20:
        return when
    morning = local.replace(hour=8, minute=0, second=0, microsecond=0)
    if local.hour >= 20:
        morning += datetime.timedelta(days=1)
    moved = morning + datetime.timedelta(minutes=local.minute)
    return moved if moved <= latest else when


def _adapted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows for a raw ``executemany`` with their datetimes as the ORM writes them: on SQLite a naive UTC string.
    (Handing sqlite3 an aware Asia/Shanghai datetime stores "…+08:00", which SQL compares as text against the
    ORM's UTC strings — 8 hours off in every filter and ordering.)"""
    adapt = connection.ops.adapt_datetimefield_value
    return [tuple(adapt(v) if isinstance(v, datetime.datetime) else v for v in row) for row in rows]


def _json(value: dict[str, bool]) -> str:
    import json

    return json.dumps(value, sort_keys=True)


def _moved(moves: Moves, case_id: int, when: Any) -> Any:
    """The new time of something written at ``when`` for ``case_id``: that of the last timeline row written at or
    before it (the row of the same service call)."""
    original, new = moves[case_id]
    i = bisect.bisect_right(original, when) - 1
    return new[max(i, 0)]


def _move_around(moves: Moves, now: datetime.datetime) -> None:
    """Notifications and photos move with the timeline rows they were written with; notifications older than two
    days are read."""
    from django.contrib.contenttypes.models import ContentType

    case_type = ContentType.objects.get_for_model(Case)
    read_before = now - datetime.timedelta(days=2)
    notes = []
    for pk, target, created in Notification.objects.filter(target_content_type=case_type).values_list(
        "id", "target_object_id", "created_at"
    ):
        case_id = int(target) if str(target).isdigit() else None
        if case_id is None or case_id not in moves:
            continue
        when = _moved(moves, case_id, created)
        notes.append((when, when if when < read_before else None, pk))
    photos = [
        (_moved(moves, case_id, created), pk)
        for pk, case_id, created in CaseAttachment.objects.filter(case_id__in=list(moves)).values_list(
            "id", "case_id", "created_at"
        )
    ]
    n, a = Notification._meta.db_table, CaseAttachment._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {n} SET created_at = %s, read_at = %s WHERE id = %s", _adapted(notes))
        cursor.executemany(f"UPDATE {a} SET created_at = %s WHERE id = %s", _adapted(photos))


# --- the history: closed cases written in bulk ------------------------------------------------------------------

REJECT_REASON = "经核实不属于本平台受理范围,已告知上报人。"
HANDLE_RESULT = "已按要求处置完毕,现场已恢复。"
VERIFY_NOTE = "已现场核查,处置到位。"
RATING_COMMENT = {
    "satisfied": "处理及时,很满意。",
    "basically_satisfied": "基本解决。",
    "dissatisfied": "处理效果不理想。",
}


@dataclass
class HistoricCase:
    """A past case as the services would have received it: who reported what where, who acted on it, and the
    hours between the steps. ``script`` is "closed" (accept → dispatch → sign → handle → verify, then a rating if
    ``rating``) or "rejected"."""

    category: MatterCategory
    source: str
    lon: float
    lat: float
    place: str
    description: str
    urgency: str
    reporter: User
    centre: User
    script: str
    delays: list[float]
    start: datetime.datetime
    unit: Unit | None = None
    handler: User | None = None
    rater: User | None = None
    rating: str = ""


#: One timeline row to write: (action, actor, note, data).
HistoryStep = tuple[str, User, str, dict[str, Any]]


def history_steps(h: HistoricCase) -> list[HistoryStep]:
    """The service calls of the script, each as the timeline row its service writes."""
    steps: list[HistoryStep] = [("report", h.reporter, "", {"source": h.source})]
    if h.script == "rejected":
        return [*steps, ("reject", h.centre, REJECT_REASON, {})]
    if h.unit is None or h.handler is None:
        raise ValueError("a closed case needs its unit and handler")
    steps += [
        ("accept", h.centre, "", {}),
        ("dispatch", h.centre, "", {"unit": h.unit.pk, "unit_name": h.unit.name}),
        ("sign", h.handler, "", {"unit": h.unit.pk}),
        ("handle", h.handler, HANDLE_RESULT, {}),
        ("verify", h.centre, VERIFY_NOTE, {}),
    ]
    if h.rating and h.rater is not None:
        comment = RATING_COMMENT[h.rating]
        steps.append(("rate", h.rater, comment, {"rating": h.rating, "call_back": h.reporter.pk != h.rater.pk}))
    return steps


def write_history(items: list[HistoricCase], now: datetime.datetime) -> list[Case]:
    """Write past cases with ``bulk_create``: the case rows, their timeline rows and ratings exactly as the
    services would have left them (statuses from the workflow table, one version per transition, times in
    office hours, deadlines and overdue flags from :func:`_stage_clock`). Not written: the notifications and
    deliveries of those days (long read and delivered) and photos. ``tests/test_demo_history.py`` checks the rows
    against the same case driven through the services."""
    from gridgov.cases.services.intake import _content, content_hash, take_numbers
    from gridgov.cases.workflow import TRANSITIONS
    from gridgov.territory.locator import get_locator
    from gridgov.units.models import Tier

    locator = get_locator()
    grid_ids = dict(Grid.objects.current().values_list("code", "pk"))
    numbers = iter(take_numbers(now, len(items)))
    cases: list[Case] = []
    timelines: list[tuple[list[HistoryStep], list[datetime.datetime]]] = []
    for h in items:
        location = locator.locate(h.lon, h.lat)
        if location is None or location.grid_code is None:
            raise ValueError(f"historic case at {h.lon}, {h.lat} lies in no grid")
        content = _content(h.source, h.category.pk, h.lon, h.lat, h.description, h.place.strip(), h.urgency, [])
        category = h.category
        case = Case(
            number=next(numbers),
            source=h.source,
            category=category,
            lon=content["lon"],
            lat=content["lat"],
            grid_id=grid_ids.get(location.grid_code),
            grid_code=location.grid_code,
            community_code=location.community_code or "",
            subdistrict_code=location.subdistrict_code or "",
            district_code=location.district_code or "",
            address=content["address"],
            description=content["description"],
            reporter=h.reporter,
            urgency=h.urgency,
            current_tier=Tier.COMMUNITY if category.default_tier == Tier.GRID else category.default_tier,
            status=Status.REPORTED,
            content_hash=content_hash(content),
        )
        steps = history_steps(h)
        times = _history_times(h, now)
        transitions: list[tuple[str, str, str]] = [("report", "", Status.REPORTED)]
        for action, actor, note, data in steps[1:]:
            before = case.status
            case.status = TRANSITIONS[action].target_for(case)
            transitions.append((action, before, case.status))
            case.version += 1
            if action == "dispatch":
                case.current_unit = h.unit
            elif action in ("handle", "self_settle"):
                case.result = note
            elif action == "rate":
                case.rating, case.rating_comment, case.rated_by = data["rating"], note, actor
        clock = _stage_clock(category, times, transitions, case.status, now)
        case.due_at, case.due_flagged, case.overdue_stages = clock.due_at, clock.flagged, clock.overdue
        case.closed_at = clock.closed_at if case.status == Status.CLOSED else None
        case.rated_at = clock.rated_at if case.rating else None
        cases.append(case)
        timelines.append(([(a, actor, note, data) for a, actor, note, data in steps], times))
    Case.objects.bulk_create(cases, batch_size=500)
    # created_at and updated_at are auto fields: bulk_create stamps them now; give them the timeline's times.
    stamps = [(times[0], times[-1], case.pk) for case, (_steps, times) in zip(cases, timelines, strict=True)]
    for case, (created, updated, _pk) in zip(cases, stamps, strict=True):
        case.created_at, case.updated_at = created, updated
    # The timeline rows: tens of thousands, so plain INSERTs (the ORM's per-field preparation would cost more
    # than everything else here); the values are those CaseEvent.objects.create() would write.
    json_value = connection.ops.adapt_json_value
    events = []
    for case, (steps, times) in zip(cases, timelines, strict=True):
        status = ""
        for (action, actor, note, data), when in zip(steps, times, strict=True):
            after = Status.REPORTED if action == "report" else TRANSITIONS[action].target or status
            events.append((case.pk, actor.pk, when, action, status, after, note, json_value(data, None)))
            status = after
    c, ce = Case._meta.db_table, CaseEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {c} SET created_at = %s, updated_at = %s WHERE id = %s", _adapted(stamps))
        cursor.executemany(
            f"INSERT INTO {ce} (case_id, actor_id, at, action, from_status, to_status, note, data) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            _adapted(events),
        )
    return cases


def _history_times(h: HistoricCase, now: datetime.datetime) -> list[datetime.datetime]:
    """The steps at their delays from ``h.start`` in office hours (as :func:`_backdate` places a closed case),
    compressed to end before ``now``."""
    latest = now - datetime.timedelta(minutes=5)
    total = sum(h.delays)
    room = (latest - h.start).total_seconds() / 3600
    scale = min(1.0, room / total) if total > 0 else 1.0
    times = _schedule(h.start, h.delays, scale, latest, daytime=True)
    if times[-1] > latest:
        times = _schedule(h.start, h.delays, scale, latest, daytime=False)
    return times


def _history(plans: list[Plan], r: _Runner, kinds: dict[str, str], now: datetime.datetime) -> list[HistoricCase]:
    """Resolve the history's plans into :class:`HistoricCase` (the same people and units as the services' cases;
    the same step delays as :func:`_run`)."""
    from gridgov.territory.locator import get_locator

    locator = get_locator()
    local_now = timezone.localtime(now)
    wanted = {p.reporter for p in plans}
    for plan in plans:
        wanted |= {_worker_of(plan.grid_code, kinds), *(_dispatcher(plan, t) for t in ("community", "subdistrict"))}
        wanted |= {_handler(plan.district, suffix) for suffix in HANDLER_SLUG}
    r.preload(wanted)
    items = []
    for plan in plans:
        located = locator.locate(plan.lon, plan.lat)
        if located is not None and located.grid_code:
            plan.grid_code = located.grid_code  # the locator decides, as at intake
        rng = r.rng
        h = r.hours
        cat = plan.category
        tier = "community" if cat.default_tier == "grid" else cat.default_tier
        reporter = r.user(plan.reporter)
        centre = r.user(_dispatcher(plan, tier))
        day = local_now.date() - datetime.timedelta(days=plan.day)
        start = datetime.datetime.combine(day, datetime.time(), tzinfo=local_now.tzinfo) + datetime.timedelta(
            hours=plan.hour
        )
        item = HistoricCase(
            category=cat,
            source=plan.source,
            lon=plan.lon,
            lat=plan.lat,
            place=plan.place,
            description=plan.description,
            urgency=plan.urgency,
            reporter=reporter,
            centre=centre,
            script=plan.script,
            delays=[0.0],
            start=start,
        )
        if plan.script == "rejected":
            item.delays.append(h(0.3, 4))
        else:
            suffix = _unit_suffix(cat)
            item.unit = r.unit(f"{plan.district}-{suffix}")
            item.handler = r.user(_handler(plan.district, suffix))
            item.delays += [h(0.2, 3), h(0.2, 3), h(0.2, 5), h(3, 60), h(1, 24)]
            if rng.random() < 0.75:
                roll = rng.random()
                item.rating = "satisfied" if roll < 0.72 else "basically_satisfied" if roll < 0.93 else "dissatisfied"
                item.rater = reporter if rng.random() < 0.8 else r.user(_worker_of(plan.grid_code, kinds))
                item.delays.append(h(2, 48))
        items.append(item)
    return items
