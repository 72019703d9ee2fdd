"""The centre's field-work API: patrols (list with figures, filtered by day / grid; detail with the track as a
GeoJSON LineString in the requested crs, and the check-ins), visits, tasks (create = assign with admission → 400
on category; accept / redo / remind; no report except through sync), the figures endpoint; scope (a grid worker
sees only their own, out of scope is 404); the OpenAPI schema lists them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from gridgov.core import crs as crs_mod
from gridgov.fieldwork.models import Task, TaskStatus
from gridgov.fieldwork.services import assign_task, report_task

from .case_factories import CaseCity
from .fieldwork_centre_factories import G1, G2, build_field_data


@pytest.fixture
def data(cc: CaseCity) -> Any:
    return build_field_data(cc)


def get(api: APIClient, cc: CaseCity, who: str, url: str) -> Any:
    api.force_authenticate(cc.users[who])
    return api.get(url)


def post(api: APIClient, cc: CaseCity, who: str, url: str, body: dict[str, Any] | None = None) -> Any:
    api.force_authenticate(cc.users[who])
    return api.post(url, body or {}, format="json")


def task_body(cc: CaseCity, **over: Any) -> dict[str, Any]:
    body = {
        "category": "0101",
        "kind": "inspection",
        "title": "检查暴露垃圾",
        "grid": G1,
        "assignee": cc.users["worker"].pk,
    }
    body.update(over)
    return body


def test_the_patrol_list_gives_each_patrols_figures(cc: CaseCity, data: Any, api: APIClient) -> None:
    response = get(api, cc, "community", "/api/v1/patrols/?day=2026-03-02")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [str(data.patrols["b"].pk), str(data.patrols["a"].pk)]
    a = results[1]
    assert (a["hours"], a["distance_km"], a["grid"], a["flagged"], a["worker"]["username"]) == (
        2.0,
        3.0,
        G1,
        False,
        "worker",
    )
    month = get(api, cc, "community", f"/api/v1/patrols/?month=2026-03&grid={G2}").json()
    assert [r["id"] for r in month["results"]] == [str(data.patrols["neighbour"].pk)]


def test_bad_parameters_are_400_naming_them(cc: CaseCity, data: Any, api: APIClient) -> None:
    assert "day" in get(api, cc, "community", "/api/v1/patrols/?day=yesterday").json()
    assert "month" in get(api, cc, "community", "/api/v1/patrols/?month=2026-13").json()
    assert "grid" in get(api, cc, "outsider", f"/api/v1/patrols/?grid={G1}").json()
    assert "crs" in get(api, cc, "community", f"/api/v1/patrols/{data.patrols['a'].pk}/?crs=mars").json()


def test_the_patrol_detail_gives_the_track_as_a_linestring_in_the_requested_crs(
    cc: CaseCity, data: Any, api: APIClient
) -> None:
    patrol = data.patrols["a"]
    wgs = get(api, cc, "community", f"/api/v1/patrols/{patrol.pk}/").json()
    assert wgs["track"]["type"] == "Feature" and wgs["track"]["geometry"]["type"] == "LineString"
    coords = wgs["track"]["geometry"]["coordinates"]
    first = patrol.track.order_by("t").first()
    assert len(coords) == 11 and coords[0] == [round(first.lon, 7), round(first.lat, 7)]
    assert len(wgs["track"]["properties"]["times"]) == 11
    assert [c["far"] for c in wgs["checkins"]] == [False]
    gcj = get(api, cc, "community", f"/api/v1/patrols/{patrol.pk}/?crs=gcj02").json()
    assert gcj["crs"] == "gcj02"
    expected = crs_mod.from_wgs84(first.lon, first.lat, "gcj02")
    got = gcj["track"]["geometry"]["coordinates"][0]
    assert abs(got[0] - expected[0]) < 1e-6 and abs(got[1] - expected[1]) < 1e-6
    assert abs(got[0] - coords[0][0]) > 1e-4  # GCJ-02 is offset by hundreds of metres


def test_patrols_follow_scope(cc: CaseCity, data: Any, api: APIClient) -> None:
    mine = get(api, cc, "worker2", "/api/v1/patrols/").json()
    assert [r["id"] for r in mine["results"]] == [str(data.patrols["worker2"].pk)]
    assert get(api, cc, "worker2", f"/api/v1/patrols/{data.patrols['a'].pk}/").status_code == 404
    assert get(api, cc, "outsider", f"/api/v1/patrols/{data.patrols['a'].pk}/").status_code == 404
    assert get(api, cc, "outsider", "/api/v1/patrols/").json()["count"] == 0
    assert get(api, cc, "cm", "/api/v1/patrols/").json()["count"] == 0  # department handlers read no field work


def test_visits_are_listed_in_scope(cc: CaseCity, data: Any, api: APIClient) -> None:
    visits = get(api, cc, "community", "/api/v1/visits/?month=2026-03").json()["results"]
    assert len(visits) == 2 and {v["worker"]["username"] for v in visits} == {"worker"}
    assert get(api, cc, "worker2", "/api/v1/visits/").json()["count"] == 0
    assert get(api, cc, "outsider", "/api/v1/visits/").json()["count"] == 0
    assert get(api, cc, "community", "/api/v1/visits/?month=2026-04").json()["count"] == 0


def test_a_task_is_assigned_through_the_api(cc: CaseCity, data: Any, api: APIClient) -> None:
    response = post(api, cc, "community", "/api/v1/tasks/", task_body(cc))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["category"], body["grid"], body["status"], body["assigned_by"]) == (
        "0101",
        G1,
        "assigned",
        cc.users["community"].pk,
    )
    assert Task.objects.get().title == "检查暴露垃圾"


@pytest.mark.parametrize(
    ("code", "words"), [("0201", "未列入网格事项清单"), ("9999", "")], ids=["not-grid-assignable", "not-on-the-list"]
)
def test_an_unadmitted_matter_is_400_on_category(
    cc: CaseCity, data: Any, api: APIClient, code: str, words: str
) -> None:
    response = post(api, cc, "community", "/api/v1/tasks/", task_body(cc, category=code))
    assert response.status_code == 400
    assert list(response.json()) == ["category"] and words in response.json()["category"][0]
    assert not Task.objects.exists()


def test_assigning_is_refused_to_grid_workers_and_out_of_scope(cc: CaseCity, data: Any, api: APIClient) -> None:
    assert post(api, cc, "worker", "/api/v1/tasks/", task_body(cc)).status_code == 403
    response = post(api, cc, "outsider", "/api/v1/tasks/", task_body(cc))
    assert response.status_code == 400 and "grid" in response.json()
    response = post(api, cc, "community", "/api/v1/tasks/", task_body(cc, assignee=cc.users["neighbour"].pk))
    assert response.status_code == 400 and "assignee" in response.json()
    assert not Task.objects.exists()


def test_accept_redo_and_remind_through_the_api(cc: CaseCity, data: Any, api: APIClient) -> None:
    task = assign_task(
        by=cc.users["community"],
        category=cc.categories["rubbish"],
        kind="inspection",
        title="检查",
        grid=cc.city.grids[G1],
        assignee=cc.users["worker"],
    )
    url = f"/api/v1/tasks/{task.pk}"
    assert post(api, cc, "community", f"{url}/remind/").json()["reminders"] == 1
    assert post(api, cc, "community", f"{url}/accept/").status_code == 400  # not reported yet
    report_task(
        by=cc.users["worker"], task=task, report="已清理", reported_at=dt.datetime(2026, 3, 4, 2, tzinfo=dt.UTC)
    )
    response = post(api, cc, "community", f"{url}/redo/")
    assert response.status_code == 400 and "note" in response.json()
    assert post(api, cc, "community", f"{url}/redo/", {"note": "缺照片"}).json()["status"] == TaskStatus.REDO
    report_task(by=cc.users["worker"], task=task, report="补拍", reported_at=dt.datetime(2026, 3, 4, 3, tzinfo=dt.UTC))
    assert post(api, cc, "worker", f"{url}/accept/").status_code == 403
    assert post(api, cc, "outsider", f"{url}/accept/").status_code == 404
    assert post(api, cc, "community", f"{url}/accept/").json()["status"] == TaskStatus.ACCEPTED


def test_tasks_are_not_reported_or_changed_through_this_api(cc: CaseCity, data: Any, api: APIClient) -> None:
    task = assign_task(
        by=cc.users["community"],
        category=cc.categories["rubbish"],
        kind="inspection",
        title="检查",
        grid=cc.city.grids[G1],
        assignee=cc.users["worker"],
    )
    api.force_authenticate(cc.users["worker"])
    assert api.patch(f"/api/v1/tasks/{task.pk}/", {"status": "reported"}, format="json").status_code == 405
    assert api.post(f"/api/v1/tasks/{task.pk}/report/", {}, format="json").status_code == 404
    mine = get(api, cc, "worker", "/api/v1/tasks/").json()
    assert [t["id"] for t in mine["results"]] == [task.pk]
    assert get(api, cc, "worker2", "/api/v1/tasks/").json()["count"] == 0
    assert get(api, cc, "outsider", f"/api/v1/tasks/{task.pk}/").status_code == 404


def test_the_figures_endpoint(cc: CaseCity, data: Any, api: APIClient) -> None:
    body = get(api, cc, "community", "/api/v1/patrol-figures/?month=2026-03").json()
    assert body["start"] == "2026-03-01T00:00:00+08:00"
    mine = next(r for r in body["workers"] if r["worker"]["username"] == "worker")
    assert (mine["hours"], mine["distance_km"], mine["days"], mine["coverage"], mine["flagged_patrols"]) == (
        3.5,
        5.0,
        2,
        0.6,
        1,
    )
    grid = next(r for r in body["grids"] if r["grid"] == G1)
    assert (grid["households_covered"], grid["households_total"], grid["coverage"]) == (5, 5, 1.0)
    day = get(api, cc, "community", f"/api/v1/patrol-figures/?day=2026-03-02&grid={G1}").json()
    assert [g["grid"] for g in day["grids"]] == [G1] and day["grids"][0]["hours"] == 3.0
    own = get(api, cc, "worker", "/api/v1/patrol-figures/?month=2026-03").json()
    assert {r["worker"]["username"] for r in own["workers"]} == {"worker"}
    assert get(api, cc, "outsider", "/api/v1/patrol-figures/?month=2026-03").json()["workers"] == []


def test_the_schema_lists_the_resources(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["community"])
    schema = api.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/patrols/",
        "/api/v1/patrols/{id}/",
        "/api/v1/visits/",
        "/api/v1/tasks/",
        "/api/v1/tasks/{id}/accept/",
        "/api/v1/tasks/{id}/redo/",
        "/api/v1/tasks/{id}/remind/",
        "/api/v1/patrol-figures/",
    ):
        assert path in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/tasks/"]
