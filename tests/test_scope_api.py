"""Every API list, detail and GeoJSON endpoint of the territory shows each user of the mini city exactly what their
roles cover; beyond that, detail is 404 (not 403), and anonymous requests are refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from gridgov.accounts.models import User
from gridgov.territory.models import House

from .factories import MiniCity, build_mini_city

W = "441302001001"  # the worker's and the community dispatcher's community
PROVINCE_TO_DISTRICT = {"440000", "441300", "441302"}
HUICHENG_GRIDS = {f"441302{s:03d}{c:03d}{g:03d}" for s in (1, 2) for c in (1, 2) for g in (1, 2)}
HUIYANG_GRID = "441303001001001"
ALL_GRIDS = HUICHENG_GRIDS | {HUIYANG_GRID}
ALL_REGIONS = {
    "440000", "441300", "441302", "441302001", "441302001001", "441302001002", "441302002", "441302002001",
    "441302002002", "441303", "441303001", "441303001001",
}  # fmt: skip

VISIBLE_GRIDS: dict[str, set[str]] = {
    "worker": {f"{W}001"},
    "community": {f"{W}001", f"{W}002"},
    "subdistrict": {g for g in HUICHENG_GRIDS if g.startswith("441302001")},
    "district": HUICHENG_GRIDS,
    "outsider": {HUIYANG_GRID},
    "admin": ALL_GRIDS,
    "resident": set(),
    "nobody": set(),
}
VISIBLE_REGIONS: dict[str, set[str]] = {
    "worker": PROVINCE_TO_DISTRICT | {"441302001", W},
    "community": PROVINCE_TO_DISTRICT | {"441302001", W},
    "subdistrict": PROVINCE_TO_DISTRICT | {"441302001", "441302001001", "441302001002"},
    "district": {r for r in ALL_REGIONS if not r.startswith("441303")},
    "outsider": {"440000", "441300", "441303", "441303001", "441303001001"},
    "admin": ALL_REGIONS,
    "resident": set(),
    "nobody": set(),
}
USERS = list(VISIBLE_GRIDS)


@pytest.fixture(scope="module")
def shared_city(django_db_setup: None, django_db_blocker: Any) -> Iterator[MiniCity]:
    """One mini city for the whole matrix (built once, rolled back at the end); each test still runs in its own
    savepoint, so a test that changes a user leaves nothing behind."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_mini_city()
        transaction.set_rollback(True)


@pytest.fixture
def city(shared_city: MiniCity, db: None) -> MiniCity:
    return shared_city


def buildings_of(grids: set[str]) -> set[str]:
    return {f"{g}00001" for g in grids}


def houses_of(grids: set[str]) -> set[str]:
    return {f"{b}/{n}" for b in buildings_of(grids) for n in ("101", "201")}


def visible(endpoint: str, username: str) -> set[str]:
    grids = VISIBLE_GRIDS[username]
    return {
        "regions": VISIBLE_REGIONS[username],
        "grids": grids,
        "buildings": buildings_of(grids),
        "houses": houses_of(grids),
    }[endpoint]


def everything(endpoint: str) -> set[str]:
    return visible(endpoint, "admin")


def key(endpoint: str, item: dict[str, Any]) -> str:
    return f"{item['building']}/{item['number']}" if endpoint == "houses" else str(item["code"])


def detail_path(endpoint: str, key_: str) -> str:
    if endpoint == "houses":
        building, number = key_.split("/")
        pk = House.objects.get(building__code=building, number=number).pk
        return f"/api/v1/houses/{pk}/"
    return f"/api/v1/{endpoint}/{key_}/"


def client_for(city: MiniCity, username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=city.users[username].pk))  # fresh: no cached roles or flags
    return client


ENDPOINTS = ["regions", "grids", "buildings", "houses"]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_list_shows_exactly_what_the_user_may_see(city: MiniCity, endpoint: str, username: str) -> None:
    response = client_for(city, username).get(f"/api/v1/{endpoint}/", {"limit": 1000})
    assert response.status_code == 200
    assert response.json()["count"] == len(visible(endpoint, username))
    assert {key(endpoint, item) for item in response.json()["results"]} == visible(endpoint, username)


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("endpoint", ["regions", "grids"])
def test_geojson_shows_exactly_what_the_user_may_see(city: MiniCity, endpoint: str, username: str) -> None:
    response = client_for(city, username).get(f"/api/v1/{endpoint}/geojson/")
    assert response.status_code == 200
    features = response.json()["features"]
    assert {f["properties"]["code"] for f in features} == visible(endpoint, username)


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_detail_is_found_in_scope_and_404_beyond(city: MiniCity, endpoint: str, username: str) -> None:
    client = client_for(city, username)
    for item in sorted(everything(endpoint)):
        response = client.get(detail_path(endpoint, item))
        expected = 200 if item in visible(endpoint, username) else 404
        assert response.status_code == expected, (item, response.status_code)


@pytest.mark.parametrize("username", USERS)
def test_filters_cannot_reach_beyond_scope(city: MiniCity, username: str) -> None:
    client = client_for(city, username)
    response = client.get("/api/v1/grids/", {"under": "4413", "limit": 1000})
    assert {g["code"] for g in response.json()["results"]} == VISIBLE_GRIDS[username]
    response = client.get("/api/v1/buildings/", {"grid": HUIYANG_GRID})
    assert {b["code"] for b in response.json()["results"]} == buildings_of(VISIBLE_GRIDS[username] & {HUIYANG_GRID})


def test_a_superuser_sees_everything(city: MiniCity) -> None:
    User.objects.filter(username="nobody").update(is_superuser=True)
    response = client_for(city, "nobody").get("/api/v1/grids/", {"limit": 1000})
    assert {g["code"] for g in response.json()["results"]} == ALL_GRIDS


def test_an_inactive_user_sees_nothing(city: MiniCity) -> None:
    User.objects.filter(username="admin").update(is_active=False)
    client = client_for(city, "admin")
    assert client.get("/api/v1/grids/").json()["count"] == 0
    assert client.get(f"/api/v1/grids/{HUIYANG_GRID}/").status_code == 404


ANONYMOUS_PATHS = [
    "/api/v1/regions/",
    "/api/v1/regions/441302/",
    "/api/v1/regions/geojson/",
    "/api/v1/grids/",
    f"/api/v1/grids/{W}001/",
    "/api/v1/grids/geojson/",
    "/api/v1/buildings/",
    f"/api/v1/buildings/{W}00100001/",
    "/api/v1/houses/",
]


@pytest.mark.parametrize("path", ANONYMOUS_PATHS)
def test_anonymous_requests_are_refused(city: MiniCity, api: APIClient, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 401
    assert "results" not in response.json() and "features" not in response.json()


def test_anonymous_is_refused_a_house_detail(city: MiniCity, api: APIClient) -> None:
    house = House.objects.order_by("pk").first()
    assert house is not None
    assert api.get(f"/api/v1/houses/{house.pk}/").status_code == 401


def test_out_of_scope_and_missing_objects_get_the_same_answer(city: MiniCity) -> None:
    client = client_for(city, "community")
    out_of_scope = client.get(f"/api/v1/grids/{HUIYANG_GRID}/")
    missing = client.get("/api/v1/grids/441302009009009/")
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.json() == missing.json()
