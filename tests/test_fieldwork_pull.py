"""GET /api/v1/sync/pull/: the worker's grid data for offline use — nothing of another grid, personal values only
masked, only what changed since the cursor (with the ids in scope to drop the rest), in the client's datum, and a
number of queries that does not grow with the grid."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from gridgov.fieldwork.services import assign_task
from gridgov.registry import services as registry

from .case_factories import CaseCity
from .fieldwork_sync_factories import NEIGHBOUR_GRID, WORKER_BUILDING, WORKER_GRID
from .registry_factories import make_person, make_ric


def pull(api: APIClient, user: Any, **params: str) -> dict[str, Any]:
    api.force_authenticate(user)
    response = api.get("/api/v1/sync/pull/", params)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_the_pull_holds_the_workers_grid_and_nothing_of_another(cc: CaseCity, api: APIClient) -> None:
    mine = make_person(cc.city, seq=1)
    theirs = make_person(cc.city, by="community", grid=NEIGHBOUR_GRID, seq=3)
    day = dt.date(2026, 1, 1)
    registry.create_household(by=cc.users["worker"], number="H1", head=mine, on=day, house=mine.house)
    registry.create_household(by=cc.users["community"], number="H2", head=theirs, on=day, house=theirs.house)
    registry.tag_person(by=cc.users["worker"], person=mine, kind="elderly_alone", on=day)
    registry.tag_person(by=cc.users["community"], person=theirs, kind="elderly_alone", on=day)
    neighbour_worker = cc.city.grant("worker2", "grid_worker", grid=NEIGHBOUR_GRID)
    assign_task(
        by=cc.users["community"],
        category=cc.categories["rubbish"],
        kind="inspection",
        title="查垃圾",
        grid=cc.city.grids[WORKER_GRID],
        assignee=cc.users["worker"],
    )
    assign_task(
        by=cc.users["community"],
        category=cc.categories["rubbish"],
        kind="inspection",
        title="别人的",
        grid=cc.city.grids[NEIGHBOUR_GRID],
        assignee=neighbour_worker,
    )
    body = pull(api, cc.users["worker"])
    assert body["full"] is True
    assert [g["code"] for g in body["grids"]] == [WORKER_GRID]
    assert body["grids"][0]["boundary"]["type"] == "Polygon"
    assert [b["code"] for b in body["buildings"]] == [WORKER_BUILDING]
    assert [p["id"] for p in body["people"]] == [mine.pk] == body["person_ids"]
    assert body["people"][0]["household"] == body["households"][0]["id"]
    assert [h["number"] for h in body["households"]] == ["H1"]
    assert body["households"][0]["house"] == f"{cc.city.buildings[WORKER_GRID].name} 101"
    assert [v["person"] for v in body["visits_due"]] == [mine.pk]
    assert body["visits_due"][0]["next_visit_due"] == "2026-01-08" and body["visits_due"][0]["overdue"] is True
    assert [t["title"] for t in body["tasks"]] == ["查垃圾"]
    categories = {c["code"]: c["grid_assignable"] for c in body["categories"]}
    assert categories == {"0101": True, "0201": False, "0301": True}


def test_people_are_masked_in_the_pull(cc: CaseCity, api: APIClient) -> None:
    number = make_ric(seq=5)
    make_person(cc.city, seq=5, id_number=number, phone="13812345678", current_address="惠城区某路88号")
    body = pull(api, cc.users["worker"])
    text = json.dumps(body, ensure_ascii=False)
    for secret in (number, "13812345678", "某路88号"):
        assert secret not in text
    person = body["people"][0]
    assert person["id_number"].startswith(number[:4]) and person["id_number"].endswith(number[-4:])
    assert "*" in person["id_number"] and "*" in person["phone"]


def test_since_sends_only_what_changed_and_the_ids_to_keep(cc: CaseCity, api: APIClient) -> None:
    first = make_person(cc.city, seq=1)
    second = make_person(cc.city, seq=3)
    gone = make_person(cc.city, seq=5)
    with time_machine.travel(dt.datetime(2026, 3, 4, 2, 30, tzinfo=dt.UTC), tick=False):  # half an hour later
        full = pull(api, cc.users["worker"])
    assert len(full["people"]) == 3
    with time_machine.travel(dt.datetime(2026, 3, 4, 3, 0, tzinfo=dt.UTC), tick=False):  # an hour later
        registry.update_person(by=cc.users["worker"], person=second, changes={"occupation": "厨师"})
        registry.deregister_person(by=cc.users["worker"], person=gone, on=dt.date(2026, 3, 4))
        later = pull(api, cc.users["worker"], since=full["cursor"])
    assert later["full"] is False
    assert [p["id"] for p in later["people"]] == [second.pk]
    assert later["people"][0]["version"] == 2
    assert later["person_ids"] == sorted([first.pk, second.pk])
    assert later["cursor"] > full["cursor"]


def test_a_bad_cursor_is_400(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    response = api.get("/api/v1/sync/pull/", {"since": "yesterday"})
    assert response.status_code == 400 and "since" in response.json()


def test_coordinates_follow_the_crs_parameter(cc: CaseCity, api: APIClient) -> None:
    wgs = pull(api, cc.users["worker"])
    gcj = pull(api, cc.users["worker"], crs="gcj02")
    assert gcj["buildings"][0]["lon"] != wgs["buildings"][0]["lon"]
    assert abs(gcj["buildings"][0]["lon"] - wgs["buildings"][0]["lon"]) < 0.01
    assert gcj["grids"][0]["boundary"] != wgs["grids"][0]["boundary"]


def test_a_user_without_a_grid_gets_an_empty_pull(cc: CaseCity, api: APIClient) -> None:
    make_person(cc.city)
    body = pull(api, cc.users["community"])
    assert body["grids"] == [] and body["people"] == [] and body["buildings"] == []


def test_the_pull_does_not_grow_in_queries_with_the_grid(cc: CaseCity, api: APIClient) -> None:
    def measure() -> int:
        api.force_authenticate(cc.users["worker"])
        api.get("/api/v1/sync/pull/")  # warm the per-process caches
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/sync/pull/").status_code == 200
        return len(ctx.captured_queries)

    day = dt.date(2026, 1, 1)
    for seq in (1, 3):
        p = make_person(cc.city, seq=seq)
        registry.create_household(by=cc.users["worker"], number=f"H{seq}", head=p, on=day, house=p.house)
        registry.tag_person(by=cc.users["worker"], person=p, kind="elderly_alone", on=day)
    small = measure()
    for seq in (5, 7, 9, 11, 13, 15):
        p = make_person(cc.city, seq=seq)
        registry.create_household(by=cc.users["worker"], number=f"H{seq}", head=p, on=day, house=p.house)
        registry.tag_person(by=cc.users["worker"], person=p, kind="elderly_alone", on=day)
    assert len(pull(api, cc.users["worker"])["people"]) == 8
    assert measure() == small
