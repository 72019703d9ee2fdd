"""The inbox page and the unread count in the header of every page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gridgov.core.models import Notification
from gridgov.core.notify import notify

from .factories import MiniCity


@pytest.fixture
def notes(city: MiniCity) -> list[Notification]:
    mine = notify([city.users["worker"]], verb="case.dispatched", text="案件 1 已派遣", url="/territory/")
    mine += notify([city.users["worker"]], verb="case.reminded", text="案件 2 被催办")
    notify([city.users["community"]], verb="case.reported", text="别人的通知")
    return mine


def unread_badge(html: str) -> str | None:
    match = re.search(r'id="unread-count">(\d+)<', html)
    return match.group(1) if match else None


def test_the_header_shows_the_unread_count_and_links_to_the_inbox(
    city: MiniCity, notes: list[Notification], client: Client
) -> None:
    client.force_login(city.users["worker"])
    html = client.get("/").content.decode()
    assert unread_badge(html) == "2"
    assert 'href="/notifications/"' in html


def test_the_header_shows_no_badge_without_unread_notifications(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["district"])
    html = client.get("/").content.decode()
    assert unread_badge(html) is None
    assert 'href="/notifications/"' in html


def test_the_inbox_lists_own_notifications_only(city: MiniCity, notes: list[Notification], client: Client) -> None:
    client.force_login(city.users["worker"])
    html = client.get("/notifications/").content.decode()
    assert "案件 1 已派遣" in html and "案件 2 被催办" in html
    assert "别人的通知" not in html


def test_marking_one_read_lowers_the_count_and_htmx_gets_the_item_back(
    city: MiniCity, notes: list[Notification], client: Client
) -> None:
    client.force_login(city.users["worker"])
    response = client.post(f"/notifications/{notes[1].pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="notification-{notes[1].pk}"' in response.content.decode()
    assert "unread" not in response.content.decode()
    assert unread_badge(client.get("/notifications/").content.decode()) == "1"


def test_opening_a_notification_marks_it_read_and_follows_its_link(
    city: MiniCity, notes: list[Notification], client: Client
) -> None:
    client.force_login(city.users["worker"])
    response = client.post(f"/notifications/{notes[0].pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/territory/"
    notes[0].refresh_from_db()
    assert notes[0].read_at is not None


def test_mark_all_read_clears_the_badge(city: MiniCity, notes: list[Notification], client: Client) -> None:
    client.force_login(city.users["worker"])
    response = client.post("/notifications/read-all/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert unread_badge(client.get("/notifications/").content.decode()) is None
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # the other user's


def test_another_users_notification_cannot_be_marked_from_the_page(city: MiniCity, client: Client) -> None:
    (theirs,) = notify([city.users["community"]], verb="x", text="别人的通知")
    client.force_login(city.users["worker"])
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_inbox_needs_a_signed_in_user_and_marking_needs_post(city: MiniCity, client: Client) -> None:
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(city.users["worker"])
    assert client.get("/notifications/read-all/").status_code == 405


def test_an_off_site_next_address_is_ignored(city: MiniCity, notes: list[Notification], client: Client) -> None:
    client.force_login(city.users["worker"])
    response = client.post("/notifications/read-all/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"
