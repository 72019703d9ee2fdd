"""``GET /api/v1/coverage/``: scoped to the coverage permission, field-level 400s, GeoJSON out."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from shapely.geometry import box

from gridgov.core import geo
from gridgov.territory.services import redraw_grid

from .factories import MiniCity

URL = "/api/v1/coverage/"
COMMUNITY = "441302001001"


def get(api: APIClient, city: MiniCity, username: str | None, **params: str) -> object:
    if username:
        api.force_authenticate(city.users[username])
    return api.get(URL, params)


def test_the_route_is_named_coverage() -> None:
    assert reverse("coverage") == URL


def test_community_dispatcher_gets_their_community_with_totals_and_features(city: MiniCity, api: APIClient) -> None:
    east = city.grids[f"{COMMUNITY}002"]
    redraw_grid(east, box(114.41, 23.10, 114.418, 23.12), on=east.valid_from)
    response = get(api, city, "community", region=COMMUNITY, crs="bd09")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["region"] == COMMUNITY and data["crs"] == "bd09" and data["ok"] is False
    assert data["totals"]["gap_count"] == 1
    expected = geo.area_m2(box(114.418, 23.10, 114.42, 23.12))
    assert data["totals"]["gaps_m2"] == pytest.approx(expected, rel=0.005)
    assert data["gaps"]["features"][0]["properties"]["region_codes"] == [COMMUNITY]
    assert data["overlaps"] == {"type": "FeatureCollection", "features": []}
    assert data["micro"] == []


@pytest.mark.parametrize(
    ("username", "region", "status"),
    [
        ("community", "441302001002", 404),  # the neighbouring community
        ("community", "441302001", 404),  # the sub-district above (visible as context, not checkable)
        ("community", "441303001001", 404),
        ("subdistrict", "441302001", 200),
        ("subdistrict", "441302001002", 200),
        ("subdistrict", "441302002", 404),
        ("district", "441302", 200),
        ("outsider", "441302", 404),
        ("outsider", "441303", 200),
        ("worker", COMMUNITY, 404),  # grid workers lack the coverage permission
        ("resident", COMMUNITY, 404),
        ("nobody", COMMUNITY, 404),
        ("admin", "441302", 200),
        ("district", "000000000000", 404),  # missing looks the same as out of scope
    ],
)
def test_scope(city: MiniCity, api: APIClient, username: str, region: str, status: int) -> None:
    assert get(api, city, username, region=region).status_code == status


def test_anonymous_callers_are_refused(city: MiniCity, api: APIClient) -> None:
    assert get(api, city, None, region=COMMUNITY).status_code == 401


def test_missing_region_and_bad_crs_are_field_errors(city: MiniCity, api: APIClient) -> None:
    response = get(api, city, "district")
    assert response.status_code == 400 and "region" in response.json()
    response = get(api, city, "district", region="441302", crs="mars")
    assert response.status_code == 400 and list(response.json()) == ["crs"]


def test_a_region_above_district_is_a_400_naming_the_rule(city: MiniCity, api: APIClient) -> None:
    response = get(api, city, "admin", region="441300")
    assert response.status_code == 400
    assert "覆盖检查只能针对社区/村、街道/乡镇或区县" in response.json()["region"][0]


def test_the_endpoint_is_in_the_openapi_schema(city: MiniCity, api: APIClient) -> None:
    api.force_authenticate(city.users["admin"])
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"region", "crs"}
