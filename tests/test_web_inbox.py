"""The unit inbox: a department handler sees their units' cases to sign for, in progress, overdue and summoned by
whistle (report-in or part pending), with a count per section — and nothing of other units."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.cases.views.report import case_url

from .case_factories import CaseCity

URL = "/cases/inbox/"


def client_for(cc: CaseCity, username: str) -> Client:
    client = Client()
    client.force_login(cc.users[username])
    return client


def section(html: str, key: str) -> str:
    match = re.search(rf'<section class="card inbox-section" id="inbox-{key}"[^>]*>(.*?)</section>', html, re.S)
    assert match, key
    return match.group(1)


def count(html: str, key: str) -> int:
    match = re.search(rf'id="inbox-{key}" data-count="(\d+)"', html)
    assert match, key
    return int(match.group(1))


def dispatched(cc: CaseCity, unit: str = "cm", **kwargs: object) -> Case:
    case = cc.report(**kwargs)  # type: ignore[arg-type]
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=cc.units[unit], by=cc.users["community"])
    return case


def test_the_inbox_url_is_named() -> None:
    assert reverse("cases:inbox") == URL


def test_a_dispatched_case_waits_in_to_sign_and_moves_to_in_progress_when_signed(cc: CaseCity) -> None:
    case = dispatched(cc)
    html = client_for(cc, "cm").get(URL).content.decode()
    assert case.number in section(html, "to_sign") and f'href="{case_url(case.number)}"' in html
    assert count(html, "to_sign") == 1 and count(html, "in_progress") == 0
    services.sign_case(case, by=cc.users["cm"])
    html = client_for(cc, "cm").get(URL).content.decode()
    assert case.number not in section(html, "to_sign")
    assert case.number in section(html, "in_progress")
    assert count(html, "to_sign") == 0 and count(html, "in_progress") == 1


def test_another_units_handler_sees_none_of_it(cc: CaseCity) -> None:
    case = dispatched(cc)
    html = client_for(cc, "yhousing").get(URL).content.decode()
    assert case.number not in html
    assert all(count(html, key) == 0 for key in ("to_sign", "in_progress", "overdue", "summoned"))


def test_a_case_past_its_deadline_is_listed_as_overdue(cc: CaseCity) -> None:
    case = dispatched(cc)  # sign within 4 working hours
    html = client_for(cc, "cm").get(URL).content.decode()
    assert count(html, "overdue") == 0
    with time_machine.travel(datetime.datetime(2026, 3, 6, 16, 0, tzinfo=datetime.UTC), tick=False):
        html = client_for(cc, "cm").get(URL).content.decode()
    assert case.number in section(html, "overdue") and count(html, "overdue") == 1
    assert case.number in section(html, "to_sign")  # still to sign: overdue is a view across sections


def test_summoned_units_see_the_whistle_until_their_part_is_done(cc: CaseCity) -> None:
    case = dispatched(cc)
    services.sign_case(case, by=cc.users["cm"])
    services.summon_units(case, by=cc.users["community"], units=[cc.units["police"], cc.units["justice"]])
    html = client_for(cc, "police").get(URL).content.decode()
    summoned = section(html, "summoned")
    assert case.number in summoned and "待报到" in summoned and count(html, "summoned") == 1
    assert count(html, "in_progress") == 0  # the case is cm's, not the police station's

    services.report_in(case, by=cc.users["police"])
    summoned = section(client_for(cc, "police").get(URL).content.decode(), "summoned")
    assert case.number in summoned and "待完成分工" in summoned

    services.finish_part(case, by=cc.users["police"], result="维持秩序")
    html = client_for(cc, "police").get(URL).content.decode()
    assert case.number not in section(html, "summoned") and count(html, "summoned") == 0
    assert case.number in section(client_for(cc, "justice").get(URL).content.decode(), "summoned")


@pytest.mark.parametrize("username", ["worker", "community", "resident", "nobody"])
def test_users_who_handle_for_no_unit_are_refused(cc: CaseCity, username: str) -> None:
    assert client_for(cc, username).get(URL).status_code == 403


def test_the_nav_offers_the_inbox_to_handlers_only(cc: CaseCity) -> None:
    assert 'id="nav-inbox"' in client_for(cc, "cm").get("/").content.decode()
    assert 'id="nav-inbox"' not in client_for(cc, "worker").get("/").content.decode()


def test_the_inbox_reads_as_many_queries_for_six_cases_as_for_one(cc: CaseCity) -> None:
    client = client_for(cc, "cm")
    dispatched(cc)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(5):
        dispatched(cc)
    with CaptureQueriesContext(connection) as six:
        response = client.get(URL)
    assert count(response.content.decode(), "to_sign") == 6
    assert len(six.captured_queries) == len(one.captured_queries)
