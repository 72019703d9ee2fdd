"""In Chromium at phone size: the grid map's popup of an open case shows its number, category and status as text —
markup in a category name or status label is shown, never run (the popup is built from DOM nodes, not HTML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser import test_fieldwork_attention as attention
from tests.browser.field_server import FieldServer
from tests.browser.test_fieldwork_offline import tab

pytestmark = [pytest.mark.browser]

phone = attention.phone
server = attention.server

EVIL = '<img src=x onerror="window.popupInjected=1">'


def test_a_case_popup_shows_markup_as_text(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]], tmp_path: Path
) -> None:
    _srv, _ids = server
    context, page = phone
    page.evaluate("gridgovField.syncNow()")  # the start's pull is over
    # In the grid, away from its building's marker.
    case = {
        "id": 1,
        "number": "AJ-1",
        "category_name": EVIL,
        "status_label": "<b>办理中</b>",
        "lon": 114.402,
        "lat": 23.103,
    }
    page.evaluate(
        "c => gridgovField.db.get('pulled').then(p => gridgovField.db.set('pulled', {...p, cases: [c]}))"
        ".then(() => gridgovField.db.get('pulledVersion', 0)).then(v => gridgovField.db.set('pulledVersion', v + 1))",
        case,
    )
    # Offline (no pull to replace the data), the app opens with it and draws the case on the grid map.
    context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        tab(page, "map")
        page.wait_for_selector("#grid-map[data-ready='1']")
        popup = page.locator(".leaflet-popup-content .case-popup")
        for _ in range(10):  # a click while the map still settles (fitting the grid) may miss: click again
            page.locator("#grid-map path.leaflet-interactive[fill='#dc2626']").click()
            try:
                popup.wait_for(timeout=2000)
                break
            except PlaywrightError:
                continue
        page.screenshot(path=str(tmp_path / "popup.png"))
        assert popup.inner_text() == f"AJ-1 {EVIL} <b>办理中</b>"
        assert popup.locator("img, b").count() == 0
        assert page.evaluate("window.popupInjected") is None
    finally:
        context.set_offline(False)
