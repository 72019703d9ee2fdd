"""In Chromium at phone size (360×740): what the grid worker does with the records the server refused (需处理), and
the edit screens of a person and of a rental house (docs/fieldwork-app.md).

The server is the real gunicorn process of tests/browser/field_server.py (its own SQLite data directory: the field
server drops DATABASE_URL, so these run on SQLite only; the sync rules themselves are tested on both databases by
tests/test_fieldwork_sync*.py). A refused record corrected on the phone arrives once and the refused one is gone
from the phone; discarding asks first and stays discarded after a reload; a person edit made stale by a change on
the server (through the service, between the pull and the sync) shows the worker's value beside the server's
(masked where protected) and either wins as a new version or is dropped; a rental house checked from the grid map
arrives."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import test_fieldwork_offline as offline
from tests.browser.field_server import FieldServer
from tests.browser.test_fieldwork_offline import jpeg, tab

pytestmark = [pytest.mark.browser]

#: The offline test's phone (logged in as the grid worker, the service worker controlling the page), on this
#: module's server.
phone = offline.phone

SETUP = """
import datetime as dt, json
from tests.case_factories import build_case_city
from tests.registry_factories import make_person
from gridgov.registry import services

cc = build_case_city()
worker = cc.city.users["worker"]
person = make_person(cc.city, seq=1, name="张三", phone="13912345678", occupation="个体经营", education="senior")
house = cc.city.buildings["441302001001001"].houses.get(number="101")
rental = services.register_rental(by=worker, house=house, on=dt.date(2026, 1, 5), landlord=person, rooms=3)
print(json.dumps({"person": person.pk, "rental": rental.pk}))
"""

CLEAR = """
import json
from gridgov.cases.models import Case, CaseAttachment
from gridgov.fieldwork.models import CheckIn, ClientRecord, FieldPhoto, Patrol, TrackPoint, Visit
for model in (FieldPhoto, ClientRecord, CheckIn, TrackPoint, Visit, Patrol, CaseAttachment):
    model.objects.all().delete()
Case.objects.all().delete()
print(json.dumps(True))
"""

STORED = """
import json
from gridgov.cases.models import Case, CaseAttachment
from gridgov.fieldwork.models import ClientRecord, Visit
from gridgov.registry.models import Person, RentalHouse
p = Person.objects.get(name="张三")
r = RentalHouse.objects.get()
print(json.dumps({
    "records": sorted(str(u) for u in ClientRecord.objects.values_list("uuid", flat=True)),
    "cases": list(Case.objects.values_list("description", flat=True)),
    "attachments": CaseAttachment.objects.count(),
    "visits": list(Visit.objects.order_by("made_at").values_list("situation", flat=True)),
    "occupation": p.occupation,
    "phone": p.phone.reveal() if p.phone else "",
    "person_version": p.version,
    "rooms": r.rooms,
    "checked": r.safety_checked_on.isoformat() if r.safety_checked_on else None,
    "rented": r.is_active,
    "rental_version": r.version,
}))
"""

#: Someone at the centre changes the person's occupation (the service, as the registry page would).
CHANGE_ON_SERVER = """
import json
from gridgov.accounts.models import User
from gridgov.registry.models import Person
from gridgov.registry.services import update_person
p = update_person(by=User.objects.get(username="worker"), person=Person.objects.get(name="张三"),
                  changes={"occupation": "教师"})
print(json.dumps(p.version))
"""

RESET_PERSON = """
import json
from gridgov.accounts.models import User
from gridgov.registry.models import Person
from gridgov.registry.services import update_person
p = Person.objects.get(name="张三")
p = update_person(
    by=User.objects.get(username="worker"), person=p, changes={"occupation": "个体经营", "phone": "13912345678"}
)
print(json.dumps(p.version))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FieldServer, dict[str, Any]]]:
    srv = FieldServer(Path(tmp_path_factory.mktemp("field-server-attention")))
    srv.migrate()
    ids = srv.run_python(SETUP)
    srv.start()
    yield srv, ids
    srv.kill()


