"""API tokens: POST /api/v1/auth/token/ exchanges good credentials for a token that opens the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from .factories import PASSWORD, MiniCity

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    cache.clear()  # the login throttle counts in the cache
    yield
    cache.clear()


def test_good_credentials_get_a_token(city: MiniCity, api: APIClient) -> None:
    response = api.post(TOKEN_URL, {"username": "community", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) >= 40
    again = api.post(TOKEN_URL, {"username": "community", "password": PASSWORD}, format="json")
    assert again.json()["token"] == token


def test_wrong_password_is_400_without_a_token(city: MiniCity, api: APIClient) -> None:
    response = api.post(TOKEN_URL, {"username": "community", "password": "wrong-password"})
    assert response.status_code == 400
    assert "token" not in response.json()
    assert list(response.json()) == ["non_field_errors"]


def test_unknown_user_is_400(city: MiniCity, api: APIClient) -> None:
    assert api.post(TOKEN_URL, {"username": "ghost", "password": PASSWORD}).status_code == 400


def test_missing_fields_are_named(city: MiniCity, api: APIClient) -> None:
    response = api.post(TOKEN_URL, {})
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_inactive_user_gets_no_token(city: MiniCity, api: APIClient) -> None:
    city.users["community"].is_active = False
    city.users["community"].save()
    assert api.post(TOKEN_URL, {"username": "community", "password": PASSWORD}).status_code == 400


def test_token_opens_the_list_endpoints_within_scope(city: MiniCity, api: APIClient) -> None:
    token = api.post(TOKEN_URL, {"username": "community", "password": PASSWORD}).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    for path in ("/api/v1/regions/", "/api/v1/grids/", "/api/v1/buildings/", "/api/v1/houses/"):
        assert client.get(path).status_code == 200, path
    grids = client.get("/api/v1/grids/").json()["results"]
    assert {g["code"] for g in grids} == {"441302001001001", "441302001001002"}


def test_a_bad_token_is_refused(city: MiniCity) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/grids/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_no_credentials_are_refused_with_a_token_challenge(city: MiniCity, api: APIClient) -> None:
    response = api.get("/api/v1/grids/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
