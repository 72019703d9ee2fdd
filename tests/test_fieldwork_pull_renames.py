"""The incremental pull resends the people and households whose building was renamed or whose house was
renumbered after the cursor (their rows show those labels), and nobody else; it costs the same number of queries
whatever the grid holds. The demo's bulk writers fill the change time of the buildings and houses they insert."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import numpy as np
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from gridgov.demo.build import _Builder, _BuildingPlan
from gridgov.registry import services as registry
from gridgov.territory.models import Building, House

from .case_factories import CaseCity
from .fieldwork_sync_factories import WORKER_GRID
from .registry_factories import make_person

UTC = dt.UTC
JAN_1 = dt.date(2026, 1, 1)


def pull(api: APIClient, user: Any, **params: str) -> dict[str, Any]:
    api.force_authenticate(user)
    response = api.get("/api/v1/sync/pull/", params)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def at(hour: int, minute: int = 0) -> Any:
    return time_machine.travel(dt.datetime(2026, 3, 4, hour, minute, tzinfo=UTC), tick=False)


def two_houses(cc: CaseCity) -> tuple[Any, Any, Any, Any]:
    """Two people with a household each, in two houses of the worker's first building, and one in another."""
    building = cc.city.buildings[WORKER_GRID]
    first, second = building.houses.order_by("number")[:2]
    a = make_person(cc.city, seq=1, house=first)
    b = make_person(cc.city, seq=3, house=second)
    ha = registry.create_household(by=cc.users["worker"], number="HA", head=a, on=JAN_1, house=first)
    hb = registry.create_household(by=cc.users["worker"], number="HB", head=b, on=JAN_1, house=second)
    return (a, ha), (b, hb), first, second  # type: ignore[return-value]


def sent(body: dict[str, Any]) -> tuple[dict[int, Any], dict[int, Any]]:
    return {p["id"]: p for p in body["people"]}, {h["id"]: h for h in body["households"]}


def test_a_renumbered_house_resends_its_people_and_households_only(cc: CaseCity, api: APIClient) -> None:
    worker = cc.users["worker"]
    (a, ha), (b, hb), first, _second = two_houses(cc)
    with at(3):
        full = pull(api, worker)
    with at(4):
        first.number = "901"
        first.save()
    with at(4, 2):
        later = pull(api, worker, since=full["cursor"])
    people, households = sent(later)
    assert set(people) == {a.pk} and set(households) == {ha.pk}
    assert people[a.pk]["house"].endswith(" 901") and households[ha.pk]["house"].endswith(" 901")
    assert b.pk in later["person_ids"] and hb.pk in later["household_ids"]  # kept, not resent


def test_a_renamed_building_resends_everyone_in_it_and_nobody_else(cc: CaseCity, api: APIClient) -> None:
    worker = cc.users["worker"]
    (a, ha), (b, hb), _first, _second = two_houses(cc)
    first = cc.city.buildings[WORKER_GRID]
    elsewhere = Building.objects.create(
        code=f"{WORKER_GRID}00002", grid=first.grid, name="另一栋", lon=first.lon, lat=first.lat
    )
    c = make_person(cc.city, seq=5, house=House.objects.create(building=elsewhere, number="101"))
    with at(3):
        full = pull(api, worker)
    with at(4):
        building = Building.objects.get(pk=a.building_id)
        building.name = "幸福里1栋"
        building.save()
    with at(4, 2):
        later = pull(api, worker, since=full["cursor"])
    people, households = sent(later)
    assert set(people) == {a.pk, b.pk} and set(households) == {ha.pk, hb.pk}
    assert people[a.pk]["house"].startswith("幸福里1栋 ") and households[hb.pk]["house"].startswith("幸福里1栋 ")
    assert c.pk in later["person_ids"] and c.pk not in people
    with at(5):
        quiet = pull(api, worker, since=later["cursor"])
    assert sent(quiet) == ({}, {})  # a pull after it sends them no more


def test_a_person_with_a_building_and_no_house_follows_the_buildings_rename(cc: CaseCity, api: APIClient) -> None:
    worker = cc.users["worker"]
    building = cc.city.buildings[WORKER_GRID]
    person = make_person(cc.city, seq=7, house=None, building=building)
    with at(3):
        full = pull(api, worker)
    with at(4):
        Building.objects.get(pk=building.pk).save()
    with at(4, 2):
        later = pull(api, worker, since=full["cursor"])
    assert [p["id"] for p in later["people"]] == [person.pk]


def test_the_incremental_pull_does_not_grow_in_queries(cc: CaseCity, api: APIClient) -> None:
    worker = cc.users["worker"]
    with at(3):
        cursor = pull(api, worker)["cursor"]

    def measure() -> int:
        with at(6):
            api.force_authenticate(worker)
            api.get("/api/v1/sync/pull/", {"since": cursor})  # warm the per-process caches
            with CaptureQueriesContext(connection) as ctx:
                assert api.get("/api/v1/sync/pull/", {"since": cursor}).status_code == 200
        return len(ctx.captured_queries)

    houses = list(House.objects.filter(building__grid__code=WORKER_GRID).order_by("pk"))

    def settle(seqs: tuple[int, ...]) -> None:
        for seq in seqs:
            house = houses[seq % len(houses)]
            p = make_person(cc.city, seq=seq, house=house)
            registry.create_household(by=worker, number=f"H{seq}", head=p, on=JAN_1, house=house)

    with at(4):
        settle((1, 3))
    small = measure()
    with at(5):
        settle((5, 7, 9, 11, 13, 15))
        for house in houses:
            house.save()  # and every house changed: the people come by two ways, each sent once
    with at(6):
        later = pull(api, worker, since=cursor)
        assert len(later["people"]) == len(later["households"]) == 8
    assert measure() == small


def test_the_demos_bulk_writers_fill_the_change_time(cc: CaseCity) -> None:
    """The demo inserts buildings with executemany and houses with executemany (SQLite) or COPY (PostgreSQL):
    without the column the NOT NULL ``updated_at`` would refuse them."""
    builder = SimpleNamespace(
        grid_ids={WORKER_GRID: cc.city.grids[WORKER_GRID].pk},
        rng=np.random.default_rng(7),
        bar=SimpleNamespace(advance=lambda weight: None),
        _insert_houses=_Builder._insert_houses,
    )
    code = f"{WORKER_GRID}99001"
    plan = _BuildingPlan(
        SimpleNamespace(code=WORKER_GRID),  # type: ignore[arg-type]
        [code],
        ["演示楼"],
        ["residential"],
        np.array([114.405]),
        np.array([23.11]),
        np.array([2]),
        np.array([4]),
    )
    ids = _Builder.write_buildings(builder, [plan])  # type: ignore[arg-type]
    _Builder.write_houses(builder, [plan], ids)  # type: ignore[arg-type]
    building = Building.objects.get(code=code)
    assert building.updated_at is not None
    houses = list(House.objects.filter(building=building).values_list("number", "updated_at"))
    assert len(houses) == 4 and all(updated is not None for _n, updated in houses)
