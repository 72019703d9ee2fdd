"""In Chromium: the community dispatcher logs in, sees exactly their community's grids on the map, opens a
grid's popup, and switches the UI to English."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from tests.factories import PASSWORD, MiniCity, build_mini_city

pytestmark = [pytest.mark.browser]

OWN_GRIDS = ["441302001001001", "441302001001002"]


@pytest.fixture
def mini_city(transactional_db: None) -> MiniCity:
    return build_mini_city()


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")


def open_map(page: Any, base: str) -> None:
    page.goto(f"{base}/territory/")
    page.wait_for_selector("#territory-map[data-ready='1']")


def test_the_community_dispatcher_sees_their_communitys_grids_and_no_others(
    mini_city: MiniCity, live_server: Any, page: Any
) -> None:
    log_in(page, live_server.url, "community")
    open_map(page, live_server.url)
    assert page.get_attribute("#territory-map", "data-error") is None
    assert sorted(page.get_attribute("#territory-map", "data-grid-codes").split()) == OWN_GRIDS
    drawn = page.eval_on_selector_all("path[data-grid-code]", "els => els.map(e => e.dataset.gridCode).sort()")
    assert drawn == OWN_GRIDS
    assert page.locator(".map-legend").inner_text().count("综合网格") == 1


def test_clicking_a_grid_opens_a_popup_with_its_code_and_worker(
    mini_city: MiniCity, live_server: Any, page: Any
) -> None:
    log_in(page, live_server.url, "community")
    open_map(page, live_server.url)
    page.click("path[data-grid-code='441302001001001']")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "441302001001001" in popup.inner_text()
    page.wait_for_selector(".leaflet-popup-content .grid-card")  # the card fetched by htmx
    assert str(mini_city.users["worker"]) in popup.inner_text()
    assert popup.locator("a[href='/territory/grids/441302001001001/']").count() == 1


def test_a_district_dispatcher_sees_the_whole_district(mini_city: MiniCity, live_server: Any, page: Any) -> None:
    log_in(page, live_server.url, "district")
    open_map(page, live_server.url)
    codes = page.get_attribute("#territory-map", "data-grid-codes").split()
    assert len(codes) == 8 and all(c.startswith("441302") for c in codes)


def test_switching_the_language_to_english(mini_city: MiniCity, live_server: Any, page: Any) -> None:
    log_in(page, live_server.url, "community")
    open_map(page, live_server.url)
    assert page.get_attribute("html", "lang") == "zh-hans"
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    page.wait_for_selector("#territory-map[data-ready='1']")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("select[name=language]").input_value() == "en"
    assert "English" in page.locator("select[name=language] option:checked").inner_text()
    with translation.override("en"):
        expected = translation.gettext("辖区地图")  # the English catalogue's word, once it has one
    assert expected in page.locator("nav.mainnav").inner_text()
