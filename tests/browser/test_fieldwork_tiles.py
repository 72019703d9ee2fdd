"""In Chromium at phone size (360×740): "下载本网格地图" stores the tiles of the worker's grid for offline use.

A tiny tile server started here (a threaded http.server drawing small PNGs and logging every request) stands in for
the map service; the field server (a real gunicorn, tests/browser/field_server.py) is configured to use it in the
GCJ-02 datum, at zoom levels 14–17 with a cap that leaves 17 out. The worker downloads: the count shown before
starting is what ends up in the cache, and each tile reaches the tile server once (tiles already seen on the map
are copied from the browsing cache, not fetched). Going offline in the middle stops the download; a second tap
downloads only the rest. Offline, the reloaded app draws the map from the downloaded tiles without a request.
Deleting empties the cache. Without a tile URL the button is not there and the map is drawn on a plain
background."""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser.field_server import FieldServer
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
GRID_BOX = (114.40, 23.10, 114.41, 23.12)  # the worker's grid (tests/factories.py), WGS-84
ZOOMS = (14, 17)
MAX_TILES = 60  # 14–16 make 35 tiles, with 17 they would be 95: 17 is left out
HOLD_AFTER = 10  # the tile server holds the download's requests after this many (to go offline in the middle)
TILE_PATH = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")

SETUP = """
import json
from tests.case_factories import build_case_city
build_case_city()
print(json.dumps(True))
"""


def png(z: int, x: int, y: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (236, 232, 220) if (x + y) % 2 else (226, 236, 222))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 255, 255), outline=(180, 180, 170))
    draw.text((8, 8), f"{z}/{x}/{y}", fill=(90, 90, 90))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


class TileServer:
    """Serves /z/x/y.png with CORS; logs (path, Sec-Fetch-Mode) of every request: the download asks in "cors" mode,
    the map's <img> elements (through the service worker) in "no-cors". ``hold(n)`` makes the download's requests
    after the first ``n`` wait until ``release()``."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()
        self.hold_after: int | None = None
        self.failing: set[tuple[int, int, int]] = set()  # answered 500
        self.held = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                match = TILE_PATH.match(self.path)
                mode = self.headers.get("Sec-Fetch-Mode", "")
                with server.lock:
                    server.log.append((self.path, mode))
                    downloads = sum(1 for _, m in server.log if m == "cors")
                    hold = server.hold_after is not None and mode == "cors" and downloads > server.hold_after
                    if hold:
                        server.held += 1
                if hold:
                    server.gate.wait(60)
                if not match:
                    self.send_error(404)
                    return
                if tuple(int(g) for g in match.groups()) in server.failing:
                    self.send_response(500)
                    self.send_header("Access-Control-Allow-Origin", "*")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = png(*(int(g) for g in match.groups()))
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Access-Control-Allow-Origin", "*")
                    self.send_header("Vary", "Origin")
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the phone gave up on it (aborted when it went offline)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/{{z}}/{{x}}/{{y}}.png"

    def hold(self, after: int) -> None:
        with self.lock:
            self.hold_after = after
            self.held = 0
        self.gate.clear()

    def release(self) -> None:
        with self.lock:
            self.hold_after = None
        self.gate.set()

    def requests(self, mode: str | None = None) -> list[str]:
        """Paths asked for, in order; ``mode`` "cors": by the download, "no-cors": by the map's <img> elements."""
        with self.lock:
            return [path for path, m in self.log if mode is None or m == mode]

    def close(self) -> None:
        self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    r = math.radians(lat)
    return int((lon + 180) / 360 * 2**z), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * 2**z)


