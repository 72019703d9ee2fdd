"""In Chromium at phone size: the field app never loses or doubles a record when it is open in two tabs, when the
network stalls, when a button is tapped twice or when the phone's storage refuses a write (docs/fieldwork-app.md).

The server is the real gunicorn process of tests/browser/field_server.py (SQLite only: the sync rules themselves are
tested on both databases by tests/test_fieldwork_sync*.py); the phone is the offline test's (logged in as the grid
worker, the service worker controlling the page). Two tabs are two pages of one browser context."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import test_fieldwork_offline as offline
from tests.browser.field_server import FieldServer
from tests.browser.test_fieldwork_attention import phone_records, save, until
from tests.browser.test_fieldwork_offline import WALK, tab

pytestmark = [pytest.mark.browser]

phone = offline.phone


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FieldServer, dict[str, Any]]]:
    srv = FieldServer(Path(tmp_path_factory.mktemp("field-server-tabs")))
    srv.migrate()
    ids = srv.run_python(offline.SETUP)
    srv.start()
    yield srv, ids
    srv.kill()


def points(page: Any) -> int:
    return int(page.evaluate("document.body.dataset.points || '0'"))


def walk_to(context: Any, page: Any, n: int) -> None:
    """Feed the n-th position of a walk (each a different longitude) and wait until the patrol holds n points."""
    lon, lat = WALK[0]
    context.set_geolocation({"longitude": lon + n * 0.00002, "latitude": lat, "accuracy": 8})
    until(page, "n => Number(document.body.dataset.points) >= n", n)


def test_a_patrol_open_in_two_tabs_records_each_position_once(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, _ids = server
    context, a = phone
    srv.run_python(offline.CLEAR)
    tab(a, "patrol")
    a.click("#patrol-start")
    a.wait_for_selector("body[data-patrol='running'][data-gps='watching']")
    b = context.new_page()
    b.goto(f"{srv.url}/field/app/#patrol")
    b.wait_for_selector("body[data-ready='1'][data-patrol='running']")
    # Only the first tab watches the GPS; the second shows the patrol and its points.
    assert b.evaluate("document.body.dataset.gps") is None
    for n in range(1, 7):
        walk_to(context, a, n)
    until(b, "n => Number(document.body.dataset.points) >= n", 6)
    assert points(a) in (6, 7)  # the first fix, where the patrol started, may have come before the walk
    # The first tab closes: the second takes the GPS over.
    a.close()
    b.wait_for_selector("body[data-gps='watching']")
    for n in range(7, 9):
        walk_to(context, b, n)
    b.click("#patrol-stop")
    b.wait_for_selector("body[data-patrol='idle']")
    assert b.evaluate("document.body.dataset.gps") is None
    records = phone_records(b)
    kinds = [r["kind"] for r in records]
    assert kinds.count("patrol_start") == 1
    assert kinds.count("patrol_stop") == 1
    lons = [p[1] for r in records if r["kind"] == "track" for p in r["data"]["points"]]
    walked = [round(WALK[0][0] + n * 0.00002, 7) for n in range(9)]  # where the patrol started, then 8 steps
    assert sorted(set(lons)) == walked
    # Each position once: only the second tab's first fix, where the first tab left off, comes again (a new time).
    assert [lon for lon in walked if lons.count(lon) > 1] in ([], [walked[6]]), lons


#: A case report inside the worker's grid, as the report form makes it.
REPORT = {
    "category": "0101",
    "lon": 114.405,
    "lat": 23.11,
    "description": "路灯不亮",
    "address": "",
    "urgency": "normal",
}


def phase(page: Any) -> str:
    return str(page.evaluate("gridgovField.outbox.status.phase"))


def test_a_request_that_never_answers_times_out_and_the_next_round_sends(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, _ids = server
    _context, page = phone
    srv.run_python(offline.CLEAR)
    page.evaluate("gridgovField.config.requestTimeoutSeconds = 2")
    stalled: list[Any] = []

    def stall(route: Any) -> None:
        stalled.append(route)

    # A stalled mobile connection: the request goes out and nothing ever comes back.
    page.route("**/api/v1/sync/records/", stall)
    uuid = save(page, "case_report", REPORT, offline.jpeg((200, 30, 30)))
    page.click("#sync-now")
    until(page, "gridgovField.outbox.status.phase === 'network'")
    assert stalled
    assert [r["state"] for r in phone_records(page)] == ["saved"]
    page.unroute("**/api/v1/sync/records/")
    # The photo's request stalls too: the record is stored, the photo waits.
    page.route("**/api/v1/sync/photos/**", stall)
    page.click("#sync-now")
    until(
        page,
        "u => gridgovField.db.getRecord(u).then(r => r.state === 'acked'"
        " && gridgovField.outbox.status.phase === 'network')",
        uuid,
    )
    page.unroute("**/api/v1/sync/photos/**")
    page.click("#sync-now")
    until(page, "u => gridgovField.db.getRecord(u).then(r => r.state === 'sent')", uuid)
    assert phase(page) == "idle"
    got = offline.counts(srv)
    assert (got["cases"], got["photos"], got["records"]) == (1, 1, 1)


def test_a_double_tap_on_start_patrol_starts_one_patrol(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, _ids = server
    context, page = phone
    srv.run_python(offline.CLEAR)
    context.set_offline(True)  # the records stay on the phone, where they are counted
    page.wait_for_function("navigator.onLine === false")
    tab(page, "patrol")
    page.dblclick("#patrol-start")
    page.wait_for_selector("body[data-patrol='running']")
    page.click("#patrol-stop")
    page.wait_for_selector("body[data-patrol='idle']")
    kinds = [r["kind"] for r in phone_records(page) if r["kind"].startswith("patrol_")]
    assert kinds == ["patrol_start", "patrol_stop"]
    assert page.evaluate("gridgovField.db.get('patrol')") is None
    context.set_offline(False)


#: The phone refuses the next IndexedDB write, as a full storage does (once: the write after it goes through).
#: Refuse the next write that holds this longitude (the patrol's point buffer), whatever else is written meanwhile
#: (a timer's flush, the sync state): a refusal of "the next write" alone could hit one of those instead.
REFUSE_POINT_WRITE = """(lon) => {
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value, ...rest) {
    if (JSON.stringify(value).includes(String(lon))) {
      IDBObjectStore.prototype.put = put;
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    }
    return put.call(this, value, ...rest);
  };
}"""

REFUSE_NEXT_WRITE = """() => {
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function () {
    IDBObjectStore.prototype.put = put;
    throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
  };
}"""


def test_a_record_the_phone_cannot_store_is_not_lost_silently(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]], tmp_path: Path
) -> None:
    srv, _ids = server
    context, page = phone
    srv.run_python(offline.CLEAR)
    context.set_offline(True)
    page.wait_for_function("navigator.onLine === false")
    # The app asked for persistent storage at start-up; if refused, 我的记录 says so.
    page.wait_for_selector("body[data-storage]")
    tab(page, "records")
    if page.evaluate("document.body.dataset.storage") == "best-effort":
        assert "可能被清除" in page.inner_text("#storage-note")
    else:
        assert page.locator("#storage-note").is_hidden()
    page.screenshot(path=str(tmp_path / "records-storage.png"), full_page=True)

    tab(page, "report")
    page.select_option("#report-category", "0101")
    page.fill("#report-description", "井盖缺失")
    page.click("#report-locate")
    page.wait_for_selector("#report-form[data-point]")
    page.evaluate(REFUSE_NEXT_WRITE)
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#notice.bad")
    assert "没有保存" in page.inner_text("#notice")
    assert "存储空间已满" in page.inner_text("#notice")
    page.screenshot(path=str(tmp_path / "not-saved.png"))
    # The form keeps what the worker typed, and nothing was stored.
    assert page.input_value("#report-description") == "井盖缺失"
    assert [r for r in phone_records(page) if r["kind"] == "case_report"] == []
    page.click("#report-form button[type=submit]")
    page.wait_for_function("document.getElementById('report-description').value === ''")
    assert len([r for r in phone_records(page) if r["kind"] == "case_report"]) == 1

    # A patrol: a point the phone refuses to store is kept and stored with the next one.
    tab(page, "patrol")
    page.click("#patrol-start")
    page.wait_for_selector("body[data-patrol='running'][data-gps='watching']")
    walk_to(context, page, 1)
    lon, lat = WALK[0]
    refused = round(lon + 0.0002, 7)
    page.evaluate(REFUSE_POINT_WRITE, refused)
    context.set_geolocation({"longitude": refused, "latitude": lat, "accuracy": 8})
    page.wait_for_function("document.getElementById('patrol-position').textContent.includes('暂未存入手机')")
    buffered = "lon => gridgovField.db.get('patrol').then(s => s.buffer.some(p => p[1] === lon))"
    context.set_geolocation({"longitude": refused + 0.0001, "latitude": lat, "accuracy": 8})
    until(page, buffered, refused)
    # The stop refused once: the patrol goes on (GPS still watched); the second tap stops it.
    page.evaluate(REFUSE_NEXT_WRITE)
    page.click("#patrol-stop")
    page.wait_for_selector("#notice.bad")
    assert "没有保存" in page.inner_text("#notice")
    assert page.evaluate("document.body.dataset.patrol + ' ' + document.body.dataset.gps") == "running watching"
    page.click("#patrol-stop")
    page.wait_for_selector("body[data-patrol='idle']")
    assert page.evaluate("document.body.dataset.gps") is None
    lons = [p[1] for r in phone_records(page) if r["kind"] == "track" for p in r["data"]["points"]]
    assert refused in lons
    assert len(lons) == len(set(lons))
    context.set_offline(False)


def test_a_photo_or_a_record_the_server_fails_on_does_not_hold_up_the_others(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]], tmp_path: Path
) -> None:
    srv, _ids = server
    _context, page = phone
    srv.run_python(offline.CLEAR)
    # Three records, the middle one the server fails on (500), and fails on any batch of more than one (413).
    first, bad, last = (save(page, "case_report", {**REPORT, "description": d}) for d in ("一", "二", "三"))

    def records(route: Any) -> None:
        sent = route.request.post_data_json["records"]
        if len(sent) > 1:
            route.fulfill(status=413, json={"detail": "Request Entity Too Large"})
        elif sent[0]["uuid"] == bad:
            route.fulfill(status=500, json={"detail": "服务器内部错误"})
        else:
            route.continue_()

    page.route("**/api/v1/sync/records/", records)
    page.click("#sync-now")
    until(page, "u => gridgovField.db.getRecord(u).then(r => r.state === 'sent')", last)
    until(page, "gridgovField.outbox.status.phase === 'server'")
    got = {r["uuid"]: r["state"] for r in phone_records(page)}
    assert (got[first], got[bad], got[last]) == ("sent", "saved", "sent")
    page.unroute("**/api/v1/sync/records/")
    page.click("#sync-now")
    until(page, "u => gridgovField.db.getRecord(u).then(r => r.state === 'sent')", bad)
    assert offline.counts(srv)["cases"] == 3

    # Two reports with a photo each; the server fails on the first one's photo (503) every time.
    srv.run_python(offline.CLEAR)
    stuck = save(page, "case_report", {**REPORT, "description": "照片发不出去"}, offline.jpeg((200, 30, 30)))
    fine = save(page, "case_report", {**REPORT, "description": "照片正常"}, offline.jpeg((30, 30, 200)))
    stuck_photo = page.evaluate("u => gridgovField.db.getRecord(u).then(r => r.photos[0].uuid)", stuck)

    def photos(route: Any) -> None:
        if stuck_photo in route.request.url:
            route.fulfill(status=503, json={"detail": "Service Unavailable"})
        else:
            route.continue_()

    page.route("**/api/v1/sync/photos/**", photos)
    page.click("#sync-now")
    until(page, "u => gridgovField.db.getRecord(u).then(r => r.state === 'sent')", fine)
    until(page, "gridgovField.outbox.status.phase === 'server'")
    assert page.evaluate("u => gridgovField.db.getRecord(u).then(r => r.state)", stuck) == "acked"
    # The third failure in a row: 需处理, with 重新发送.
    tab(page, "records")
    for _ in range(2):
        page.evaluate("gridgovField.outbox.sync(gridgovField.config)")
    page.wait_for_selector(f"#record-list li[data-uuid='{stuck}'][data-state='attention'] [data-action=retry]")
    page.screenshot(path=str(tmp_path / "photo-failed.png"), full_page=True)
    page.unroute("**/api/v1/sync/photos/**")
    page.click(f"#record-list li[data-uuid='{stuck}'] [data-action=retry]")
    until(page, "u => gridgovField.db.getRecord(u).then(r => r.state === 'sent')", stuck)
    got = offline.counts(srv)
    assert (got["cases"], got["photos"], got["attachments"]) == (2, 2, 2)


def test_a_check_in_sends_a_position_only_if_it_is_recent(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, _ids = server
    context, page = phone
    srv.run_python(offline.CLEAR)
    context.set_offline(True)
    page.clock.install()  # the phone's time, moved on below
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    tab(page, "patrol")
    page.click("#patrol-start")
    page.wait_for_selector("body[data-patrol='running'][data-gps='watching']")
    until(page, "Number(document.body.dataset.points) >= 1")

    def check_in(n: int) -> dict[str, Any]:
        page.select_option("#checkin-building", offline.BUILDING)
        page.click("#checkin-form button[type=submit]")
        until(page, "n => gridgovField.db.allRecords().then(rs => rs.filter(r => r.kind === 'checkin').length >= n)", n)
        return [r for r in phone_records(page) if r["kind"] == "checkin"][n - 1]["data"]

    here = check_in(1)
    assert (here["lon"], here["lat"]) == WALK[0]
    # Two minutes later, with no fix since and none to be had: no position rather than the old one.
    context.clear_permissions()
    page.clock.fast_forward("02:00")
    later = check_in(2)
    assert "lon" not in later
    assert "lat" not in later
    context.grant_permissions(["geolocation"])
    page.click("#patrol-stop")
    page.wait_for_selector("body[data-patrol='idle']")


def test_a_patrols_points_go_30_seconds_after_the_start_and_the_next_visit_lies_ahead(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, _ids = server
    context, page = phone
    srv.run_python(offline.CLEAR)
    context.set_offline(True)
    page.clock.install()
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    # The next visit's date: tomorrow at the earliest (the server refuses today).
    tab(page, "visit")
    tomorrow = page.evaluate(
        "(() => { const d = new Date(); d.setDate(d.getDate() + 1);"
        " return [d.getFullYear(), d.getMonth() + 1, d.getDate()].map(n => String(n).padStart(2, '0')).join('-'); })()"
    )
    assert page.get_attribute("#visit-next", "min") == tomorrow

    # The phone's time now moves only as told, a second at a time, each second's work done before the next. The
    # patrol starts 10 s after the app did.
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # a number: seconds since the epoch
    page.clock.run_for(10_000)
    tab(page, "patrol")
    page.click("#patrol-start")
    page.wait_for_selector("body[data-patrol='running'][data-gps='watching']")
    until(page, "Number(document.body.dataset.points) >= 1")
    tracks = "gridgovField.db.allRecords().then(rs => rs.filter(r => r.kind === 'track').length)"
    assert page.evaluate(tracks) == 0
    for _second in range(35):
        page.clock.run_for(1000)
        page.evaluate("gridgovField.db.get('patrol')")  # that second's work (a flush's writes) has settled
    # Sent 30 s after the start (the clock looked at every 5 s), not at the next tick of a 30-s clock started when
    # the app loaded (up to 60 s).
    until(page, tracks.replace(".length)", ".length === 1)"))
    context.set_offline(False)