def until(page: Any, script: str, arg: Any = None, timeout: float = 30) -> None:
    """Wait for an async condition in the page (wait_for_function takes a promise for a truthy value)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {script}"
        page.wait_for_timeout(100)


def stored(srv: FieldServer) -> dict[str, Any]:
    return dict(srv.run_python(STORED))


def phone_records(page: Any) -> list[dict[str, Any]]:
    """The records in the phone's IndexedDB (uuid, kind, state, made_at, number of photos)."""
    return list(
        page.evaluate(
            "gridgovField.db.allRecords().then(rs => rs.map(r => ({uuid: r.uuid, kind: r.kind, state: r.state,"
            " made_at: r.made_at, photos: r.photos.length, data: r.data})))"
        )
    )


def save(page: Any, kind: str, data: dict[str, Any], photo: bytes | None = None) -> str:
    """A record made by the outbox as a form would (optionally with one JPEG photo); its UUID."""
    return str(
        page.evaluate(
            "([kind, data, bytes]) => gridgovField.outbox.save(kind, data,"
            " bytes ? [new Blob([new Uint8Array(bytes)], {type: 'image/jpeg'})] : []).then(r => r.uuid)",
            [kind, data, list(photo) if photo else None],
        )
    )


def sync(page: Any) -> None:
    before = page.evaluate("gridgovField.outbox.status.lastSync ? gridgovField.outbox.status.lastSync.getTime() : 0")
    page.click("#sync-now")
    page.wait_for_function(
        "t => gridgovField.outbox.status.lastSync && gridgovField.outbox.status.lastSync.getTime() > t", arg=before
    )


def row(page: Any, uuid: str) -> Any:
    return page.locator(f"#record-list li[data-uuid='{uuid}']")


def only_new(page: Any, kind: str, old: str) -> dict[str, Any]:
    mine = [r for r in phone_records(page) if r["kind"] == kind]
    assert len(mine) == 1, mine
    assert mine[0]["uuid"] != old
    return mine[0]


def test_a_refused_report_corrected_arrives_once_and_the_refused_one_is_gone(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]], tmp_path: Path
) -> None:
    srv, _ids = server
    _context, page = phone
    srv.run_python(CLEAR)
    tab(page, "records")
    # A report whose point lies outside every grid, with a photo: 400 on the location.
    old = save(
        page,
        "case_report",
        {"category": "0101", "lon": 114.30, "lat": 23.05, "description": "网格外", "address": "", "urgency": "normal"},
        jpeg((200, 30, 30)),
    )
    made_at = phone_records(page)[0]["made_at"]
    sync(page)
    page.wait_for_selector(f"#record-list li[data-uuid='{old}'][data-state='attention']")
    assert "位置:不在任何网格内" in row(page, old).inner_text()
    page.screenshot(path=str(tmp_path / "attention-400.png"))

    row(page, old).locator("[data-action=fix]").click()
    page.wait_for_selector("body[data-view='edit'][data-edit='case_report']")
    # The record's own form, prefilled with its data and its photo.
    assert page.input_value("#edit-category") == "0101"
    assert page.input_value("#edit-description") == "网格外"
    assert page.locator("#fix-form .thumb input[name=keep]").is_checked()
    assert "不在任何网格内" in page.inner_text("#edit-body")
    # The form survives the app being closed and opened again.
    page.reload()
    page.wait_for_selector("body[data-ready='1'][data-edit='case_report']")
    assert page.input_value("#edit-description") == "网格外"
    # Leave the description empty: refused on the phone, in Chinese, before anything is saved.
    page.fill("#edit-description", "")
    page.click("#fix-form button[type=submit]")
    page.wait_for_selector("#fix-form [data-error=description]")
    assert "请填写情况描述" in page.inner_text("#notice")
    page.fill("#edit-description", "路边垃圾堆放(已改位置)")
    page.locator("#fix-map").click(position={"x": 160, "y": 110})  # the map is fitted to the grid: inside it
    page.wait_for_selector("#fix-map[data-point]")
    page.screenshot(path=str(tmp_path / "fix-form.png"), full_page=True)
    page.click("#fix-form button[type=submit]")
    page.wait_for_selector("body[data-view='records']")

    new = only_new(page, "case_report", old)
    assert new["made_at"] == made_at  # the phone's time of the act is kept
    assert new["photos"] == 1
    page.wait_for_selector(f"#record-list li[data-uuid='{new['uuid']}'][data-state='sent']", timeout=60_000)
    assert row(page, old).count() == 0
    db = stored(srv)
    assert db["records"] == [new["uuid"]]
    assert db["cases"] == ["路边垃圾堆放(已改位置)"]
    assert db["attachments"] == 1
    # Replaying changes nothing.
    sync(page)
    assert stored(srv)["cases"] == ["路边垃圾堆放(已改位置)"]


