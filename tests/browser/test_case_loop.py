"""In Chromium, the whole case loop through the pages: a grid worker reports a case on the map, the community
dispatcher accepts and dispatches it, the unit's handler signs for it from the inbox and handles it, the dispatcher
verifies and closes it and the reporter rates it; and a whistle with two units, where verification waits until
both have reported in and finished their part.

Actions are found by the case page's stable hooks: ``#action-<transition name>`` (its summary opens the form) and
the confirm button, labelled "确认" + the workflow's action label."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gridgov.cases import services
from gridgov.cases.models import Case, CaseSummons
from gridgov.cases.workflow import Status
from tests.case_factories import CaseCity, build_case_city
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]

CASE_URL = re.compile(r".*/cases/(\d+)/$")


@pytest.fixture
def case_city(transactional_db: None, settings: Any, tmp_path: Any) -> CaseCity:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_case_city()


@pytest.fixture
def browse(chromium: Any, live_server: Any) -> Iterator[Callable[[str], Any]]:
    """``browse(username)``: a page in its own browser context, logged in as that user (one per user)."""
    contexts: dict[str, Any] = {}

    def open_as(username: str) -> Any:
        if username in contexts:
            return contexts[username].pages[0]
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        contexts[username] = context
        return page

    yield open_as
    for context in contexts.values():
        context.close()


def open_case(page: Any, base: str, number: str) -> None:
    page.goto(f"{base}/cases/{number}/")
    page.wait_for_selector("#case-status")


def act(page: Any, name: str, label: str, fill: Callable[[Any], None] | None = None) -> None:
    """Open the action's form, fill it, confirm, and wait for the case page to come back."""
    box = page.locator(f"#action-{name}")
    box.locator("summary").click()
    if fill is not None:
        fill(box)
    with page.expect_navigation():
        box.get_by_role("button", name=f"确认{label}", exact=True).click()
    page.wait_for_selector("#case-status")


def status_of(page: Any) -> str:
    return str(page.locator("#case-status").inner_text()).strip()


def timeline_actions(page: Any) -> list[str]:
    classes = page.eval_on_selector_all("#timeline li.event", "els => els.map(e => e.className)")
    return [re.sub(r".*\baction-(\S+).*", r"\1", c) for c in classes]


def test_a_report_goes_round_the_whole_loop_through_the_pages(
    case_city: CaseCity, live_server: Any, browse: Callable[[str], Any]
) -> None:
    base = live_server.url

    # The grid worker reports: category, a click on the map inside their grid, a description.
    worker = browse("worker")
    worker.click("#nav-report")
    worker.wait_for_selector("#report-map[data-ready='1']")
    worker.select_option("select[name=category]", label="0101 暴露垃圾")
    worker.locator("#report-map").click()  # the map is fitted to the worker's grid: its middle is inside
    worker.wait_for_selector("#report-map[data-point]")
    worker.wait_for_selector("#no-duplicates")  # the duplicate check ran (nothing nearby yet)
    worker.fill("textarea[name=description]", "路口垃圾暴露堆放,影响通行")
    worker.fill("input[name=address]", "某路与某街交叉口")
    with worker.expect_navigation(url=CASE_URL):
        worker.click("#report-submit")
    number = CASE_URL.match(worker.url).group(1)  # type: ignore[union-attr]
    case = Case.objects.get(number=number)
    assert case.grid_code == "441302001001001" and case.reporter == case_city.users["worker"]
    assert status_of(worker) == "已上报"

    # The community dispatcher accepts it and dispatches it to the district's city management.
    dispatcher = browse("community")
    open_case(dispatcher, base, number)
    act(dispatcher, "accept", "立案")
    assert status_of(dispatcher) == "已立案"
    cm = str(case_city.units["cm"].pk)
    act(dispatcher, "dispatch", "派遣", lambda f: f.locator("select[name=unit]").select_option(value=cm))
    assert status_of(dispatcher) == "已派遣"

    # The unit's handler finds it in the inbox, signs for it and handles it.
    handler = browse("cm")
    handler.click("#nav-inbox")
    assert handler.locator("#inbox-to_sign").get_attribute("data-count") == "1"
    with handler.expect_navigation():
        handler.locator("#inbox-to_sign").get_by_role("link", name=number).click()
    act(handler, "sign", "签收")
    assert status_of(handler) == "处置中"
    act(handler, "handle", "办结", lambda f: f.locator("textarea[name=result]").fill("已清运,现场已清理干净"))
    assert status_of(handler) == "待核查"

    # The dispatcher verifies on site and closes it.
    open_case(dispatcher, base, number)
    act(dispatcher, "verify", "核查结案")
    assert status_of(dispatcher) == "已结案"

    # The reporter rates it.
    open_case(worker, base, number)

    def rate(form: Any) -> None:
        form.locator("input[name=rating][value=satisfied]").check()
        form.locator("textarea[name=comment]").fill("处理及时")

    act(worker, "rate", "评价", rate)
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.rating == "satisfied"
    assert timeline_actions(worker) == ["report", "accept", "dispatch", "sign", "handle", "verify", "rate"]
    assert worker.locator("#action-rate").count() == 0  # rated once


