"""In Chromium, what the registry pages do not offer: a deregistered person's page shows the deregistration and
offers neither 修改 nor 列管/标记 (the edit page typed in by hand sends back to the person's page with the reason;
an active person's page offers both); a centre's import page offers no house import."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gridgov.registry import services
from tests.factories import PASSWORD, MiniCity, build_mini_city
from tests.registry_factories import make_person

pytestmark = [pytest.mark.browser]

SHOTS = os.environ.get("GRIDGOV_SCREENSHOTS", "")  # a folder to keep the screenshots in, when set


@pytest.fixture
def city(transactional_db: None) -> MiniCity:
    return build_mini_city()


@pytest.fixture
def browse(chromium: Any, live_server: Any) -> Iterator[Callable[[str], Any]]:
    contexts: list[Any] = []

    def open_as(username: str) -> Any:
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_a_deregistered_persons_page_offers_no_edit_and_no_tag(
    city: MiniCity, browse: Callable[[str], Any], live_server: Any
) -> None:
    active = make_person(city, seq=1, name="王芳")
    person = make_person(city, seq=2, name="李梅")
    services.deregister_person(by=city.users["community"], person=person, on=dt.date(2026, 3, 2), reason="迁出")

    page = browse("community")
    page.goto(f"{live_server.url}/registry/people/{active.pk}/")
    actions = page.locator(".head-actions")
    assert actions.get_by_role("link", name="修改").count() == 1
    assert actions.get_by_role("link", name="列管/标记").count() == 1

    page.goto(f"{live_server.url}/registry/people/{person.pk}/")
    assert "已注销 2026-03-02 · 迁出" in page.locator(".case-badges").inner_text()
    assert page.locator(".head-actions a").count() == 0
    assert page.get_by_text("以此人为户主立户").count() == 0
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "deregistered-person.png"), full_page=True)

    page.goto(f"{live_server.url}/registry/people/{person.pk}/edit/")
    page.wait_for_url(f"{live_server.url}/registry/people/{person.pk}/")
    assert "此人已于2026-03-02注销,其信息不能再修改。" in page.content()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "deregistered-person-edit-refused.png"), full_page=True)


def test_a_centre_is_offered_no_house_import(city: MiniCity, browse: Callable[[str], Any], live_server: Any) -> None:
    page = browse("community")
    page.goto(f"{live_server.url}/registry/import/")
    kinds = page.locator("#import-form input[name=kind]")
    assert [kinds.nth(i).get_attribute("value") for i in range(kinds.count())] == [
        "person",
        "household",
        "organisation",
    ]
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "import-centre.png"), full_page=True)
