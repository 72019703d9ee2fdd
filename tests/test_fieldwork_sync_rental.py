"""The phone's edit of a rental house (``rental_edit``, docs/fieldwork-sync.md) and the rental houses in the pull:
stored once with a new version, a stale edit of a field someone else changed is a 409 naming it with the server's
version while an edit of an untouched field merges, out of scope is 404, a reader who may not change is 403, bad
values are 400 per field; the pull holds the rental houses of the worker's grids with their versions, in a fixed
number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from gridgov.fieldwork.models import ClientRecord
from gridgov.registry import services as registry
from gridgov.registry.models import RentalHouse

from .case_factories import CaseCity
from .fieldwork_sync_factories import NEIGHBOUR_GRID, WORKER_BUILDING, WORKER_GRID, post, rec
from .registry_factories import make_person
from .test_fieldwork_pull import pull

REGISTERED = dt.date(2026, 1, 5)


def rental(cc: CaseCity, *, grid: str = WORKER_GRID, number: str = "101", by: str = "worker", **kw: Any) -> RentalHouse:
    house = cc.city.buildings[grid].houses.get(number=number)
    return registry.register_rental(by=cc.users[by], house=house, on=REGISTERED, **kw)


def edit(r: RentalHouse, changes: dict[str, Any], *, version: int = 1, base: dict[str, Any] | None = None) -> Any:
    return rec("rental_edit", {"rental": r.pk, "version": version, "base": base or {}, "changes": changes})


def test_a_rental_edit_is_stored_with_a_new_version_and_a_replay_answers_the_same(cc: CaseCity, api: APIClient) -> None:
    r = rental(cc, rooms=3)
    record = edit(
        r,
        {"rooms": 4, "safety_checked_on": "2026-03-04", "is_active": False},
        base={"rooms": 3, "safety_checked_on": None, "is_active": True},
    )
    (first,) = post(api, cc.users["worker"], [record])
    assert first["status"] == 201, first
    assert first["result"] == {"type": "rental", "id": r.pk, "version": 2}
    r.refresh_from_db()
    assert (r.rooms, r.safety_checked_on, r.is_active, r.version) == (4, dt.date(2026, 3, 4), False, 2)
    assert ClientRecord.objects.get().kind == "rental_edit"
    (again,) = post(api, cc.users["worker"], [record])
    assert again["status"] == 200 and again["result"] == first["result"]
    r.refresh_from_db()
    assert r.version == 2
    # The same UUID with another value is a conflict naming the changes, and changes nothing.
    other = {**record, "data": {**record["data"], "changes": {"rooms": 9}}}
    (conflict,) = post(api, cc.users["worker"], [other])
    assert conflict["status"] == 409 and conflict["fields"] == ["changes"]
    r.refresh_from_db()
    assert r.rooms == 4


def test_a_stale_edit_of_a_moved_field_is_409_and_of_an_unmoved_field_merges(cc: CaseCity, api: APIClient) -> None:
    r = rental(cc, rooms=3)
    # The community centre records a safety check while the worker's phone is offline with version 1.
    registry.update_rental(by=cc.users["community"], rental=r, changes={"safety_checked_on": dt.date(2026, 3, 1)})
    stale = edit(r, {"safety_checked_on": "2026-03-04"}, base={"safety_checked_on": None})
    (result,) = post(api, cc.users["worker"], [stale])
    assert result["status"] == 409
    assert result["fields"] == ["safety_checked_on"]
    assert result["current_version"] == 2
    assert "safety_checked_on" in result["message"]
    r.refresh_from_db()
    assert r.safety_checked_on == dt.date(2026, 3, 1) and r.version == 2
    assert not ClientRecord.objects.exists()  # nothing acknowledged: the worker resolves and sends a new record
    # A field missing from base counts as moved when the version is old.
    (result,) = post(api, cc.users["worker"], [edit(r, {"rooms": 5})])
    assert result["status"] == 409 and result["fields"] == ["rooms"]
    # Rooms were not touched by the centre: the worker's edit merges onto the newer version.
    merge = edit(r, {"rooms": 5}, base={"rooms": 3})
    (result,) = post(api, cc.users["worker"], [merge])
    assert result["status"] == 201
    assert result["result"] == {"type": "rental", "id": r.pk, "version": 3}
    r.refresh_from_db()
    assert (r.rooms, r.safety_checked_on) == (5, dt.date(2026, 3, 1))


def test_a_rental_out_of_the_workers_scope_is_404(cc: CaseCity, api: APIClient) -> None:
    theirs = rental(cc, grid=NEIGHBOUR_GRID, by="community")
    (result,) = post(api, cc.users["worker"], [edit(theirs, {"rooms": 2})])
    assert result["status"] == 404
    (result,) = post(api, cc.users["worker"], [rec("rental_edit", {"rental": 999999, "version": 1, "changes": {}})])
    assert result["status"] == 404
    theirs.refresh_from_db()
    assert theirs.rooms == 1 and theirs.version == 1


def test_a_role_that_may_read_but_not_change_rentals_is_403(cc: CaseCity, api: APIClient) -> None:
    r = rental(cc)
    (result,) = post(api, cc.users["subdistrict"], [edit(r, {"rooms": 2})])
    assert result["status"] == 403
    assert result["message"]
    r.refresh_from_db()
    assert r.rooms == 1 and r.version == 1
    assert not ClientRecord.objects.exists()


def test_bad_values_are_400_naming_each_field(cc: CaseCity, api: APIClient) -> None:
    r = rental(cc, rooms=2)
    bad = [
        edit(r, {"rooms": 0, "safety_checked_on": "2026-03-05", "is_active": "yes"}),
        edit(r, {"rooms": 1000}),
        edit(r, {"rooms": "三"}),
        edit(r, {"rooms": 2.5}),
        edit(r, {"safety_checked_on": "2026-02-30"}),
        edit(r, {"safety_checked_on": "04/03/2026"}),
        edit(r, {"landlord": 1, "registered_on": "2026-01-01"}),
        edit(r, {}),
        rec("rental_edit", {"rental": r.pk, "changes": {"rooms": 3}}),
        rec("rental_edit", {"rental": "x", "version": 0, "changes": []}),
    ]
    results = post(api, cc.users["worker"], bad)
    assert [x["status"] for x in results] == [400] * len(bad), results
    errors = [x["errors"] for x in results]
    assert set(errors[0]) == {"rooms", "safety_checked_on", "is_active"}
    assert "999" in errors[0]["rooms"][0]
    assert "今天" in errors[0]["safety_checked_on"][0]
    assert set(errors[1]) == {"rooms"} and set(errors[2]) == {"rooms"} and set(errors[3]) == {"rooms"}
    assert set(errors[4]) == {"safety_checked_on"} and set(errors[5]) == {"safety_checked_on"}
    assert set(errors[6]) == {"changes"} and "landlord" in errors[6]["changes"][0]
    assert "registered_on" in errors[6]["changes"][0]
    assert set(errors[7]) == {"changes"}
    assert set(errors[8]) == {"version"}
    assert set(errors[9]) == {"rental", "version", "changes"}
    r.refresh_from_db()
    assert r.rooms == 2 and r.version == 1
    assert not ClientRecord.objects.exists()


def test_clearing_the_safety_check_with_null_is_allowed(cc: CaseCity, api: APIClient) -> None:
    r = rental(cc)
    registry.update_rental(by=cc.users["worker"], rental=r, changes={"safety_checked_on": "2026-02-01"})
    (result,) = post(
        api,
        cc.users["worker"],
        [edit(r, {"safety_checked_on": None}, version=2, base={"safety_checked_on": "2026-02-01"})],
    )
    assert result["status"] == 201
    r.refresh_from_db()
    assert r.safety_checked_on is None and r.version == 3


def test_the_pull_holds_the_rentals_of_the_workers_grids_with_their_versions(cc: CaseCity, api: APIClient) -> None:
    landlord = make_person(cc.city, seq=1, name="房东甲")
    mine = rental(cc, number="201", landlord=landlord, rooms=3)
    plain = rental(cc, number="101")
    rental(cc, grid=NEIGHBOUR_GRID, by="community")
    registry.update_rental(
        by=cc.users["worker"], rental=mine, changes={"safety_checked_on": "2026-03-02", "is_active": False}
    )
    body = pull(api, cc.users["worker"])
    building = cc.city.buildings[WORKER_GRID]
    assert body["rentals"] == [
        {
            "id": plain.pk,
            "house": plain.house_id,
            "building": WORKER_BUILDING,
            "label": f"{building.name} 101",
            "landlord": "",
            "rooms": 1,
            "safety_checked_on": None,
            "is_active": True,
            "registered_on": "2026-01-05",
            "version": 1,
        },
        {
            "id": mine.pk,
            "house": mine.house_id,
            "building": WORKER_BUILDING,
            "label": f"{building.name} 201",
            "landlord": "房东甲",
            "rooms": 3,
            "safety_checked_on": "2026-03-02",
            "is_active": False,
            "registered_on": "2026-01-05",
            "version": 2,
        },
    ]
    # A user without a grid gets none; the rentals are sent whole every time.
    assert pull(api, cc.users["community"])["rentals"] == []


def test_the_pulls_queries_do_not_grow_with_the_rentals(cc: CaseCity, api: APIClient) -> None:
    def measure() -> int:
        api.force_authenticate(cc.users["worker"])
        api.get("/api/v1/sync/pull/")  # warm the per-process caches
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/sync/pull/").status_code == 200
        return len(ctx.captured_queries)

    landlord = make_person(cc.city, seq=1)
    rental(cc, number="101", landlord=landlord)
    small = measure()
    rental(cc, number="201", landlord=make_person(cc.city, seq=3))
    assert len(pull(api, cc.users["worker"])["rentals"]) == 2
    assert measure() == small
