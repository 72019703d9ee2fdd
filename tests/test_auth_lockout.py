"""After LOGIN_MAX_FAILURES wrong passwords an account is locked — even the right password fails, with the lockout
message, on the API and on the login page — and it unlocks after LOGIN_LOCKOUT_MINUTES."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from gridgov.accounts.forms import LoginForm
from gridgov.accounts.models import User

from .factories import PASSWORD, MiniCity

TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"
START = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)
LOCKED = str(LoginForm.error_messages["locked"])


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def token(api: APIClient, password: str) -> tuple[int, dict[str, list[str] | str]]:
    response = api.post(TOKEN_URL, {"username": "district", "password": password})
    return response.status_code, response.json()


def fail(api: APIClient, times: int) -> None:
    for _ in range(times):
        status, _body = token(api, "wrong-password")
        assert status == 400


def test_the_right_password_works_before_the_limit(city: MiniCity, api: APIClient, clock: object) -> None:
    fail(api, settings.LOGIN_MAX_FAILURES - 1)
    status, body = token(api, PASSWORD)
    assert status == 200
    assert "token" in body


def test_a_success_resets_the_count(city: MiniCity, api: APIClient, clock: object) -> None:
    fail(api, settings.LOGIN_MAX_FAILURES - 1)
    assert token(api, PASSWORD)[0] == 200
    fail(api, settings.LOGIN_MAX_FAILURES - 1)
    assert token(api, PASSWORD)[0] == 200


def test_too_many_failures_lock_the_account_even_for_the_right_password(
    city: MiniCity, api: APIClient, clock: object
) -> None:
    fail(api, settings.LOGIN_MAX_FAILURES)
    status, body = token(api, PASSWORD)
    assert status == 400
    assert body == {"non_field_errors": [LOCKED]}
    assert User.objects.get(username="district").locked_until is not None


def test_the_lock_holds_until_the_lockout_ends(city: MiniCity, api: APIClient, clock: time_machine.Coordinates) -> None:
    fail(api, settings.LOGIN_MAX_FAILURES)
    clock.shift(datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES) - datetime.timedelta(seconds=5))
    cache.clear()
    assert token(api, PASSWORD) == (400, {"non_field_errors": [LOCKED]})
    clock.shift(datetime.timedelta(seconds=10))
    status, body = token(api, PASSWORD)
    assert status == 200
    assert "token" in body


def test_the_lock_is_per_account(city: MiniCity, api: APIClient, clock: object) -> None:
    fail(api, settings.LOGIN_MAX_FAILURES)
    assert api.post(TOKEN_URL, {"username": "community", "password": PASSWORD}).status_code == 200


def test_the_login_page_shows_the_lockout_message(city: MiniCity, client: Client, clock: object) -> None:
    for _ in range(settings.LOGIN_MAX_FAILURES):
        response = client.post(LOGIN_URL, {"username": "district", "password": "wrong-password"})
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
    response = client.post(LOGIN_URL, {"username": "district", "password": PASSWORD})
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_login_page_lets_the_user_in_after_the_lockout(
    city: MiniCity, client: Client, clock: time_machine.Coordinates
) -> None:
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post(LOGIN_URL, {"username": "district", "password": "wrong-password"})
    clock.shift(datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1))
    response = client.post(LOGIN_URL, {"username": "district", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(city.users["district"].pk)


def test_failures_on_the_page_and_the_api_add_up(city: MiniCity, client: Client, api: APIClient, clock: object) -> None:
    half = settings.LOGIN_MAX_FAILURES // 2
    for _ in range(half):
        client.post(LOGIN_URL, {"username": "district", "password": "wrong-password"})
    fail(api, settings.LOGIN_MAX_FAILURES - half)
    assert token(api, PASSWORD) == (400, {"non_field_errors": [LOCKED]})
