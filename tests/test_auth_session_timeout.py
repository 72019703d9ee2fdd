"""A session left idle for SESSION_IDLE_TIMEOUT is logged out; activity keeps it alive."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from .factories import MiniCity

START = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)
IDLE = datetime.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
API = "/api/v1/grids/"


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def logged_in(city: MiniCity, client: Client, clock: object) -> Client:
    client.force_login(city.users["community"])
    assert client.get(API).status_code == 200  # the first request starts the idle clock
    return client


def test_activity_within_the_timeout_keeps_the_session(logged_in: Client, clock: time_machine.Coordinates) -> None:
    for _ in range(3):
        clock.shift(IDLE - datetime.timedelta(seconds=30))
        assert logged_in.get(API).status_code == 200
    assert "_auth_user_id" in logged_in.session


def test_idle_longer_than_the_timeout_logs_out(logged_in: Client, clock: time_machine.Coordinates) -> None:
    clock.shift(IDLE + datetime.timedelta(seconds=1))
    assert logged_in.get(API).status_code == 401
    assert "_auth_user_id" not in logged_in.session
    # It stays logged out: the next request is anonymous too.
    assert logged_in.get(API).status_code == 401


def test_idle_web_user_is_sent_to_the_login_page(logged_in: Client, clock: time_machine.Coordinates) -> None:
    clock.shift(IDLE + datetime.timedelta(minutes=1))
    response = logged_in.get("/admin/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_timeout_is_configured() -> None:
    assert 0 < settings.SESSION_IDLE_TIMEOUT < settings.SESSION_COOKIE_AGE
