"""The phone app names the user it was opened by (header X-Gridgov-User) on every upload and pull: when the session
now belongs to someone else (logged out and in again in another tab) the server answers 409 ``user_mismatch`` and
stores nothing, so that one worker's records never go under another's name nor their grid into the other's phone.
A request without the header (a Token client) is handled as before."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from gridgov.fieldwork.models import ClientRecord, FieldPhoto, Patrol

from .case_factories import CaseCity, png_bytes
from .fieldwork_sync_factories import rec, statuses


def start(patrol: str | None = None) -> dict[str, object]:
    return rec("patrol_start", {"patrol": patrol or str(uuid.uuid4())})


def test_records_sent_for_another_user_are_409_and_stored_nowhere(cc: CaseCity, api: APIClient) -> None:
    worker = cc.users["worker"]
    other = next(u for name, u in cc.users.items() if name != "worker")
    api.force_login(other)
    response = api.post(
        "/api/v1/sync/records/",
        {"records": [start()]},
        format="json",
        headers={"X-Gridgov-User": quote(worker.get_username())},
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "user_mismatch"
    assert "重新登录" in body["detail"] and other.get_username() in body["detail"]
    assert ClientRecord.objects.count() == 0 and Patrol.objects.count() == 0


def test_the_expected_user_percent_encoded_is_accepted_and_no_header_still_works(cc: CaseCity, api: APIClient) -> None:
    user = cc.users["worker"]
    user.username = "网格员小李"  # a header carries only Latin-1: the app percent-encodes the name
    user.save(update_fields=["username"])
    api.force_login(user)
    named = api.post(
        "/api/v1/sync/records/",
        {"records": [start()]},
        format="json",
        headers={"X-Gridgov-User": quote(user.get_username())},
    )
    assert named.status_code == 200 and statuses(named.json()["results"]) == [201]
    unnamed = api.post("/api/v1/sync/records/", {"records": [start()]}, format="json")
    assert unnamed.status_code == 200 and statuses(unnamed.json()["results"]) == [201]
    assert ClientRecord.objects.filter(user=user).count() == 2


def test_a_pull_for_another_user_is_409_without_data(cc: CaseCity, api: APIClient) -> None:
    worker = cc.users["worker"]
    api.force_login(cc.users["worker"])
    assert api.get("/api/v1/sync/pull/", headers={"X-Gridgov-User": worker.get_username()}).status_code == 200
    response = api.get("/api/v1/sync/pull/", headers={"X-Gridgov-User": "someone-else"})
    assert response.status_code == 409
    assert set(response.json()) == {"code", "detail"}


def test_a_photo_for_another_user_is_409_and_not_stored(cc: CaseCity, api: APIClient) -> None:
    worker = cc.users["worker"]
    photo = str(uuid.uuid4())
    record = rec("patrol_start", {"patrol": str(uuid.uuid4())}, photos=[photo])
    api.force_login(worker)
    assert statuses(api.post("/api/v1/sync/records/", {"records": [record]}, format="json").json()["results"]) == [201]
    upload = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    response = api.put(
        f"/api/v1/sync/photos/{photo}/",
        {"record": record["uuid"], "image": upload},
        format="multipart",
        headers={"X-Gridgov-User": "someone-else"},
    )
    assert response.status_code == 409 and response.json()["code"] == "user_mismatch"
    assert FieldPhoto.objects.count() == 0
