"""Every page of the web UI asks an anonymous visitor to log in first."""

from __future__ import annotations

import pytest
from django.test import Client

from .factories import MiniCity

PAGES = [
    "/",
    "/territory/",
    "/territory/?region=441302",
    "/territory/grids/441302001001001/",
    "/territory/grids/441302001001001/card/",
    "/territory/coverage/",
    "/territory/coverage/441302/",
]


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_visitor_is_sent_to_the_login_page(city: MiniCity, client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_login_page_renders_its_form(db: None, client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


def test_logging_in_leads_to_the_home_page(city: MiniCity, client: Client) -> None:
    response = client.post("/accounts/login/", {"username": "community", "password": "Correct-Horse-42"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_shows_the_form_again_with_an_error(city: MiniCity, client: Client) -> None:
    response = client.post("/accounts/login/", {"username": "community", "password": "wrong-password"})
    assert response.status_code == 200
    assert b'class="errorlist"' in response.content
