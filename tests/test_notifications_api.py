"""The notifications API: a user lists and marks only their own notifications; another's is 404."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from gridgov.core.models import Notification
from gridgov.core.notify import notify
from gridgov.territory.models import Grid

from .factories import MiniCity


@pytest.fixture
def notes(city: MiniCity) -> dict[str, list[Notification]]:
    grid = Grid.objects.get(code="441302001001001")
    return {
        "worker": [
            *notify([city.users["worker"]], verb="case.dispatched", text="案件 1 已派遣", target=grid, url="/c/1/"),
            *notify([city.users["worker"]], verb="case.reminded", text="案件 2 被催办"),
        ],
        "community": notify([city.users["community"]], verb="case.reported", text="新上报案件 3"),
    }


def test_a_user_lists_only_their_own_notifications_newest_first(
    city: MiniCity, notes: dict[str, list[Notification]], api: APIClient, django_assert_max_num_queries: object
) -> None:
    api.force_authenticate(city.users["worker"])
    with django_assert_max_num_queries(3):  # type: ignore[operator]
        response = api.get("/api/v1/notifications/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["text"] for r in rows] == ["案件 2 被催办", "案件 1 已派遣"]
    assert rows[1]["target_type"] == "territory.grid"
    assert rows[1]["target_object_id"] == str(Grid.objects.get(code="441302001001001").pk)
    assert rows[1]["url"] == "/c/1/"
    assert rows[0]["is_read"] is False


def test_marking_one_read_changes_only_that_one_and_the_unread_filter_and_count_follow(
    city: MiniCity, notes: dict[str, list[Notification]], api: APIClient
) -> None:
    api.force_authenticate(city.users["worker"])
    first = notes["worker"][0]
    response = api.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True and response.json()["read_at"]
    unread = api.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    assert [r["id"] for r in unread] == [notes["worker"][1].pk]
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    # Marking again is harmless and keeps the first read time.
    again = api.post(f"/api/v1/notifications/{first.pk}/read/").json()
    assert again["read_at"] == response.json()["read_at"]


def test_read_all_marks_every_own_notification_and_no_one_elses(
    city: MiniCity, notes: dict[str, list[Notification]], api: APIClient
) -> None:
    api.force_authenticate(city.users["worker"])
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert Notification.objects.filter(recipient=city.users["community"], read_at__isnull=True).count() == 1


@pytest.mark.parametrize("path", ["/api/v1/notifications/{id}/read/"])
def test_another_users_notification_is_not_found_and_stays_unread(
    city: MiniCity, notes: dict[str, list[Notification]], api: APIClient, path: str
) -> None:
    theirs = notes["community"][0]
    for username in ("worker", "admin", "district"):
        api.force_authenticate(city.users[username])
        response = api.post(path.format(id=theirs.pk))
        assert response.status_code == 404
        assert api.post(path.format(id=999999)).json() == response.json()  # the same as a missing one
        assert theirs.text not in api.get("/api/v1/notifications/").content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_notifications_api_needs_a_signed_in_user(notes: dict[str, list[Notification]], api: APIClient) -> None:
    assert api.get("/api/v1/notifications/").status_code == 401
    assert api.post("/api/v1/notifications/read-all/").status_code == 401
    assert api.post(f"/api/v1/notifications/{notes['worker'][0].pk}/read/").status_code == 401


def test_a_non_numeric_id_is_not_found(city: MiniCity, api: APIClient) -> None:
    api.force_authenticate(city.users["worker"])
    assert api.post("/api/v1/notifications/abc/read/").status_code == 404