def test_a_content_conflict_is_resent_as_a_new_record(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, ids = server
    _context, page = phone
    srv.run_python(CLEAR)
    tab(page, "records")
    first = save(page, "visit", {"person": ids["person"], "situation": "正常", "needs": ""})
    sync(page)
    page.wait_for_selector(f"#record-list li[data-uuid='{first}'][data-state='sent']")
    # The same UUID comes back with other content: 409 naming the field.
    page.evaluate(
        "uuid => gridgovField.db.updateRecord(uuid, r => { r.data.situation = '改过的内容'; r.state = 'saved'; })",
        first,
    )
    sync(page)
    page.wait_for_selector(f"#record-list li[data-uuid='{first}'][data-state='attention']")
    assert "与服务器不一致的字段:走访情况" in row(page, first).inner_text()

    row(page, first).locator("[data-action=fix]").click()
    page.wait_for_selector("body[data-edit='visit']")
    assert page.input_value("#edit-who") == f"person:{ids['person']}"
    assert page.input_value("#edit-situation") == "改过的内容"
    page.fill("#edit-needs", "需要助餐服务")
    page.click("#fix-form button[type=submit]")
    page.wait_for_selector("body[data-view='records']")
    new = only_new(page, "visit", first)
    page.wait_for_selector(f"#record-list li[data-uuid='{new['uuid']}'][data-state='sent']")
    assert row(page, first).count() == 0
    db = stored(srv)
    assert sorted(db["records"]) == sorted([first, new["uuid"]])
    assert db["visits"] == ["正常", "改过的内容"]  # the first as first sent, the corrected one as a new visit


def test_discarding_asks_first_and_a_reload_keeps_it_gone(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]], tmp_path: Path
) -> None:
    srv, ids = server
    _context, page = phone
    srv.run_python(CLEAR)
    tab(page, "records")
    sent = save(page, "visit", {"person": ids["person"], "situation": "正常", "needs": ""})
    gone = save(page, "task_report", {"task": 999999, "report": "已完成"})  # no such task: 404
    stop = save(page, "patrol_stop", {"patrol": "00000000-0000-4000-8000-000000000000"})  # no such patrol: 404
    sync(page)
    page.wait_for_selector(f"#record-list li[data-uuid='{gone}'][data-state='attention']")
    page.wait_for_selector(f"#record-list li[data-uuid='{stop}'][data-state='attention']")
    page.wait_for_selector(f"#record-list li[data-uuid='{sent}'][data-state='sent']")
    # Out of scope / not found: explained, no correcting, only discarding; a sent record offers nothing.
    assert "不在您的网格范围内" in row(page, gone).inner_text()
    assert row(page, gone).locator("[data-action=fix]").count() == 0
    assert row(page, stop).locator("[data-action=fix]").count() == 0
    assert row(page, sent).locator("button, a.button").count() == 0

    row(page, gone).locator("[data-action=discard]").click()
    page.wait_for_selector(f"#record-list li[data-uuid='{gone}'] [data-confirm=discard]")
    assert "服务器从未保存过它" in row(page, gone).inner_text()
    page.screenshot(path=str(tmp_path / "discard-confirm.png"))
    row(page, gone).locator("[data-action=cancel]").click()
    page.wait_for_selector(f"#record-list li[data-uuid='{gone}'] [data-confirm]", state="detached")
    assert row(page, gone).count() == 1  # cancelled: kept

    row(page, gone).locator("[data-action=discard]").click()
    row(page, gone).locator("[data-action=confirm]").click()
    page.wait_for_selector(f"#record-list li[data-uuid='{gone}']", state="detached")
    assert gone not in [r["uuid"] for r in phone_records(page)]
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    tab(page, "records")
    page.wait_for_selector(f"#record-list li[data-uuid='{stop}']")
    assert row(page, gone).count() == 0
    assert gone not in [r["uuid"] for r in phone_records(page)]
    assert stored(srv)["records"] == [sent]
    # A refused record cannot be discarded once it is back in the queue (the outbox refuses inside its transaction).
    page.evaluate("uuid => gridgovField.db.updateRecord(uuid, r => { r.state = 'saved'; })", stop)
    refused = page.evaluate("uuid => gridgovField.outbox.discard(uuid).then(() => 'gone', e => String(e))", stop)
    assert "saved" in refused
    assert stop in [r["uuid"] for r in phone_records(page)]


