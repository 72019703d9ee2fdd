"""In Chromium, the centre's field-work pages as a community dispatcher: the day's tracks drawn (one line per
patrol with points, check-ins as markers, the flagged patrol marked), the month's coverage colouring the grids,
visits overdue, and a task assigned through the form then shown in the list. Each page is saved as a screenshot
(under ``$FIELDWORK_SHOTS`` when set, else the test's temporary directory)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gridgov.registry import services as registry
from tests.case_factories import CaseCity, build_case_city
from tests.factories import PASSWORD
from tests.fieldwork_centre_factories import G1, bj, build_field_data, make_checkin, make_patrol
from tests.registry_factories import make_person

pytestmark = [pytest.mark.browser]


@pytest.fixture
def field_city(transactional_db: None, settings: Any, tmp_path: Any) -> CaseCity:
    settings.MEDIA_ROOT = tmp_path / "media"
    cc = build_case_city()
    data = build_field_data(cc)
    # A second walk on 2 March by worker2, so the day shows two colours; and its check-in.
    b1 = cc.city.buildings[G1]
    track = [(b1.lon + 0.0015 * (i % 3), b1.lat - 0.0008 * i) for i in range(9)]
    p = make_patrol(cc.users["worker2"], cc.city.grids[G1], bj(2, 9), minutes=80, metres=1400, track=track)
    assert data.b2 is not None
    make_checkin(cc.users["worker2"], data.b2, bj(2, 9, 30), patrol=p, distance=8)
    flagged = data.patrols["flagged"]
    flagged.started_at = bj(2, 13)
    flagged.save()
    jump = [(b1.lon - 0.0015, b1.lat + 0.001), (b1.lon, b1.lat + 0.0025), (b1.lon + 0.03, b1.lat + 0.004)]
    from gridgov.fieldwork.models import TrackPoint

    TrackPoint.objects.bulk_create(
        [TrackPoint(patrol=flagged, t=bj(2, 13, i * 10), lon=lon, lat=lat) for i, (lon, lat) in enumerate(jump)]
    )
    for seq, name, since in ((41, "王独居", dt.date(2026, 1, 5)), (42, "陈大伯", dt.date(2026, 6, 1))):
        person = make_person(cc.city, seq=seq, name=name)
        registry.tag_person(by=cc.users["worker"], person=person, kind="elderly_alone", on=since)
    return cc


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("FIELDWORK_SHOTS") or tmp_path / "shots")
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def dispatcher_page(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "community")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()


def test_the_centre_pages_in_chromium(
    field_city: CaseCity, dispatcher_page: Any, live_server: Any, shots: Path
) -> None:
    page, base = dispatcher_page, live_server.url
    page.click("#nav-field")
    page.wait_for_url(f"{base}/field/")

    page.goto(f"{base}/field/?day=2026-03-02")
    page.wait_for_selector("#tracks-map[data-ready='1']")
    assert page.get_attribute("#tracks-map", "data-patrols") == "4"
    assert page.get_attribute("#tracks-map", "data-checkins") == "3"
    assert page.locator("#tracks-map path.leaflet-interactive").count() >= 3  # three drawn tracks + markers
    assert page.locator("#tracks-map .flag-icon").count() == 1
    assert page.locator("#flagged-note").is_visible()
    page.screenshot(path=str(shots / "field-tracks.png"), full_page=True)

    page.goto(f"{base}/field/coverage/?month=2026-03")
    page.wait_for_selector("#coverage-map[data-ready='1']")
    assert page.locator("#coverage-map path[data-shade='high']").count() == 1
    assert page.locator("#coverage-map path[data-shade='none']").count() == 1
    page.screenshot(path=str(shots / "field-coverage.png"), full_page=True)

    page.goto(f"{base}/field/visits/")
    assert page.locator(f"[data-grid='{G1}'] tr.overdue").count() == 2
    page.screenshot(path=str(shots / "field-visits.png"), full_page=True)

    page.goto(f"{base}/field/tasks/")
    page.click("#assign summary")
    page.select_option("#id_category", "0101")
    page.select_option("#id_grid", G1)
    page.select_option("#id_assignee", label=field_city.users["worker"].display_name)
    page.fill("#id_title", "检查 1 栋门口暴露垃圾")
    page.fill("#id_description", "拍照反馈")
    page.click("#assign button[type=submit]")
    page.wait_for_url(f"{base}/field/tasks/")
    assert page.locator("#tasks-table tbody tr[data-task]").count() == 1
    assert "检查 1 栋门口暴露垃圾" in page.inner_text("#tasks-table")
    page.click("#assign summary")
    page.screenshot(path=str(shots / "field-tasks.png"), full_page=True)