def covering(box: tuple[float, float, float, float], z: int) -> set[tuple[int, int, int]]:
    (x0, y0), (x1, y1) = tile_of(box[0], box[3], z), tile_of(box[2], box[1], z)
    return {(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}


def gcj_box() -> tuple[float, float, float, float]:
    """The grid's box in GCJ-02 (the tiles' datum), converted by the server's own library."""
    from gridgov.core.crs import CRS, from_wgs84

    w, s, e, n = GRID_BOX
    corners = [from_wgs84(x, y, CRS.GCJ02) for x in (w, e) for y in (s, n)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


def parse(path: str) -> tuple[int, int, int]:
    match = TILE_PATH.match(path)
    assert match, path
    z, x, y = (int(g) for g in match.groups())
    return z, x, y


@pytest.fixture(scope="module")
def tiles() -> Iterator[TileServer]:
    server = TileServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiles: TileServer) -> Iterator[FieldServer]:
    env = {
        "GRIDGOV_MAP_TILE_URL": tiles.template,
        "GRIDGOV_MAP_TILE_CRS": "gcj02",
        "GRIDGOV_MAP_OFFLINE_ZOOMS": f"{ZOOMS[0]}-{ZOOMS[1]}",
        "GRIDGOV_MAP_OFFLINE_MAX_TILES": str(MAX_TILES),
    }
    srv = FieldServer(Path(tmp_path_factory.mktemp("field-tiles")), env=env)
    srv.migrate()
    srv.run_python(SETUP)
    srv.start()
    yield srv
    srv.kill()


def open_app(chromium: Any, srv: FieldServer) -> tuple[Any, Any]:
    context = chromium.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{srv.url}/accounts/login/?next=/field/app/")
    page.fill("input[name=username]", "worker")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{srv.url}/field/app/")
    page.wait_for_selector("body[data-ready='1'][data-sw='ready']")
    page.wait_for_function("document.getElementById('map-grid') && window.gridgovField")
    page.wait_for_selector("#checkin-building option[value='44130200100100100001']", state="attached")
    page.reload()  # now controlled by the service worker
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    return context, page


def open_map(page: Any) -> None:
    page.click(".tabs a[data-tab='map']")
    page.wait_for_selector("body[data-view='map']")
    page.wait_for_selector("#grid-map[data-ready='1']")


def cached(page: Any) -> list[str]:
    return list(
        page.evaluate(
            """async () => {
                const cache = await caches.open(window.gridgovField.config.tileDownloadCache);
                return (await cache.keys()).map((r) => r.url).filter((u) => !u.includes('/field/app/'));
            }"""
        )
    )


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"fieldwork-tiles-{name}.png"))


def test_download_resume_offline_map_and_delete(chromium: Any, server: FieldServer, tiles: TileServer) -> None:
    # The tile server's log is shared by the tests: this one reads the part after these marks.
    browsed, base = len(tiles.requests("no-cors")), len(tiles.requests("cors"))
    context, page = open_app(chromium, server)
    try:
        open_map(page)
        page.wait_for_selector("#tiles:not([hidden])")
        assert "尚未下载离线地图" in page.inner_text("#tiles-status")
        assert page.is_hidden("#tiles-delete")
        # The map shows tiles seen while browsing (they go to the service worker's bounded cache).
        page.wait_for_function("document.querySelectorAll('#grid-map img.leaflet-tile-loaded').length > 0")
        page.wait_for_load_state("networkidle")
        seen = {parse(p) for p in tiles.requests("no-cors")[browsed:]}
        assert seen, tiles.log

        # The plan: 14–16 (35 tiles), 17 left out above the cap, with an estimate of the size.
        tiles.hold(after=base + HOLD_AFTER)
        page.click("#tiles-download")
        page.wait_for_selector("#tiles[data-state='confirm']")
        plan = page.inner_text("#tiles-plan")
        planned = int(page.get_attribute("#tiles", "data-planned") or 0)
        assert f"共 {planned} 张地图(缩放 14–16 级)" in plan, plan
        assert re.search(r"约 [\d.]+ MB", plan), plan
        assert f"超过 {MAX_TILES} 张的上限,不下载缩放 17 级" in plan, plan
        shot(page, "plan")
        page.click("#tiles-go")

        # Offline in the middle: the tiles in flight are abandoned, the rest waits for a second tap.
        page.wait_for_selector("#tiles[data-state='running']")
        page.wait_for_function(f"Number(document.getElementById('tiles').dataset.done) >= {HOLD_AFTER}")
        page.wait_for_function(f"Number(document.getElementById('tiles-progress').value) >= {HOLD_AFTER}")
        shot(page, "progress")
        context.set_offline(True)
        page.wait_for_selector("#tiles[data-state='idle']")
        assert "网络中断" in page.inner_text("#tiles-status")
        shot(page, "interrupted")
        held = tiles.held
        assert held >= 1
        tiles.release()
        first = cached(page)
        assert 0 < len(first) < planned
        before = len(tiles.requests("cors"))
        assert before == base + HOLD_AFTER + held  # every one that reached it; only the served ones are in the cache

        context.set_offline(False)
        page.wait_for_function("navigator.onLine === true")
        page.click("#tiles-download")
        page.wait_for_selector("#tiles[data-state='confirm']")
        resume = page.inner_text("#tiles-plan")
        assert f"已下载 {len(first)} 张,还需下载 {planned - len(first)} 张" in resume, resume
        page.click("#tiles-go")
        page.wait_for_selector("#tiles-status.ok")
        status = page.inner_text("#tiles-status")
        assert re.fullmatch(rf"已下载 {planned} 张,\d{{4}}-\d\d-\d\d", status.strip()), status
        assert page.is_visible("#tiles-delete")
        shot(page, "done")

        # What the count said is what the cache holds, and what came from the tile server came once: the first
        # run fetched what it stored minus the tiles seen on the map (copied), the second only the rest.
        url_tile = lambda u: parse(re.sub(r"^http://[^/]+", "", u))  # noqa: E731
        stored = {url_tile(u) for u in cached(page)}
        first_set = {url_tile(u) for u in first}
        assert len(stored) == planned == 35
        downloads = [parse(p) for p in tiles.requests("cors")]
        served, resumed = downloads[base : base + HOLD_AFTER], downloads[before:]
        assert set(served) == first_set - seen and len(set(served)) == HOLD_AFTER
        assert len(resumed) == len(set(resumed))
        assert set(resumed) == stored - first_set - seen
        # They cover the grid in the tiles' datum at 14–16, nothing at 17, nothing far off.
        box = gcj_box()
        for z in range(ZOOMS[0], 17):
            assert covering(box, z) <= stored, z
        assert not any(z == 17 for z, _, _ in stored)
        wide = (box[0] - 0.02, box[1] - 0.02, box[2] + 0.02, box[3] + 0.02)
        assert stored <= set().union(*(covering(wide, z) for z in range(ZOOMS[0], 17)))

        # A second tap has nothing left to do.
        page.click("#tiles-download")
        page.wait_for_function("document.getElementById('tiles-status').textContent.includes('都已下载')")
        assert page.get_attribute("#tiles", "data-state") == "idle"

        # Offline, the app reopened: the map is drawn from the downloaded tiles, the tile server hears nothing.
        asked = len(tiles.requests())
        context.set_offline(True)
        page.wait_for_function("navigator.onLine === false")
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        open_map(page)
        # Once fitted to the grid (the map starts wider, at 12), its tiles have come (or failed: beyond the margin).
        page.wait_for_function(
            """() => {
                const imgs = [...document.querySelectorAll('#grid-map img.leaflet-tile')]
                    .filter((i) => /^\\/1[4-6]\\//.test(new URL(i.src).pathname));
                return imgs.length > 0 && imgs.every((i) => i.complete);
            }"""
        )
        shown = page.evaluate(
            """() => [...document.querySelectorAll('#grid-map img.leaflet-tile')]
                .map((i) => [i.src, i.naturalWidth])"""
        )
        ours = [(src, width) for src, width in shown if url_tile(src) in stored]
        assert ours, shown
        assert all(width == 256 for _, width in ours), ours
        assert len(tiles.requests()) == asked
        shot(page, "offline-map")

        # Delete (offline too): the cache is empty, the status says so.
        page.click("#tiles-delete")
        page.wait_for_selector("#tiles[data-state='confirm']")
        assert f"删除已下载的 {planned} 张地图" in page.inner_text("#tiles-plan")
        page.click("#tiles-go")
        page.wait_for_function("document.getElementById('tiles-status').textContent.includes('离线地图已删除')")
        assert cached(page) == []
        assert page.is_hidden("#tiles-delete")
    finally:
        tiles.release()
        context.close()


