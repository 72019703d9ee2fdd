"""POST /api/v1/sync/records/: the sync rules of docs/fieldwork-sync.md — a replayed batch is harmless, the same
UUID with other content is a 409 naming the fields, a stale person edit is a 409 naming the fields and the server's
version, one bad record does not stop the others, and each refusal has its status (400, 403, 404)."""

from __future__ import annotations

import json
import uuid

from rest_framework.test import APIClient

from gridgov.cases.models import Case, Source
from gridgov.fieldwork.models import CheckIn, ClientRecord, Patrol, TrackPoint, Visit
from gridgov.registry import services as registry

from .case_factories import CaseCity
from .fieldwork_sync_factories import (
    NEIGHBOUR_BUILDING,
    NEIGHBOUR_GRID,
    WORKER_BUILDING,
    at,
    post,
    rec,
    statuses,
)
from .registry_factories import make_person


def field_day(cc: CaseCity) -> list[dict[str, object]]:
    """A morning's records: a patrol with a track and a check-in, a visit, a case report, the patrol's end."""
    person = make_person(cc.city)
    patrol = str(uuid.uuid4())
    points = [[at(i), 114.403 + i * 0.0001, 23.105, 5] for i in range(10)]
    return [
        rec("patrol_start", {"patrol": patrol}, made_at=at(0)),
        rec("track", {"patrol": patrol, "points": points}, made_at=at(10)),
        rec("checkin", {"patrol": patrol, "building": WORKER_BUILDING, "lon": 114.405, "lat": 23.11}, made_at=at(11)),
        rec("visit", {"person": person.pk, "situation": "身体尚好", "needs": "需要助餐"}, made_at=at(20)),
        rec(
            "case_report",
            {"category": "0101", "lon": 114.405, "lat": 23.105, "description": "垃圾堆放", "address": "某路1号"},
            made_at=at(30),
        ),
        rec("patrol_stop", {"patrol": patrol}, made_at=at(40)),
    ]


def counts() -> dict[str, int]:
    return {
        "records": ClientRecord.objects.count(),
        "patrols": Patrol.objects.count(),
        "points": TrackPoint.objects.count(),
        "checkins": CheckIn.objects.count(),
        "visits": Visit.objects.count(),
        "cases": Case.objects.count(),
    }


def test_a_replayed_batch_answers_as_the_first_time_and_doubles_nothing(cc: CaseCity, api: APIClient) -> None:
    records = field_day(cc)
    first = post(api, cc.users["worker"], records)
    assert statuses(first) == [201] * 6, first
    after_first = counts()
    assert after_first == {"records": 6, "patrols": 1, "points": 10, "checkins": 1, "visits": 1, "cases": 1}
    again = post(api, cc.users["worker"], records)
    assert statuses(again) == [200] * 6
    assert [r["result"] for r in again] == [r["result"] for r in first]
    assert counts() == after_first
    case = Case.objects.get()
    assert first[4]["result"] == {"type": "case", "id": case.pk, "number": case.number}
    assert str(case.client_uuid) == records[4]["uuid"]
    assert case.source == Source.PATROL
    patrol = Patrol.objects.get()
    assert patrol.status == "ended" and patrol.duration_s == 9 * 60  # what the track covers, not start to stop
    # The phone's time is kept beside the server's.
    visit = Visit.objects.get()
    assert visit.made_at.isoformat() == "2026-03-04T00:20:00+00:00"


