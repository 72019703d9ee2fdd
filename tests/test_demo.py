"""``build_demo()``: the whole Huizhou demo city in the database, built once for this module and deleted after it
so that other tests see an empty database."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import shapely
from django.db.models import Count, Sum
from django.test import Client

from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.roles import Role
from gridgov.core.geo import area_m2, from_wkb
from gridgov.demo.build import (
    DEMO_ACCOUNTS,
    DEMO_COMMUNITY,
    DEMO_DISTRICT,
    DEMO_GRID,
    DemoSummary,
    build_demo,
    delete_demo,
    demo_counts,
    demo_state,
)
from gridgov.territory.models import Building, Grid, GridKind, House, Region
from gridgov.territory.services import current_version
from gridgov.units.models import Unit, UnitKind

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock():
        assert demo_state() == "absent"
        summary = build_demo(progress=False, stdout=io.StringIO())
        try:
            yield summary
        finally:
            delete_demo()
            _delete_matter_list()


def _delete_matter_list() -> None:
    """The matter list is reference data that ``delete_demo`` keeps; other tests expect none."""
    from gridgov.matters.models import MatterCategory, MatterChange

    MatterChange.objects.all().delete()
    MatterCategory.objects.exclude(parent=None).delete()
    MatterCategory.objects.all().delete()


def test_it_builds_3533_comprehensive_grids(built: DemoSummary) -> None:
    assert built.built
    assert Grid.objects.filter(kind=GridKind.COMPREHENSIVE).count() == 3533
    assert built.counts["comprehensive"] == 3533
    assert Grid.objects.filter(kind=GridKind.SPECIAL).count() >= 15
    assert Grid.objects.filter(kind=GridKind.MICRO).values("parent").distinct().count() == 20
    assert Grid.objects.filter(kind=GridKind.SPECIALIZED).count() >= 3


def test_every_comprehensive_grid_has_one_full_time_worker_and_53_have_a_part_time_second(built: DemoSummary) -> None:
    workers = RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid__kind=GridKind.COMPREHENSIVE)
    assert workers.count() == 3586
    assert workers.filter(part_time=True).count() == 53
    full_time = Counter(workers.filter(part_time=False).values_list("grid_id", flat=True))
    assert len(full_time) == 3533 and set(full_time.values()) == {1}
    assert workers.values("user").distinct().count() == 3586  # one person, one grid (一格一员)


def test_special_grids_are_staffed_by_their_own_units(built: DemoSummary) -> None:
    special = Grid.objects.filter(kind=GridKind.SPECIAL)
    staffed = RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid__in=special)
    assert staffed.values("grid").distinct().count() == special.count()
    assert all(special.values_list("owner_unit", flat=True))


def test_every_region_passes_full_clean(built: DemoSummary) -> None:
    regions = list(Region.objects.select_related("parent"))
    assert len(regions) == built.counts["regions"] == 1179
    assert Counter(r.level for r in regions) == {
        "province": 1,
        "city": 1,
        "district": 5,
        "subdistrict": 72,
        "community": 1100,
    }
    for region in regions:
        region.full_clean()


def test_every_grid_passes_its_code_rules(built: DemoSummary) -> None:
    for grid in Grid.objects.select_related("region", "parent"):
        grid.clean()
    for grid in Grid.objects.filter(region__code=DEMO_COMMUNITY):
        grid.full_clean()


def test_comprehensive_and_special_grids_partition_every_community(built: DemoSummary) -> None:
    polygons = defaultdict(list)
    territorial = Grid.objects.filter(kind__in=[GridKind.COMPREHENSIVE, GridKind.SPECIAL])
    for code, wkb in territorial.values_list("region__code", "boundary_wkb"):
        polygons[code].append(from_wkb(wkb))
    communities = Region.objects.filter(level="community")
    assert len(polygons) == communities.count() == 1100
    for code, wkb in communities.values_list("code", "boundary_wkb"):
        community = from_wkb(wkb)
        assert community is not None
        parts = polygons[code]
        union = shapely.union_all(parts)
        assert area_m2(community.difference(union)) < 1.0, code
        assert area_m2(union.difference(community)) < 1.0, code
        tree = shapely.STRtree(parts)
        left, right = tree.query(parts, predicate="intersects")
        pairs = left < right
        overlap = shapely.intersection(np.asarray(parts)[left[pairs]], np.asarray(parts)[right[pairs]])
        assert sum(area_m2(g) for g in overlap) < 1.0, code


def test_the_coverage_check_reports_no_gap_and_no_overlap_in_any_district(built: DemoSummary) -> None:
    from gridgov.territory.coverage import check_coverage

    for district in Region.objects.filter(level="district"):
        result = check_coverage(district)
        assert result.ok, (district.code, result.totals(), [m.totals() for m in result.micro if not m.ok])
        assert (
            result.grid_count
            == Grid.objects.filter(
                region_code__startswith=district.code, kind__in=[GridKind.COMPREHENSIVE, GridKind.SPECIAL]
            ).count()
        )
        assert len(result.micro) == (20 if district.code == "441302" else 0)


def test_households_add_up_to_a_city_of_about_six_million(built: DemoSummary) -> None:
    households = Building.objects.aggregate(n=Sum("households"))["n"]
    assert abs(households * 2.85 - 6_000_000) / 6_000_000 < 0.05
    assert House.objects.count() == households  # one House per household
    grid_sums = dict(
        Grid.objects.filter(kind__in=[GridKind.COMPREHENSIVE, GridKind.SPECIAL])
        .annotate(total=Sum("buildings__households"))
        .values_list("code", "total")
    )
    estimates = dict(
        Grid.objects.filter(kind__in=[GridKind.COMPREHENSIVE, GridKind.SPECIAL]).values_list(
            "code", "households_estimate"
        )
    )
    assert grid_sums == estimates


def test_buildings_lie_inside_their_grids_and_extend_their_codes(built: DemoSummary) -> None:
    by_grid = defaultdict(list)
    for grid_code, code, lon, lat in Building.objects.values_list("grid__code", "code", "lon", "lat"):
        assert code.startswith(grid_code) and len(code) == len(grid_code) + 5
        by_grid[grid_code].append((lon, lat))
    assert len(by_grid) == Grid.objects.filter(kind__in=[GridKind.COMPREHENSIVE, GridKind.SPECIAL]).count()
    for code, wkb in Grid.objects.filter(code__in=list(by_grid)).values_list("code", "boundary_wkb"):
        xy = np.asarray(by_grid[code])
        assert shapely.intersects_xy(from_wkb(wkb), xy[:, 0], xy[:, 1]).all(), code
    kinds = set(Building.objects.values_list("kind", flat=True).distinct())
    assert kinds == {"residential", "self_built", "rental", "commercial", "factory", "other"}


def test_staff_roles_cover_every_level(built: DemoSummary) -> None:
    held = dict(RoleAssignment.objects.values_list("role").annotate(n=Count("id")))
    assert held[Role.COMMUNITY_DISPATCHER] == 1100
    assert held[Role.SUBDISTRICT_DISPATCHER] == 72
    assert held[Role.DISTRICT_DISPATCHER] == 5
    assert held[Role.DEPARTMENT_HANDLER] >= 5
    assert held[Role.LEADER] == 1 and held[Role.ADMINISTRATOR] == 1 and held[Role.RESIDENT] >= 1
    heads = RoleAssignment.objects.filter(role=Role.GRID_HEAD)
    assert (
        heads.values("grid").distinct().count()
        == Grid.objects.filter(kind__in=[GridKind.COMPREHENSIVE, GridKind.SPECIAL]).count()
    )
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_every_district_and_sub_district_has_its_units_with_jurisdiction(built: DemoSummary) -> None:
    units = Unit.objects.filter(region__code__startswith="4413")
    assert built.counts["units"] == units.count() == 5 * 15 + 72 * 5 + 1100
    for district in Region.objects.filter(level="district"):
        kinds = set(units.filter(region=district).values_list("kind", flat=True))
        assert {
            UnitKind.GOVERNANCE_CENTRE,
            UnitKind.POLICE,
            UnitKind.COURT,
            UnitKind.PROCURATORATE,
            UnitKind.JUSTICE,
            UnitKind.CITY_MANAGEMENT,
            UnitKind.HOUSING,
            UnitKind.ENVIRONMENT,
            UnitKind.MARKET_SUPERVISION,
            UnitKind.FIRE,
            UnitKind.UTILITIES,
            UnitKind.SOCIAL_ORGANISATION,
            UnitKind.VOLUNTEER_TEAM,
        } <= kinds, district.code
    per_subdistrict = Counter(units.filter(tier="subdistrict").values_list("region__code", flat=True))
    assert len(per_subdistrict) == 72 and set(per_subdistrict.values()) == {5}
    assert units.filter(tier="community", kind=UnitKind.GOVERNANCE_CENTRE).count() == 1100
    assert not units.filter(jurisdiction__isnull=True).exists()


def test_department_handlers_are_members_of_their_district_units(built: DemoSummary) -> None:
    from gridgov.accounts.scope import scope_for
    from gridgov.units.selectors import unit_for

    handlers = RoleAssignment.objects.filter(role=Role.DEPARTMENT_HANDLER)
    assert handlers.count() == 25 and not handlers.filter(unit__isnull=True).exists()
    demo = handlers.select_related("unit__region").get(user__username="handler")
    assert demo.unit is not None and demo.unit.kind == UnitKind.POLICE and demo.unit.region.code == DEMO_DISTRICT
    scope = scope_for(demo.user, "grid", "view")
    assert not scope.everything and scope.region_prefixes == frozenset({DEMO_DISTRICT})
    station = unit_for(DEMO_COMMUNITY, UnitKind.POLICE)
    assert station is not None and station.region.code == DEMO_COMMUNITY[:9]


def test_the_default_matter_list_is_loaded(built: DemoSummary) -> None:
    from gridgov.matters.models import MatterCategory

    assert built.counts["matter_categories"] == MatterCategory.objects.count() >= 50
    assert MatterCategory.objects.in_force().filter(grid_assignable=True).exists()


def test_the_demo_accounts_hold_the_described_roles(built: DemoSummary) -> None:
    worker = RoleAssignment.objects.get(user__username="worker")
    assert worker.role == Role.GRID_WORKER and worker.grid is not None and worker.grid.code == DEMO_GRID
    community = RoleAssignment.objects.get(user__username="community")
    assert community.role == Role.COMMUNITY_DISPATCHER and community.region is not None
    assert community.region.code == DEMO_COMMUNITY
    for username, _password, _role, scope in DEMO_ACCOUNTS:
        assignment = RoleAssignment.objects.select_related("region", "grid", "unit__region").get(
            user__username=username
        )
        node = assignment.grid or assignment.region or (assignment.unit.region if assignment.unit else None)
        assert node is not None and (node.name in scope or node.code in scope), username


@pytest.mark.parametrize(("username", "password"), [(u, p) for u, p, _r, _s in DEMO_ACCOUNTS])
def test_a_demo_account_can_log_in(built: DemoSummary, username: str, password: str) -> None:
    assert Client().login(username=username, password=password)


def test_a_demo_account_cannot_log_in_with_a_wrong_password(built: DemoSummary) -> None:
    assert not Client().login(username="worker", password="Huizhou-Wrong-2025")


def test_building_again_changes_nothing(built: DemoSummary) -> None:
    before = demo_counts()
    version = current_version()
    again = build_demo(progress=False, stdout=io.StringIO())
    assert not again.built
    assert demo_counts() == before == again.counts
    assert current_version() == version
    assert before == built.counts


def test_the_build_bumps_the_territory_version(built: DemoSummary) -> None:
    assert current_version() >= 1


def test_a_demo_without_its_completion_marker_is_seen_as_half_built(built: DemoSummary) -> None:
    assert demo_state() == "complete"
    User.objects.filter(username="admin").delete()  # rolled back after the test
    assert demo_state() == "partial"


def test_deleting_the_demo_leaves_nothing_of_it(built: DemoSummary) -> None:
    delete_demo()  # rolled back after the test
    assert demo_state() == "absent"
    assert not Building.objects.exists() and not House.objects.exists() and not Grid.objects.exists()
    assert not Region.objects.exists()
    assert not User.objects.filter(email__endswith="@demo.gridgov.invalid").exists()


# --- cases -------------------------------------------------------------------------------------------------------


def test_the_demo_has_cases_in_every_state(built: DemoSummary) -> None:
    from gridgov.cases.models import Case
    from gridgov.cases.workflow import Status
    from gridgov.demo.cases import ELSEWHERE_CASES, ELSEWHERE_HISTORY, HUICHENG_CASES, HUICHENG_HISTORY

    cases = Case.objects.filter(community_code__startswith="4413")
    total = HUICHENG_CASES + ELSEWHERE_CASES + HUICHENG_HISTORY + ELSEWHERE_HISTORY
    assert built.counts["cases"] == cases.count() >= 3000
    assert total - 20 <= cases.count() <= total  # a plan on a grid without buildings is skipped
    huicheng = cases.filter(district_code=DEMO_DISTRICT).count()
    assert HUICHENG_CASES + HUICHENG_HISTORY - 20 <= huicheng <= HUICHENG_CASES + HUICHENG_HISTORY
    assert set(cases.filter(district_code=DEMO_DISTRICT).values_list("status", flat=True)) == set(Status.values)
    assert cases.exclude(district_code=DEMO_DISTRICT).values("district_code").distinct().count() == 4
    assert cases.filter(summonses__isnull=False).exists() and cases.filter(mediation__isnull=False).exists()
    assert cases.exclude(rating="").exists() and cases.filter(escalation_count__gt=0).exists()
    assert cases.filter(return_count__gt=0).exists() and cases.filter(redo_count__gt=0).exists()
    assert cases.values("category__code").distinct().count() >= 30


def test_demo_timelines_are_ordered_and_lie_in_the_last_sixty_days(built: DemoSummary) -> None:
    import datetime

    from django.db.models import Max, Min
    from django.utils import timezone

    from gridgov.cases.models import Case, CaseEvent

    now = timezone.now()
    span = CaseEvent.objects.aggregate(first=Min("at"), last=Max("at"))
    assert span["first"] > now - datetime.timedelta(days=62) and span["last"] < now
    assert Case.objects.filter(created_at__lt=now - datetime.timedelta(days=30)).exists()
    rows = CaseEvent.objects.order_by("case_id", "id").values_list("case_id", "at", "action")
    previous: tuple[int, Any] = (0, None)
    for case_id, at, action in rows:
        if case_id == previous[0]:
            assert at >= previous[1], case_id
        else:
            assert action == "report", case_id
        previous = (case_id, at)
    created = dict(Case.objects.values_list("pk", "created_at"))
    firsts = CaseEvent.objects.filter(action="report").values_list("case_id", "at")
    assert all(created[case_id] == at for case_id, at in firsts)


def test_every_demo_account_has_a_realistic_queue(built: DemoSummary) -> None:
    from gridgov.cases.models import Case
    from gridgov.cases.workflow import Status, allowed_actions

    users = {u.username: u for u in User.objects.filter(username__in=["community", "worker", "handler", "resident"])}
    community = Case.objects.visible_to(users["community"]).filter(community_code=DEMO_COMMUNITY)
    assert set(community.values_list("status", flat=True)) == set(Status.values)
    acceptable = community.filter(status=Status.REPORTED).first()
    assert acceptable is not None and "accept" in allowed_actions(acceptable, users["community"])
    mine = Case.objects.visible_to(users["worker"]).filter(grid_code=DEMO_GRID)
    assert mine.count() >= 30
    assert mine.filter(status=Status.CLOSED).exists() and mine.filter(status=Status.REPORTED).exists()
    handler = Case.objects.visible_to(users["handler"])
    to_sign = handler.filter(status=Status.DISPATCHED).first()
    assert to_sign is not None and allowed_actions(to_sign, users["handler"]) == ["sign", "return"]
    assert handler.filter(status=Status.IN_PROGRESS).exists() and handler.filter(status=Status.CLOSED).exists()
    assert Case.objects.visible_to(users["resident"]).filter(reporter=users["resident"]).exists()


def test_demo_figures_are_plausible(built: DemoSummary) -> None:
    import datetime

    from django.utils import timezone

    from gridgov.cases.figures import region_figures

    today = timezone.localdate()
    f = region_figures(
        Region.objects.get(code=DEMO_DISTRICT), today - datetime.timedelta(days=61), today + datetime.timedelta(days=1)
    )
    for rate in (f.response_rate, f.resolution_rate, f.satisfaction_rate, f.on_time_rate, f.whistle_rate):
        assert rate is not None and 0 < rate < 1
    assert f.returns > 0 and f.redos > 0 and f.closed > 300


def test_every_demo_timeline_replays_through_the_workflow_table(built: DemoSummary) -> None:
    from gridgov.cases.models import Case

    from .test_demo_history import replays

    cases = list(Case.objects.filter(community_code__startswith="4413").prefetch_related("events"))
    assert len(cases) >= 3000
    assert [c.number for c in cases if not replays(c)] == []


def test_the_history_is_deterministic_and_written_as_planned(built: DemoSummary) -> None:
    """The same seed plans the same history; the bulk rows (the last block of numbers) are those plans."""
    import random

    from gridgov.cases.models import Case
    from gridgov.cases.workflow import Status
    from gridgov.demo.cases import HISTORY, _plan
    from gridgov.demo.geometry import SEED

    def key(p: Any) -> tuple[Any, ...]:
        return (p.category.code, p.lon, p.lat, p.place, p.description, p.script, p.day, p.hour, p.reporter)

    first, _kinds = _plan(random.Random(SEED + 21), HISTORY)
    again, _kinds = _plan(random.Random(SEED + 21), HISTORY)
    assert [key(p) for p in first] == [key(p) for p in again]
    bulk = Case.objects.filter(community_code__startswith="4413").order_by("-number")[: len(first)]
    written = Counter((c.category.code, c.address, c.description, c.status) for c in bulk.select_related("category"))
    status = {"closed": Status.CLOSED, "rejected": Status.REJECTED}
    assert written == Counter((p.category.code, p.place, p.description, status[p.script]) for p in first)