def test_tiles_the_service_refuses_are_reported_and_fetched_on_the_next_tap(
    chromium: Any, server: FieldServer, tiles: TileServer
) -> None:
    browsed = len(tiles.requests("no-cors"))
    context, page = open_app(chromium, server)
    try:
        open_map(page)
        page.wait_for_selector("#tiles:not([hidden])")
        page.wait_for_load_state("networkidle")
        box = gcj_box()
        tiles.failing = set(sorted(covering(box, 16))[:3])
        start = len(tiles.requests("cors"))
        seen = {parse(p) for p in tiles.requests("no-cors")[browsed:]}
        page.click("#tiles-download")
        page.wait_for_selector("#tiles[data-state='confirm']")
        planned = int(page.get_attribute("#tiles", "data-planned") or 0)
        page.click("#tiles-go")
        page.wait_for_function("document.getElementById('tiles-status').textContent.includes('失败')")
        status = page.inner_text("#tiles-status")
        assert f"已下载 {planned - 3}/{planned} 张,3 张失败(HTTP 500)" in status, status
        assert len(cached(page)) == planned - 3

        # The service is well again: the second tap asks only for the three.
        tiles.failing = set()
        first = len(tiles.requests("cors"))
        page.click("#tiles-download")
        page.wait_for_selector("#tiles[data-state='confirm']")
        assert "还需下载 3 张" in page.inner_text("#tiles-plan")
        page.click("#tiles-go")
        page.wait_for_selector("#tiles-status.ok")
        again = [parse(p) for p in tiles.requests("cors")[first:]]
        assert sorted(again) == sorted(covering(box, 16))[:3]
        stored = {parse(re.sub(r"^http://[^/]+", "", u)) for u in cached(page)}
        assert len(stored) == planned
        first_run = [parse(p) for p in tiles.requests("cors")[start:first]]
        assert len(first_run) == len(set(first_run)) and set(first_run) == stored - seen
    finally:
        tiles.failing = set()
        context.close()


