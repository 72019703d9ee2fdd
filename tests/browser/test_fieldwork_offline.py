"""In Chromium at phone size (360×740): the grid worker's app works offline and never loses or doubles a record.

The server is a real gunicorn process on its own SQLite data directory (tests/browser/field_server.py), so that it
can be killed in the middle of a sync and started again on the same port; the database is read from another
process. The worker logs in, opens /field/app/ (the service worker installs, the pull fills IndexedDB), goes
offline, patrols (positions from the emulated GPS, the app reloaded mid-patrol, a check-in), reports two cases
with photos, records a visit with a photo and stops the patrol; reloads the page offline (everything still
"saved on phone"); goes online, and everything arrives exactly once. Then the same with the server killed after
it stored a batch but before the phone heard the answer, and again after it stored a photo: resending after the
restart doubles nothing."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.field_server import FieldServer
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]

GRID = "441302001001001"
BUILDING = f"{GRID}00001"
#: A short walk inside the worker's grid (box 114.40–114.41 E, 23.10–23.12 N), near its building at 114.405, 23.11.
WALK = [(114.40480, 23.10960), (114.40490, 23.10975), (114.40500, 23.10990), (114.40505, 23.11000)]

SETUP = """
import datetime as dt, json
from tests.case_factories import build_case_city
from tests.registry_factories import make_person
from gridgov.registry import services
from gridgov.registry.models import TagKind

cc = build_case_city()
worker = cc.city.users["worker"]
people = [make_person(cc.city, seq=i, name=name) for i, name in ((1, "张三"), (2, "李四"))]
tag = services.tag_person(
    by=worker, person=people[0], kind=TagKind.DISABLED, on=dt.date(2026, 1, 5), details={"grade": 2}
)
print(json.dumps({"person": people[0].pk, "tag": tag.pk}))
"""

COUNTS = """
import json
from gridgov.cases.models import Case, CaseAttachment
from gridgov.fieldwork.models import CheckIn, ClientRecord, FieldPhoto, Patrol, TrackPoint, Visit
print(json.dumps({
    "records": ClientRecord.objects.count(),
    "patrols": Patrol.objects.count(),
    "ended": Patrol.objects.filter(status="ended").count(),
    "points": TrackPoint.objects.count(),
    "checkins": CheckIn.objects.count(),
    "cases": Case.objects.count(),
    "visits": Visit.objects.count(),
    "photos": FieldPhoto.objects.count(),
    "attachments": CaseAttachment.objects.count(),
}))
"""

CLEAR = """
import json
from gridgov.cases.models import Case, CaseAttachment, CaseEvent
from gridgov.fieldwork.models import CheckIn, ClientRecord, FieldPhoto, Patrol, TrackPoint, Visit
for model in (FieldPhoto, ClientRecord, CheckIn, TrackPoint, Visit, Patrol, CaseAttachment):
    model.objects.all().delete()
