"""In Chromium: a grid worker finds a person by full ID number (the page shows it masked), reveals the ID number
with a reason (htmx swaps the value in place), and an administrator then sees the reveal in the access log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gridgov.registry.models import AccessLog
from tests.factories import PASSWORD, MiniCity, build_mini_city
from tests.registry_factories import make_person, make_ric

pytestmark = [pytest.mark.browser]


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


def test_search_by_id_number_reveal_with_a_reason_and_the_administrator_sees_it(
    city: MiniCity, browse: Callable[[str], Any], live_server: Any
) -> None:
    make_person(city, seq=1)
    person = make_person(city, seq=2, name="李梅")
    number = make_ric(seq=2)

    page = browse("worker")
    page.click("#nav-registry")
    page.wait_for_selector("#person-search")
    page.fill("#person-q", number)
    page.locator("#person-search button[type=submit]").click()
    page.wait_for_selector("#number-search")
    table = page.locator("#people-table tbody")
    assert table.locator("tr").count() == 1
    assert number not in page.content()  # found by blind index, shown masked, not echoed
    table.get_by_role("link", name="李梅").click()
    page.wait_for_url(f"{live_server.url}/registry/people/{person.pk}/")
    cell = page.locator("#field-id_number")
    assert number not in cell.inner_text() and "*" in cell.inner_text()

    cell.get_by_role("button", name="查看完整信息").click()
    cell.locator("input[name=reason]").fill("看")
    cell.get_by_role("button", name="确认查看").click()
    cell.locator(".errorlist").wait_for()  # too short: nothing revealed
    assert number not in cell.inner_text()
    cell.locator("input[name=reason]").fill("入户走访核对身份")
    cell.get_by_role("button", name="确认查看").click()
    cell.locator("#revealed-id_number").wait_for()
    assert cell.locator("#revealed-id_number").inner_text() == number
    assert AccessLog.objects.filter(person=person, field="id_number").count() == 1

    admin = browse("admin")
    admin.goto(f"{live_server.url}/registry/access-log/")
    row = admin.locator("#access-log-table tbody tr").first
    assert "入户走访核对身份" in row.inner_text() and "李梅" in row.inner_text()
    assert number not in admin.content()
    admin.goto(f"{live_server.url}/registry/people/{person.pk}/")
    assert "入户走访核对身份" in admin.locator("#access-log").inner_text()