def test_the_same_uuid_with_other_content_is_409_naming_the_fields(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    visit = rec("visit", {"person": person.pk, "situation": "身体尚好", "needs": ""})
    assert statuses(post(api, cc.users["worker"], [visit])) == [201]
    changed = {**visit, "data": {**visit["data"], "situation": "住院了", "needs": "送药"}}
    (result,) = post(api, cc.users["worker"], [changed])
    assert result["status"] == 409
    assert result["fields"] == ["needs", "situation"]
    assert "situation" in result["message"]
    assert Visit.objects.get().situation == "身体尚好"
    other_kind = {**visit, "kind": "task_report", "data": {"task": 1, "report": "x"}}
    (result,) = post(api, cc.users["worker"], [other_kind])
    assert result["status"] == 409 and "kind" in result["fields"]


def test_someone_elses_uuid_is_409_without_their_content(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    visit = rec("visit", {"person": person.pk, "situation": "身体尚好"})
    post(api, cc.users["worker"], [visit])
    (result,) = post(api, cc.users["community"], [visit])
    assert result["status"] == 409 and result["fields"] == ["uuid"]
    assert Visit.objects.count() == 1


def test_a_stale_person_edit_is_409_naming_the_fields_and_the_current_version(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city, occupation="教师")
    registry.update_person(by=cc.users["community"], person=person, changes={"occupation": "退休"})
    stale = rec(
        "person_edit",
        {"person": person.pk, "version": 1, "base": {"occupation": "教师"}, "changes": {"occupation": "医生"}},
    )
    (result,) = post(api, cc.users["worker"], [stale])
    assert result["status"] == 409
    assert result["fields"] == ["occupation"]
    assert result["current_version"] == 2
    person.refresh_from_db()
    assert person.occupation == "退休" and person.version == 2
    assert not ClientRecord.objects.exists()  # nothing acknowledged: the worker resolves and sends a new record
    # An edit of a field nobody else touched merges onto the newer version.
    merge = rec(
        "person_edit", {"person": person.pk, "version": 1, "base": {"workplace": ""}, "changes": {"workplace": "某厂"}}
    )
    (result,) = post(api, cc.users["worker"], [merge])
    assert result["status"] == 201
    assert result["result"] == {"type": "person", "id": person.pk, "version": 3}
    person.refresh_from_db()
    assert person.workplace == "某厂" and person.occupation == "退休"


def test_the_ledger_keeps_no_plain_phone_number_of_a_person_edit(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    edit = rec("person_edit", {"person": person.pk, "version": 1, "changes": {"phone": "13912345678"}})
    assert statuses(post(api, cc.users["worker"], [edit])) == [201]
    stored = ClientRecord.objects.get()
    assert "13912345678" not in json.dumps(stored.content)
    person.refresh_from_db()
    assert person.phone.reveal() == "13912345678"
    assert statuses(post(api, cc.users["worker"], [edit])) == [200]
    other = {**edit, "data": {**edit["data"], "changes": {"phone": "13912345679"}}}
    (result,) = post(api, cc.users["worker"], [other])
    assert result["status"] == 409 and result["fields"] == ["changes"]


def test_a_batch_with_one_bad_record_stores_the_good_ones_and_reports_the_bad_one(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    good_visit = rec("visit", {"person": person.pk, "situation": "身体尚好"})
    bad_visit = rec("visit", {"person": person.pk, "situation": "  "})
    good_checkin = rec("checkin", {"building": WORKER_BUILDING})
    results = post(api, cc.users["worker"], [good_visit, bad_visit, good_checkin])
    assert statuses(results) == [201, 400, 201]
    assert "situation" in results[1]["errors"]
    assert Visit.objects.count() == 1 and CheckIn.objects.count() == 1
    assert set(ClientRecord.objects.values_list("kind", flat=True)) == {"visit", "checkin"}
    # The bad one, corrected under the same UUID, goes through: it was never acknowledged.
    fixed = {**bad_visit, "data": {**bad_visit["data"], "situation": "已补记"}}
    assert statuses(post(api, cc.users["worker"], [fixed])) == [201]


def test_a_record_about_a_patrol_that_does_not_exist_is_404(cc: CaseCity, api: APIClient) -> None:
    ghost = str(uuid.uuid4())
    results = post(
        api,
        cc.users["worker"],
        [
            rec("track", {"patrol": ghost, "points": [[at(1), 114.405, 23.105, 5]]}),
            rec("patrol_stop", {"patrol": ghost}),
            rec("checkin", {"patrol": ghost, "building": WORKER_BUILDING}),
        ],
    )
    assert statuses(results) == [404, 404, 404]  # "send the referenced record first": kept for a later send
    assert not TrackPoint.objects.exists() and not CheckIn.objects.exists()


def test_a_check_in_at_a_building_outside_the_workers_grid_is_refused(cc: CaseCity, api: APIClient) -> None:
    results = post(
        api,
        cc.users["worker"],
        [rec("checkin", {"building": NEIGHBOUR_BUILDING}), rec("checkin", {"building": "nonexistent"})],
    )
    assert statuses(results) == [400, 400]
    assert "building" in results[0]["errors"]
    assert not CheckIn.objects.exists()


def test_a_community_dispatcher_cannot_start_a_patrol(cc: CaseCity, api: APIClient) -> None:
    (result,) = post(api, cc.users["community"], [rec("patrol_start", {"patrol": str(uuid.uuid4())})])
    assert result["status"] == 403
    assert not Patrol.objects.exists()


def test_a_worker_cannot_patrol_another_grid(cc: CaseCity, api: APIClient) -> None:
    (result,) = post(
        api, cc.users["worker"], [rec("patrol_start", {"patrol": str(uuid.uuid4()), "grid": NEIGHBOUR_GRID})]
    )
    assert result["status"] == 403


def test_a_visit_to_a_person_out_of_scope_is_404(cc: CaseCity, api: APIClient) -> None:
    neighbour = make_person(cc.city, by="community", grid=NEIGHBOUR_GRID, seq=7)
    (result,) = post(api, cc.users["worker"], [rec("visit", {"person": neighbour.pk, "situation": "身体尚好"})])
    assert result["status"] == 404
    assert not Visit.objects.exists()


def test_a_person_edit_out_of_scope_is_404(cc: CaseCity, api: APIClient) -> None:
    neighbour = make_person(cc.city, by="community", grid=NEIGHBOUR_GRID, seq=7)
    edit = rec("person_edit", {"person": neighbour.pk, "version": 1, "changes": {"occupation": "x"}})
    (result,) = post(api, cc.users["worker"], [edit])
    assert result["status"] == 404


def test_envelope_errors_are_400_naming_the_field(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    data = {"person": person.pk, "situation": "身体尚好"}
    results = post(
        api,
        cc.users["worker"],
        [
            rec("visit", data, made_at="2026-03-04T09:00:00"),  # no offset
            rec("visit", data, made_at="2026-03-04T10:30:00+08:00"),  # half an hour ahead of the server
            rec("visit", data, uid="not-a-uuid"),
            rec("teleport", data),
            rec("visit", data, made_at="2026-03-04T10:02:00+08:00"),  # a phone two minutes fast is fine
        ],
    )
    assert statuses(results) == [400, 400, 400, 400, 201]
    assert "made_at" in results[0]["errors"] and "made_at" in results[1]["errors"]
    assert "uuid" in results[2]["errors"] and "kind" in results[3]["errors"]


def test_a_case_report_with_a_category_not_in_force_is_400(cc: CaseCity, api: APIClient) -> None:
    report = rec("case_report", {"category": "9999", "lon": 114.405, "lat": 23.105, "description": "x"})
    (result,) = post(api, cc.users["worker"], [report])
    assert result["status"] == 400 and "category" in result["errors"]
    assert not Case.objects.exists()


def test_a_batch_is_at_most_200_records(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    records = [rec("checkin", {"building": WORKER_BUILDING}) for _ in range(201)]
    response = api.post("/api/v1/sync/records/", {"records": records}, format="json")
    assert response.status_code == 400 and "records" in response.json()
    assert not CheckIn.objects.exists()


def test_the_upload_needs_a_login(cc: CaseCity, api: APIClient) -> None:
    response = api.post("/api/v1/sync/records/", {"records": []}, format="json")
    assert response.status_code == 401