def make_stale_person_edit(context: Any, page: Any, srv: FieldServer, ids: dict[str, Any]) -> str:
    """Edit 张三 on the phone offline (occupation and phone); the centre changes the occupation meanwhile; the
    sync answers 409 stale. Returns the record's UUID."""
    srv.run_python(CLEAR)
    version = srv.run_python(RESET_PERSON)
    page.click("#sync-now")  # pull the person as the server has it now
    until(
        page,
        "([id, v]) => gridgovField.db.get('pulled').then(d => d.people.some(p => p.id === id && p.version === v))",
        [ids["person"], version],
    )
    # …and the views show it (they read the pulled data when they redraw).
    until(page, "() => gridgovField.db.get('pulledVersion').then(v => String(v) === document.body.dataset.pulled)")
    context.set_offline(True)
    page.wait_for_function("navigator.onLine === false")
    page.evaluate(f"location.hash = '#visit?person={ids['person']}'")
    page.wait_for_selector("body[data-view='visit']")
    page.click("#visit-edit-person")
    page.wait_for_selector("body[data-view='edit'][data-edit='person']")
    assert page.get_attribute("#edit-phone", "placeholder") == "139****5678"
    assert page.input_value("#edit-phone") == ""
    assert page.input_value("#edit-occupation") == "个体经营"
    assert page.input_value("#edit-education") == "senior"
    # The registry's phone rule, in Chinese, before saving.
    page.fill("#edit-phone", "1391234")
    page.fill("#edit-occupation", "快递员")
    page.click("#person-form button[type=submit]")
    page.wait_for_selector("#person-form [data-error=phone]")
    assert "手机号为 1 开头的 11 位数字" in page.inner_text("#person-form")
    page.fill("#edit-phone", "137 0000 1111")
    page.click("#person-form button[type=submit]")
    page.wait_for_selector("body[data-view='records']")
    (record,) = [r for r in phone_records(page) if r["kind"] == "person_edit"]
    assert record["data"]["changes"] == {"phone": "13700001111", "occupation": "快递员"}
    assert record["data"]["base"]["occupation"] == "个体经营"
    assert "phone" not in record["data"]["base"]  # a masked value is no base

    srv.run_python(CHANGE_ON_SERVER)  # between the pull and the sync
    context.set_offline(False)
    page.wait_for_selector(f"#record-list li[data-uuid='{record['uuid']}'][data-state='attention']")
    return str(record["uuid"])


