"""Figures for dashboards: response, resolution, satisfaction and on-time rates, tier shares, whistle rate, returns
and redos, per region and per unit, for a period — computed exactly on a small set of constructed cases."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.http import Http404

from gridgov.cases import services
from gridgov.cases.figures import Figures, figures_for_region, figures_for_unit, region_figures, unit_figures
from gridgov.cases.models import Case

from .case_factories import WEDNESDAY_10AM, CaseCity, png_bytes

MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 4, 1))
FEBRUARY = (datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))


def _dispatched(cc: CaseCity, unit: str = "cm") -> Case:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=cc.units[unit], by=cc.users["community"])
    return case


def build_cases(cc: CaseCity) -> dict[str, Case]:
    """Seven cases in 441302 and one in 441303 (see the tallies in the tests):

    c1 closed and rated satisfied; c2 redone once, closed, rated dissatisfied; c3 signed, whistled (police summoned);
    c4 signed two days late; c5 dispatched to the police station and returned; c6 settled in the grid by the
    worker, verified, rated basically satisfied; c7 rejected; x1 in the other district, dispatched and signed."""
    u = cc.users
    cases: dict[str, Case] = {}
    c1 = cases["c1"] = _dispatched(cc)
    services.sign_case(c1, by=u["cm"])
    services.handle_case(c1, by=u["cm"], result="已清运")
    services.verify_case(c1, by=u["community"])
    services.rate_case(c1, by=u["worker"], rating="satisfied")

    c2 = cases["c2"] = _dispatched(cc)
    services.sign_case(c2, by=u["cm"])
    services.handle_case(c2, by=u["cm"], result="已清运")
    services.redo_case(c2, by=u["community"], reason="现场仍有垃圾")
    services.handle_case(c2, by=u["cm"], result="已再次清运")
    services.verify_case(c2, by=u["community"])
    services.rate_case(c2, by=u["worker"], rating="dissatisfied")

    c3 = cases["c3"] = _dispatched(cc)
    services.sign_case(c3, by=u["cm"])
    services.summon_units(c3, by=u["community"], units=[cc.units["police"]])

    c5 = cases["c5"] = _dispatched(cc, "police")
    services.return_case(c5, by=u["police"], reason="not_our_function")

    c6 = cases["c6"] = cc.report()
    services.self_settle(c6, by=u["worker"], result="已清理", photos=[png_bytes()])
    services.verify_case(c6, by=u["community"])
    services.rate_case(c6, by=u["worker"], rating="basically_satisfied")

    c7 = cases["c7"] = cc.report()
    services.reject_case(c7, by=u["community"], reason="不属于受理范围")

    x1 = cases["x1"] = cc.report(by="outsider", point=(114.47, 23.12))
    services.accept_case(x1, by=u["outsider"])
    services.dispatch_case(x1, to=cc.units["yhousing"], by=u["outsider"])
    services.sign_case(x1, by=u["yhousing"])

    c4 = cases["c4"] = _dispatched(cc)
    # The sign limit is 4 working hours: two days later is late.
    with time_machine.travel(WEDNESDAY_10AM + datetime.timedelta(days=2), tick=False):
        services.sign_case(c4, by=u["cm"])
    return cases


@pytest.fixture
def cases(cc: CaseCity) -> dict[str, Case]:
    return build_cases(cc)


def test_region_response_rate_counts_signatures_within_the_sign_limit(cc: CaseCity, cases: dict[str, Case]) -> None:
    f = region_figures(cc.city.regions["441302"], *MARCH)
    assert (f.dispatched, f.signed_in_time) == (5, 3)
    assert f.response_rate == pytest.approx(0.6)


def test_unit_response_rate_four_dispatched_three_signed_in_time_one_late(cc: CaseCity, cases: dict[str, Case]) -> None:
    f = unit_figures(cc.units["cm"], *MARCH)
    assert (f.dispatched, f.signed_in_time) == (4, 3)
    assert f.response_rate == pytest.approx(0.75)
    police = unit_figures(cc.units["police"], *MARCH)
    assert (police.dispatched, police.signed_in_time, police.response_rate) == (1, 0, 0.0)


def test_resolution_rate_is_handled_or_closed_over_accepted(cc: CaseCity, cases: dict[str, Case]) -> None:
    region = region_figures(cc.city.regions["441302"], *MARCH)
    # Accepted: c1–c5 and c6 (settled in the grid straight from "reported"); c7 was rejected.
    assert (region.accepted, region.resolved) == (6, 3)
    assert region.resolution_rate == pytest.approx(0.5)
    unit = unit_figures(cc.units["cm"], *MARCH)
    assert (unit.accepted, unit.resolved, unit.resolution_rate) == (4, 2, 0.5)


def test_satisfaction_rate_counts_satisfied_and_basically_satisfied(cc: CaseCity, cases: dict[str, Case]) -> None:
    region = region_figures(cc.city.regions["441302"], *MARCH)
    assert (region.rated, region.satisfied) == (3, 2)
    assert region.satisfaction_rate == pytest.approx(2 / 3)
    unit = unit_figures(cc.units["cm"], *MARCH)
    assert (unit.rated, unit.satisfied, unit.satisfaction_rate) == (2, 1, 0.5)


def test_on_time_rate_counts_finished_stages_without_an_overdue_flag(cc: CaseCity, cases: dict[str, Case]) -> None:
    region = region_figures(cc.city.regions["441302"], *MARCH)
    # c1 5 stages, c2 7, c3 3, c4 3, c5 3, c6 2, c7 1; only c4's sign was late.
    assert (region.stages_finished, region.stages_on_time) == (24, 23)
    assert cases["c4"].overdue_stages == {"sign": True}
    unit = unit_figures(cc.units["cm"], *MARCH)
    # cm's stages: four signs and three handles (c1 once, c2 twice).
    assert (unit.stages_finished, unit.stages_on_time) == (7, 6)
    assert unit.on_time_rate == pytest.approx(6 / 7)


def test_share_resolved_at_each_tier_uses_the_tier_at_close(cc: CaseCity, cases: dict[str, Case]) -> None:
    f = region_figures(cc.city.regions["441302"], *MARCH)
    assert f.closed == 3
    assert f.closed_by_tier == {"grid": 1, "community": 2}
    assert f.tier_share["grid"] == pytest.approx(1 / 3)
    assert f.tier_share["community"] == pytest.approx(2 / 3)
    assert f.tier_share["district"] == 0
    assert sum(f.tier_share.values()) == pytest.approx(1)


def test_whistle_rate_returns_and_redos(cc: CaseCity, cases: dict[str, Case]) -> None:
    region = region_figures(cc.city.regions["441302"], *MARCH)
    assert region.whistled == 1 and region.whistle_rate == pytest.approx(1 / 6)
    assert (region.returns, region.redos) == (1, 1)
    cm = unit_figures(cc.units["cm"], *MARCH)
    assert (cm.whistled, cm.returns, cm.redos) == (1, 0, 1)
    police = unit_figures(cc.units["police"], *MARCH)
    assert (police.returns, police.summoned, police.summons_late) == (1, 1, 0)


def test_figures_count_only_the_region_and_the_period(cc: CaseCity, cases: dict[str, Case]) -> None:
    other = region_figures(cc.city.regions["441303"], *MARCH)
    assert (other.accepted, other.dispatched, other.signed_in_time) == (1, 1, 1)
    community = region_figures(cc.city.regions["441302001001"], *MARCH)
    assert community.accepted == 6
    empty = region_figures(cc.city.regions["441302"], *FEBRUARY)
    assert empty == Figures(start=empty.start, end=empty.end)
    assert empty.response_rate is None and empty.tier_share == {}


def test_a_period_that_ends_before_it_starts_is_refused(cc: CaseCity) -> None:
    with pytest.raises(ValueError):
        region_figures(cc.city.regions["441302"], MARCH[1], MARCH[0])


def test_a_region_inside_the_users_scope_is_answered(cc: CaseCity, cases: dict[str, Case]) -> None:
    assert figures_for_region(cc.users["district"], "441302", *MARCH).accepted == 6
    assert figures_for_region(cc.users["community"], "441302001001", *MARCH).accepted == 6
    assert figures_for_region(cc.users["admin"], "441300", *MARCH).accepted == 7


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("outsider", "441302"),  # another district
        ("community", "441302"),  # the district above: its name is visible, its figures are not
        ("worker", "441302001001"),  # a grid worker holds a grid, not the community
        ("nobody", "441302"),
        ("district", "999999"),  # no such region
    ],
)
def test_a_region_outside_the_users_scope_is_refused_as_not_found(
    cc: CaseCity, cases: dict[str, Case], username: str, code: str
) -> None:
    with pytest.raises(Http404):
        figures_for_region(cc.users[username], code, *MARCH)


def test_unit_figures_for_members_and_the_territory_above_only(cc: CaseCity, cases: dict[str, Case]) -> None:
    assert figures_for_unit(cc.users["cm"], "U441302CM", *MARCH).dispatched == 4
    assert figures_for_unit(cc.users["district"], "U441302CM", *MARCH).dispatched == 4
    for username in ("outsider", "community", "police", "nobody"):
        with pytest.raises(Http404):
            figures_for_unit(cc.users[username], "U441302CM", *MARCH)
    with pytest.raises(Http404):
        figures_for_unit(cc.users["district"], "NO-SUCH-UNIT", *MARCH)


def test_figures_take_a_fixed_number_of_queries(
    cc: CaseCity, cases: dict[str, Case], django_assert_max_num_queries: object
) -> None:
    for _ in range(5):
        _dispatched(cc)
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        region_figures(cc.city.regions["441302"], *MARCH)
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        unit_figures(cc.units["cm"], *MARCH)