Case.objects.all().delete()
print(json.dumps(True))
"""

NOTHING = {
    "records": 0,
    "patrols": 0,
    "ended": 0,
    "points": 0,
    "checkins": 0,
    "cases": 0,
    "visits": 0,
    "photos": 0,
    "attachments": 0,
}


def jpeg(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FieldServer, dict[str, Any]]]:
    srv = FieldServer(Path(tmp_path_factory.mktemp("field-server")))
    srv.migrate()
    ids = srv.run_python(SETUP)
    srv.start()
    yield srv, ids
    srv.kill()


@pytest.fixture
def phone(chromium: Any, server: tuple[FieldServer, dict[str, Any]]) -> Iterator[Any]:
    srv, _ids = server
    context = chromium.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=1,
        locale="zh-CN",
        permissions=["geolocation"],
        geolocation={"longitude": WALK[0][0], "latitude": WALK[0][1], "accuracy": 8},
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{srv.url}/accounts/login/?next=/field/app/")
    page.fill("input[name=username]", "worker")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{srv.url}/field/app/")
    page.wait_for_selector("body[data-ready='1'][data-sw='ready']")
    # The pull has filled IndexedDB (the building list shows the grid's building).
    page.wait_for_selector(f"#checkin-building option[value='{BUILDING}']", state="attached")
    # Reload once so that the page is controlled by the service worker (which has cached the shell by now).
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    yield context, page
    context.close()


def counts(srv: FieldServer) -> dict[str, int]:
    return dict(srv.run_python(COUNTS))


def states(page: Any) -> list[str]:
    return list(page.eval_on_selector_all("#record-list li.record", "els => els.map(e => e.dataset.state)"))


def tab(page: Any, name: str) -> None:
    page.click(f".tabs a[data-tab='{name}']")
    page.wait_for_selector(f"body[data-view='{name}']")


def saved_records(page: Any) -> int:
    return int(page.evaluate("document.body.dataset.pending"))


def make_everything_offline(context: Any, page: Any, ids: dict[str, Any]) -> tuple[int, int]:
    """Patrol (a walk and a check-in), two case reports with a photo each, a visit with a photo, stop: all while
    offline. Returns the number of records and of track points the phone made."""
    context.set_offline(True)
    page.wait_for_function("navigator.onLine === false")
    assert page.inner_text("#net") == "离线"

    tab(page, "patrol")
    page.click("#patrol-start")
    page.wait_for_selector("body[data-patrol='running']")
    for n, (lon, lat) in enumerate(WALK, start=1):
        context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})
        page.wait_for_function(f"Number(document.body.dataset.points) >= {n}")
        page.wait_for_timeout(1100)  # one point per second at most, like a phone's GPS
    # The app closed and opened again mid-patrol: the patrol goes on, its points kept, the GPS watched again.
    page.reload()
    page.wait_for_selector("body[data-ready='1'][data-patrol='running']")
    assert int(page.evaluate("document.body.dataset.points")) >= len(WALK)
    tab(page, "patrol")
    page.wait_for_function("document.getElementById('checkin-building').value !== ''")
    assert page.input_value("#checkin-building") == BUILDING  # the nearest building comes first
    page.fill("#checkin-note", "楼道整洁")
    page.click("#checkin-form button[type=submit]")
    page.wait_for_selector("#notice.ok")
    page.wait_for_selector("#record-list li[data-kind='checkin']", state="attached")

    tab(page, "report")
    page.select_option("#report-category", "0101")
    page.fill("#report-description", "路边垃圾堆放")
    page.click("#report-locate")
    page.wait_for_selector("#report-form[data-point]")
    page.set_input_files(
        "#report-photos", files=[{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": jpeg((200, 30, 30))}]
    )
    page.click("#report-form button[type=submit]")
    page.wait_for_function("document.getElementById('report-description').value === ''")

    # The second: the point tapped on the map (drawn fitted to the grid, so its centre is inside it).
    page.select_option("#report-category", "0301")
    page.fill("#report-description", "邻里噪音纠纷")
    page.locator("#report-map").click(position={"x": 160, "y": 110})
    page.wait_for_selector("#report-form[data-point]")
    page.set_input_files(
        "#report-photos", files=[{"name": "b.jpg", "mimeType": "image/jpeg", "buffer": jpeg((30, 30, 200))}]
    )
    page.click("#report-form button[type=submit]")
    page.wait_for_function("document.getElementById('report-description').value === ''")

    page.evaluate(f"location.hash = '#visit?person={ids['person']}&tag={ids['tag']}'")
    page.wait_for_selector("body[data-view='visit']")
    assert page.input_value("#visit-who") == f"person:{ids['person']}"
    page.fill("#visit-situation", "身体状况良好,按时服药")
    page.fill("#visit-needs", "需要助餐服务")
    page.fill("#visit-next", "2027-01-05")
    page.set_input_files(
        "#visit-photos", files=[{"name": "c.jpg", "mimeType": "image/jpeg", "buffer": jpeg((30, 160, 30))}]
    )
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("body[data-view='records']")

    tab(page, "patrol")
    points = int(page.evaluate("document.body.dataset.points"))
    assert points >= len(WALK)
    page.click("#patrol-stop")
    page.wait_for_selector("body[data-patrol='idle']")
    tab(page, "records")
    made = len(states(page))
    # patrol_start, ≥1 track, checkin, 2 case reports, visit, patrol_stop
    assert made >= 7
    assert set(states(page)) == {"saved"}
    assert saved_records(page) == made
    return made, points


def expected(made: int, points: int) -> dict[str, int]:
    return {
        "records": made,
        "patrols": 1,
        "ended": 1,
        "points": points,
        "checkins": 1,
        "cases": 2,
        "visits": 1,
        "photos": 3,
        "attachments": 2,
    }


def wait_all_sent(page: Any, made: int) -> None:
    page.wait_for_function(
        "n => { const s = Array.from(document.querySelectorAll('#record-list li.record')).map(e => e.dataset.state);"
        " return s.length === n && s.every(x => x === 'sent'); }",
        arg=made,
        timeout=60_000,
    )


def test_records_made_offline_survive_a_reload_and_arrive_exactly_once(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]], tmp_path: Path
) -> None:
    srv, ids = server
    context, page = phone
    srv.run_python(CLEAR)
    made, points = make_everything_offline(context, page, ids)
    page.screenshot(path=str(tmp_path / "records-offline.png"))

    # Closed and opened again, still offline: the service worker serves the shell, IndexedDB the records.
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    tab(page, "records")
    assert len(states(page)) == made
    assert set(states(page)) == {"saved"}
    assert "保存在手机" in page.inner_text("#record-list")
    assert counts(srv) == NOTHING

    context.set_offline(False)  # the "online" event starts the sync
    wait_all_sent(page, made)
    assert "已发送" in page.inner_text("#record-list")
    assert counts(srv) == expected(made, points)
    case_numbers = re.findall(r"\d{8,}", page.inner_text("#record-list"))
    assert len(case_numbers) >= 2  # the case numbers the server gave are shown

    # Syncing again sends nothing new and doubles nothing.
    before = page.evaluate("gridgovField.outbox.status.lastSync.getTime()")
    page.click("#sync-now")
    page.wait_for_function("t => gridgovField.outbox.status.lastSync.getTime() > t", arg=before)
    assert page.evaluate("gridgovField.outbox.status.phase") == "idle"
    assert counts(srv) == expected(made, points)


def wait_for_kill(page: Any, killed: list[str]) -> None:
    """Until the route handler has killed the server and the sync round that hit it has ended (its phase was
    already "network" from the offline attempts, so waiting for that alone would not wait)."""
    for _ in range(600):
        if killed:
            break
        page.wait_for_timeout(100)
    assert killed, "no sync request reached the server"
    # The outbox's own status (the page's data attributes follow it a moment later).
    page.wait_for_function("gridgovField.outbox.status.phase !== 'syncing'")
    assert page.evaluate("gridgovField.outbox.status.phase") == "network"
    page.wait_for_function("!document.querySelector('#record-list li[data-state=sending]')")


def test_a_server_killed_mid_sync_loses_and_doubles_nothing(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, ids = server
    context, page = phone
    srv.run_python(CLEAR)
    made, points = make_everything_offline(context, page, ids)

    killed: list[str] = []

    def kill_after_storing(route: Any) -> None:
        """The server stores the request, then dies before the phone hears the answer."""
        if killed:
            route.continue_()
            return
        route.fetch()  # the server handles it and commits
        srv.kill()
        killed.append(route.request.url)
        route.abort("connectionreset")

    # First the batch of records: stored, but the phone never learns it.
    page.route("**/api/v1/sync/records/", kill_after_storing)
    context.set_offline(False)
    wait_for_kill(page, killed)
    assert killed[0].endswith("/api/v1/sync/records/")
    assert set(states(page)) == {"saved"}  # not acknowledged: kept, to be sent again
    srv.start()
    assert counts(srv)["records"] == made  # the server did store them
    page.unroute("**/api/v1/sync/records/")

    # Then a photo: stored, the server dies before answering.
    killed.clear()
    page.route("**/api/v1/sync/photos/**", kill_after_storing)
    page.click("#sync-now")
    wait_for_kill(page, killed)
    assert "/api/v1/sync/photos/" in killed[0]
    page.unroute("**/api/v1/sync/photos/**")
    srv.start()

    page.click("#sync-now")
    wait_all_sent(page, made)
    assert counts(srv) == expected(made, points)


def test_refused_records_need_attention_with_the_servers_reasons(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, ids = server
    _context, page = phone
    srv.run_python(CLEAR)
    tab(page, "records")
    # A report whose point lies outside every grid: 400, with the field and the rule.
    page.evaluate(
        "gridgovField.outbox.save('case_report', {category: '0101', lon: 114.30, lat: 23.05,"
        " description: '网格外', address: '', urgency: 'normal'})"
    )
    # A visit, sent; then the same UUID comes back with other content: 409 naming the field that differs.
    visit = page.evaluate(
        f"gridgovField.outbox.save('visit', {{person: {ids['person']}, situation: '正常', needs: ''}})"
        ".then(r => r.uuid)"
    )
    page.click("#sync-now")
    page.wait_for_selector(f"#record-list li[data-uuid='{visit}'][data-state='sent']")
    page.evaluate(
        "uuid => gridgovField.db.updateRecord(uuid, r => { r.data.situation = '改过的内容'; r.state = 'saved'; })",
        visit,
    )
    page.click("#sync-now")
    page.wait_for_selector(f"#record-list li[data-uuid='{visit}'][data-state='attention']")

    assert states(page) == ["attention", "attention"]
    text = page.inner_text("#record-list")
    assert "需处理" in text
    assert "位置:不在任何网格内" in text
    assert "与服务器不一致的字段:走访情况" in text
    assert page.inner_text("#records-summary").endswith("需处理 2")
    # Refused, not stored (the visit stays as first sent), and still kept on the phone.
    assert counts(srv) | {"records": 0} == NOTHING | {"visits": 1}
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert len(states(page)) == 2