def test_a_stale_person_edit_shows_both_values_and_mine_can_win(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]], tmp_path: Path
) -> None:
    srv, ids = server
    context, page = phone
    uuid = make_stale_person_edit(context, page, srv, ids)
    before = stored(srv)["person_version"]
    item = row(page, uuid)
    # Both values of each conflicting field, once the server's are pulled; the server's phone stays masked.
    page.wait_for_selector(f"#record-list li[data-uuid='{uuid}'] tr[data-field=occupation] td.theirs:text('教师')")
    assert item.locator("tr[data-field=occupation] td.mine").inner_text() == "快递员"
    assert item.locator("tr[data-field=phone] td.theirs").inner_text() == "139****5678"
    assert item.locator("tr[data-field=phone] td.mine").inner_text() == "13700001111"
    assert "13912345678" not in page.content()
    page.screenshot(path=str(tmp_path / "stale.png"))

    item.locator("[data-action=keep-mine]").click()
    page.wait_for_selector(f"#record-list li[data-uuid='{uuid}']", state="detached")
    new = only_new(page, "person_edit", uuid)
    assert new["data"]["base"]["occupation"] == "教师" and new["data"]["version"] == before
    page.wait_for_selector(f"#record-list li[data-uuid='{new['uuid']}'][data-state='sent']")
    db = stored(srv)
    assert (db["occupation"], db["phone"], db["person_version"]) == ("快递员", "13700001111", before + 1)


def test_a_stale_person_edit_dropped_leaves_the_servers_value(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, ids = server
    context, page = phone
    uuid = make_stale_person_edit(context, page, srv, ids)
    before = stored(srv)
    page.wait_for_selector(f"#record-list li[data-uuid='{uuid}'] tr[data-field=occupation] td.theirs:text('教师')")
    row(page, uuid).locator("[data-action=dropMine]").click()
    row(page, uuid).locator("[data-action=confirm]").click()
    page.wait_for_selector(f"#record-list li[data-uuid='{uuid}']", state="detached")
    assert not [r for r in phone_records(page) if r["kind"] == "person_edit"]
    after = stored(srv)
    assert (after["occupation"], after["phone"]) == ("教师", "13912345678")
    assert after["person_version"] == before["person_version"]


def test_a_rental_house_checked_from_the_grid_map_arrives(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]], tmp_path: Path
) -> None:
    srv, ids = server
    _context, page = phone
    srv.run_python(CLEAR)
    before = stored(srv)
    tab(page, "map")
    page.wait_for_selector("#grid-map[data-ready='1']")
    page.locator("#grid-map path.leaflet-interactive").first.click()
    link = page.locator(f".leaflet-popup a[data-rental='{ids['rental']}']")
    link.wait_for()
    assert "3 间" in page.inner_text(".leaflet-popup") and "未做过安全检查" in page.inner_text(".leaflet-popup")
    page.screenshot(path=str(tmp_path / "map-rentals.png"))
    link.click()
    page.wait_for_selector("body[data-view='edit'][data-edit='rental']")
    assert page.input_value("#edit-rooms") == str(before["rooms"])
    assert page.locator("#edit-is_active").is_checked() == before["rented"]
    page.fill("#edit-rooms", "0")
    page.click("#rental-form button[type=submit]")
    page.wait_for_selector("#rental-form [data-error=rooms]")
    page.fill("#edit-rooms", str(before["rooms"] + 2))
    page.click("[data-action=today]")
    today = page.input_value("#edit-safety_checked_on")
    page.screenshot(path=str(tmp_path / "rental.png"))
    page.click("#rental-form button[type=submit]")
    page.wait_for_selector("body[data-view='records']")
    (record,) = [r for r in phone_records(page) if r["kind"] == "rental_edit"]
    assert record["data"]["changes"] == {"rooms": before["rooms"] + 2, "safety_checked_on": today}
    page.wait_for_selector(f"#record-list li[data-uuid='{record['uuid']}'][data-state='sent']")
    db = stored(srv)
    assert (db["rooms"], db["checked"], db["rented"]) == (before["rooms"] + 2, today, before["rented"])
    assert db["rental_version"] == before["rental_version"] + 1