def test_stop_keeps_what_came_and_the_next_tap_goes_on(chromium: Any, server: FieldServer, tiles: TileServer) -> None:
    context, page = open_app(chromium, server)
    try:
        open_map(page)
        page.wait_for_selector("#tiles:not([hidden])")
        page.wait_for_load_state("networkidle")
        tiles.hold(after=len(tiles.requests("cors")) + 5)
        page.click("#tiles-download")
        page.wait_for_selector("#tiles[data-state='confirm']")
        planned = int(page.get_attribute("#tiles", "data-planned") or 0)
        page.click("#tiles-go")
        page.wait_for_function("Number(document.getElementById('tiles').dataset.done) >= 5")
        page.click("#tiles-stop")
        page.wait_for_selector("#tiles[data-state='idle']")
        tiles.release()
        kept = len(cached(page))
        assert 5 <= kept < planned
        assert f"已停止:已下载 {kept}/{planned} 张" in page.inner_text("#tiles-status")
        assert page.is_visible("#tiles-delete")  # what came can be deleted too

        page.click("#tiles-download")
        page.wait_for_selector("#tiles[data-state='confirm']")
        assert f"已下载 {kept} 张,还需下载 {planned - kept} 张" in page.inner_text("#tiles-plan")
        page.click("#tiles-go")
        page.wait_for_selector("#tiles-status.ok")
        assert len(cached(page)) == planned
    finally:
        tiles.release()
        context.close()


def test_tile_urls_and_plan_match_leaflet(chromium: Any, server: FieldServer) -> None:
    """The URL the download stores under is the one Leaflet asks for ({s} subdomains, {-y}); overlapping grids
    share tiles; a cap below the lowest zoom refuses."""
    context, page = open_app(chromium, server)
    try:
        result = page.evaluate(
            """async () => {
                const t = await import('/static/fieldwork/app/tiles.js');
                const div = document.createElement('div');
                div.style.cssText = 'width:256px;height:256px';
                document.body.append(div);
                const map = L.map(div).setView([23.11, 114.405], 16);
                const template = 'https://t{s}.tiles.example/{z}/{x}/{-y}.png?k=1';
                const layer = L.tileLayer(template, t.LAYER).addTo(map);
                const z = layer._tileZoom;
                const same = [[53412, 28530], [53413, 28530], [53413, 28531], [53414, 28533]].every(([x, y]) =>
                    layer.getTileUrl({ x, y, z }) === t.tileUrl(template, z, x, y));
                const a = [114.40, 23.10, 114.41, 23.12];
                const full = t.plan([a], [14, 16], 100000);
                const twice = t.plan([a, a], [14, 16], 100000).tiles.length;
                const top = full.tiles.filter(([zz]) => zz === 16).length;
                const capped = t.plan([a], [14, 16], full.tiles.length - 1);
                const refused = t.plan([a], [14, 16], 0);
                map.remove();
                return {
                    same, z, one: full.tiles.length, twice, top,
                    capped: [capped.tiles.length, capped.dropped, capped.zooms, capped.tooLarge],
                    refused: [refused.tooLarge, refused.tiles.length > 0],
                };
            }"""
        )
        assert result["same"] is True and result["z"] == 16
        assert result["one"] == result["twice"] > result["top"] > 0
        # One tile over the cap: the highest zoom goes, the rest stays.
        assert result["capped"] == [result["one"] - result["top"], [16], [14, 15], False]
        assert result["refused"] == [True, True]
    finally:
        context.close()


def test_without_a_tile_url_the_map_is_plain_and_there_is_no_download(
    chromium: Any, server: FieldServer, tiles: TileServer
) -> None:
    plain = FieldServer(server.data_dir)  # the same database, no tile settings
    plain.start()
    try:
        context, page = open_app(chromium, plain)
        try:
            asked = len(tiles.requests())
            open_map(page)
            page.wait_for_selector("#grid-map svg path")
            # fitBounds animates from the start view: look once it has settled.
            page.wait_for_function("!document.querySelector('#grid-map .leaflet-zoom-anim')")
            page.wait_for_timeout(500)
            assert page.is_hidden("#tiles")
            assert page.locator("#grid-map img.leaflet-tile").count() == 0
            assert len(tiles.requests()) == asked
            shot(page, "no-tile-url")
        finally:
            context.close()
    finally:
        plain.kill()