def test_a_whistle_waits_for_both_units_to_report_in_and_finish_before_verification(
    case_city: CaseCity, live_server: Any, browse: Callable[[str], Any]
) -> None:
    base = live_server.url
    cc = case_city
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
    services.sign_case(case, by=cc.users["cm"])
    number = case.number

    # The dispatcher blows the whistle: the police station and the justice office must report in.
    dispatcher = browse("community")
    open_case(dispatcher, base, number)

    def pick_units(form: Any) -> None:
        form.locator("label", has_text="街道1派出所").click()
        form.locator("label", has_text="街道1司法所").click()
        form.locator("textarea[name=note]").fill("派出所维持秩序,司法所调解")

    act(dispatcher, "summon", "吹哨", pick_units)
    assert CaseSummons.objects.filter(case=case).count() == 2

    # The case's own unit finishes its work; verification still waits for the summoned units.
    handler = browse("cm")
    open_case(handler, base, number)
    act(handler, "handle", "办结", lambda f: f.locator("textarea[name=result]").fill("已拆除"))
    open_case(dispatcher, base, number)
    assert status_of(dispatcher) == "待核查"
    assert dispatcher.locator("#action-verify").count() == 0

    for username, part in (("police", "现场秩序已维持"), ("justice", "双方已达成调解协议")):
        page = browse(username)
        page.click("#nav-inbox")
        summoned = page.locator("#inbox-summoned")
        assert summoned.get_attribute("data-count") == "1" and "待报到" in summoned.inner_text()
        with page.expect_navigation():
            summoned.get_by_role("link", name=number).click()
        act(page, "report_in", "报到")
        act(page, "finish_part", "完成分工", lambda f, text=part: f.locator("textarea[name=result]").fill(text))
        page.click("#nav-inbox")
        assert page.locator("#inbox-summoned").get_attribute("data-count") == "0"
        open_case(dispatcher, base, number)
        if username == "police":
            assert dispatcher.locator("#action-verify").count() == 0  # one unit still owes its part

    act(dispatcher, "verify", "核查结案")
    assert status_of(dispatcher) == "已结案"
    actions = timeline_actions(dispatcher)
    assert actions.count("summon") == 1 and actions.count("report_in") == 2 and actions.count("finish_part") == 2
    assert actions[-1] == "verify"


def test_a_reporter_who_finds_the_same_problem_nearby_says_me_too_instead_of_reporting_again(
    case_city: CaseCity, live_server: Any, browse: Callable[[str], Any]
) -> None:
    existing = case_city.report(point=(114.405, 23.11))  # the middle of the worker's grid
    worker = browse("worker")
    worker.goto(f"{live_server.url}/cases/report/")
    worker.wait_for_selector("#report-map[data-ready='1']")
    worker.locator("#report-map").click()
    worker.select_option("select[name=category]", label="0101 暴露垃圾")
    suggestion = worker.locator(f"#dup-{existing.number}")
    suggestion.get_by_role("button", name="我也遇到").click()
    suggestion.locator(".me-too-done").wait_for()
    assert "已附议" in suggestion.inner_text()
    existing.refresh_from_db()
    assert existing.me_too_count == 1 and Case.objects.count() == 1


def test_use_my_location_reports_the_phones_position(case_city: CaseCity, live_server: Any, chromium: Any) -> None:
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900},
        locale="zh-CN",
        geolocation={"latitude": 23.104, "longitude": 114.403},
        permissions=["geolocation"],
    )
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "worker")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/cases/report/")
        page.wait_for_selector("#report-map[data-ready='1']")
        page.click("#use-my-location")
        page.wait_for_selector("#report-map[data-point]")
        assert page.locator("input[name=crs]").input_value() == "wgs84"
        page.select_option("select[name=category]", label="0101 暴露垃圾")
        page.fill("textarea[name=description]", "井盖缺失")
        with page.expect_navigation(url=CASE_URL):
            page.click("#report-submit")
    finally:
        context.close()
    case = Case.objects.get()
    assert (round(case.lon, 6), round(case.lat, 6)) == (114.403, 23.104)