def test_a_refused_photo_can_be_given_up_and_its_record_counts_as_sent(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, ids = server
    _context, page = phone
    srv.run_python(CLEAR)
    tab(page, "records")
    # A visit with a "photo" that is no image: the visit is stored, the photo refused (400).
    uuid = save(page, "visit", {"person": ids["person"], "situation": "正常", "needs": ""}, b"not an image at all")
    sync(page)
    page.wait_for_selector(f"#record-list li[data-uuid='{uuid}'][data-state='attention']")
    item = row(page, uuid)
    assert "记录本身已保存" in item.inner_text()
    assert item.locator("[data-action=fix], [data-action=discard]").count() == 0  # the record is on the server
    item.locator("[data-action=photo]").click()
    item.locator("[data-action=confirm]").click()
    page.wait_for_selector(f"#record-list li[data-uuid='{uuid}'][data-state='sent']")
    (record,) = phone_records(page)
    assert record["photos"] == 0
    assert stored(srv)["records"] == [uuid]


def test_records_about_a_patrol_whose_start_was_refused_go_once_the_start_is_stored(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    """The start of a patrol answered 500 (the server failed on it alone), so its track and stop were 404 (no such
    patrol yet): they are not "discard only" — they wait, and go by themselves once the start is resent."""
    srv, _ids = server
    _context, page = phone
    srv.run_python(CLEAR)
    tab(page, "records")
    patrol = str(page.evaluate("crypto.randomUUID()"))
    start = save(page, "patrol_start", {"patrol": patrol})
    lon, lat = offline.WALK[0]
    point_at = str(page.evaluate("new Date().toISOString()"))
    track = save(page, "track", {"patrol": patrol, "points": [[point_at, lon, lat, 8]]})
    stop = save(page, "patrol_stop", {"patrol": patrol})
    answers = {
        start: {"uuid": start, "status": 500, "message": "服务器处理该记录时出错,请稍后重试。"},
        track: {"uuid": track, "status": 404, "message": "记录所指的对象不存在或不在您的权限范围内。"},
        stop: {"uuid": stop, "status": 404, "message": "记录所指的对象不存在或不在您的权限范围内。"},
    }

    def refuse_once(route: Any) -> None:
        sent = route.request.post_data_json["records"]
        route.fulfill(json={"results": [answers[r["uuid"]] for r in sent]})

    page.route("**/api/v1/sync/records/", refuse_once)
    try:
        sync(page)
    finally:
        page.unroute("**/api/v1/sync/records/")
    for uuid in (start, track, stop):
        page.wait_for_selector(f"#record-list li[data-uuid='{uuid}'][data-state='attention']")
    # The track says why it waits and offers to resend, not only to discard.
    assert "会自动重新发送" in row(page, track).inner_text()
    assert row(page, track).locator("[data-action=retry]").count() == 1
    assert stored(srv)["records"] == []

    row(page, start).locator("[data-action=retry]").click()
    for uuid in (start, track, stop):
        page.wait_for_selector(f"#record-list li[data-uuid='{uuid}'][data-state='sent']", timeout=60_000)
    assert sorted(stored(srv)["records"]) == sorted([start, track, stop])


def test_a_record_too_old_for_the_server_can_only_be_discarded(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    """A record kept on the phone longer than FIELDWORK_MAX_OFFLINE_DAYS is refused on made_at: correcting it would
    re-date the work, so the app offers only to discard it."""
    srv, ids = server
    _context, page = phone
    srv.run_python(CLEAR)
    tab(page, "records")
    old = save(page, "visit", {"person": ids["person"], "situation": "很久以前的走访", "needs": ""})
    page.evaluate(
        "uuid => gridgovField.db.updateRecord(uuid, r => {"
        " const d = new Date(Date.now() - 40 * 86400 * 1000);"
        " r.made_at = d.toISOString().replace('Z', '+00:00'); })",
        old,
    )
    sync(page)
    page.wait_for_selector(f"#record-list li[data-uuid='{old}'][data-state='attention']")
    text = row(page, old).inner_text()
    assert "服务器已不再接收" in text
    assert row(page, old).locator("[data-action=fix]").count() == 0
    assert row(page, old).locator("[data-action=discard]").count() == 1
    assert stored(srv)["visits"] == []
