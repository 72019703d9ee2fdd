"""Photos sent with a task report, a visit or a check-in are shown with it: the task API and the tasks page list the
photos of every report of the task (a redone task's earlier ones too), the visit API its visit's, a patrol's detail
its check-ins'; each photo is served to whoever may see its record, and is a 404 for anyone else."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from gridgov.fieldwork.models import Task
from gridgov.fieldwork.services import assign_task, review_task
from gridgov.registry import services as registry

from .case_factories import CaseCity, jpeg_with_gps
from .fieldwork_sync_factories import WORKER_BUILDING, WORKER_GRID, at, post, rec, statuses
from .registry_factories import make_person


def send_with_photo(api: APIClient, cc: CaseCity, kind: str, data: dict[str, Any], made_at: str | None = None) -> str:
    photo = str(uuid.uuid4())
    record = rec(kind, data, photos=[photo], made_at=made_at)
    assert statuses(post(api, cc.users["worker"], [record])) == [201]
    upload = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = api.put(f"/api/v1/sync/photos/{photo}/", {"record": record["uuid"], "image": upload}, format="multipart")
    assert response.status_code == 201
    return photo


def a_task(cc: CaseCity) -> Task:
    return assign_task(
        by=cc.users["community"],
        category=cc.categories["rubbish"],
        kind="inspection",
        title="检查暴露垃圾",
        grid=cc.city.grids[WORKER_GRID],
        assignee=cc.users["worker"],
    )


def get(api: APIClient, user: Any, url: str) -> Any:
    api.force_authenticate(user)
    return api.get(url)


def test_a_tasks_report_photos_are_listed_and_served_in_scope(cc: CaseCity, api: APIClient) -> None:
    task = a_task(cc)
    first = send_with_photo(api, cc, "task_report", {"task": task.pk, "report": "已清理"})
    review_task(by=cc.users["community"], task=task, accept=False, note="还有一堆")
    second = send_with_photo(api, cc, "task_report", {"task": task.pk, "report": "全部清理"}, made_at=at(100))
    body = get(api, cc.users["community"], f"/api/v1/tasks/{task.pk}/").json()
    assert [p["uuid"] for p in body["photos"]] == [first, second]  # the redone report's photo stays
    url = body["photos"][0]["url"]
    assert url == f"/api/v1/field-photos/{first}/"
    image = get(api, cc.users["community"], url)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content).startswith(b"\xff\xd8")
    listed = get(api, cc.users["worker"], "/api/v1/tasks/").json()["results"]
    assert [p["uuid"] for p in listed[0]["photos"]] == [first, second]
    for outsider in ("outsider", "cm", "resident"):
        assert get(api, cc.users[outsider], url).status_code in (403, 404), outsider
    worker2 = cc.city.grant("worker2", "grid_worker", grid=WORKER_GRID)  # a colleague: not their task
    assert get(api, worker2, url).status_code == 404
    assert get(api, cc.users["community"], f"/api/v1/field-photos/{uuid.uuid4()}/").status_code == 404


def test_the_tasks_page_shows_the_photos(cc: CaseCity, api: APIClient) -> None:
    task = a_task(cc)
    photo = send_with_photo(api, cc, "task_report", {"task": task.pk, "report": "已清理"})
    client = Client()
    client.force_login(cc.users["community"])
    page = client.get("/field/tasks/").content.decode()
    assert f'src="/field/photos/{photo}/"' in page
    assert client.get(f"/field/photos/{photo}/").status_code == 200
    client.force_login(cc.users["outsider"])
    assert client.get(f"/field/photos/{photo}/").status_code == 404


def test_a_visits_photo_follows_the_visits_own_visibility(cc: CaseCity, api: APIClient) -> None:
    plain = make_person(cc.city, seq=1)
    shown = send_with_photo(api, cc, "visit", {"person": plain.pk, "situation": "身体尚好"})
    special = make_person(cc.city, seq=3)
    registry.tag_person(by=cc.users["worker"], person=special, kind="drug_user", on=dt.date(2026, 1, 1))
    hidden = send_with_photo(api, cc, "visit", {"person": special.pk, "situation": "按时报到"})
    visits = get(api, cc.users["admin"], "/api/v1/visits/").json()["results"]
    assert [[p["uuid"] for p in v["photos"]] for v in visits] == [[shown]]
    assert get(api, cc.users["admin"], f"/api/v1/field-photos/{shown}/").status_code == 200
    assert get(api, cc.users["admin"], f"/api/v1/field-photos/{hidden}/").status_code == 404  # special group
    assert get(api, cc.users["community"], f"/api/v1/field-photos/{hidden}/").status_code == 200


def test_a_check_ins_photo_is_in_the_patrols_detail(cc: CaseCity, api: APIClient) -> None:
    patrol = str(uuid.uuid4())
    assert statuses(post(api, cc.users["worker"], [rec("patrol_start", {"patrol": patrol}, made_at=at(0))])) == [201]
    data = {"patrol": patrol, "building": WORKER_BUILDING, "lon": 114.405, "lat": 23.11}
    photo = send_with_photo(api, cc, "checkin", data, made_at=at(5))
    detail = get(api, cc.users["community"], f"/api/v1/patrols/{patrol}/").json()
    (checkin,) = detail["checkins"]
    assert [p["uuid"] for p in checkin["photos"]] == [photo]
    assert get(api, cc.users["community"], checkin["photos"][0]["url"]).status_code == 200
    assert get(api, cc.users["outsider"], checkin["photos"][0]["url"]).status_code == 404


def test_the_task_list_reads_the_photos_in_one_query(
    cc: CaseCity, api: APIClient, django_assert_max_num_queries: Any
) -> None:
    for _ in range(4):
        send_with_photo(api, cc, "task_report", {"task": a_task(cc).pk, "report": "已清理"})
    api.force_authenticate(cc.users["community"])
    with django_assert_max_num_queries(10):
        rows = api.get("/api/v1/tasks/").json()["results"]
    assert [len(r["photos"]) for r in rows] == [1, 1, 1, 1]
