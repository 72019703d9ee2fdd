"""Organisations, small venues (三小场所) with their fire inspections, and facilities (部件) through the API:
coordinates in and out in the client's datum, masked contact phones, checked codes, scope."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient
from stdnum.cn import uscc

from gridgov.accounts.roles import Role
from gridgov.core.crs import from_wgs84
from gridgov.registry import services
from gridgov.registry.models import Facility, Organisation

from .factories import MiniCity

GRID = "441302001001001"


def make_uscc(serial: int) -> str:
    body = f"91441302MA4U{serial:05d}"
    return body + uscc.calc_check_digit(body)


def as_user(api: APIClient, city: MiniCity, username: str) -> APIClient:
    api.force_authenticate(city.users[username])
    return api


@pytest.fixture
def venue(city: MiniCity) -> Organisation:
    return services.register_organisation(
        by=city.users["worker"],
        data={
            "kind": "small_venue",
            "venue_kind": "restaurant",
            "name": "老街小吃店",
            "contact_phone": "13600001234",
            "building": city.buildings[GRID],
        },
    )


def test_register_a_small_venue_in_a_building(city: MiniCity, api: APIClient) -> None:
    response = as_user(api, city, "worker").post(
        "/api/v1/organisations/",
        {
            "kind": "small_venue",
            "venue_kind": "shop",
            "name": "便民小店",
            "uscc": make_uscc(1),
            "contact_phone": "13600005678",
            "building": city.buildings[GRID].code,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["contact_phone"] == "136****5678"
    assert "13600005678" not in response.content.decode()
    assert data["grid"] == GRID
    assert data["fire_safety"] == "not_inspected"
    assert data["lon"] == pytest.approx(city.buildings[GRID].lon)


def test_a_small_venue_needs_its_kind_and_a_valid_unique_uscc(city: MiniCity, api: APIClient) -> None:
    as_user(api, city, "worker")
    body: dict[str, Any] = {"kind": "small_venue", "name": "无类型", "grid": GRID}
    response = api.post("/api/v1/organisations/", body, format="json")
    assert response.status_code == 400
    assert "venue_kind" in response.json()
    bad = make_uscc(2)[:-1] + ("0" if make_uscc(2)[-1] != "0" else "1")
    response = api.post("/api/v1/organisations/", {"kind": "enterprise", "name": "甲", "uscc": bad, "grid": GRID})
    assert response.status_code == 400
    assert "uscc" in response.json()
    body = {"kind": "enterprise", "name": "乙", "uscc": make_uscc(3), "grid": GRID}
    assert api.post("/api/v1/organisations/", body, format="json").status_code == 201
    again = api.post("/api/v1/organisations/", {**body, "name": "丙"}, format="json")
    assert again.status_code == 400
    assert "uscc" in again.json()
    assert Organisation.objects.count() == 1


def test_coordinates_are_taken_and_given_in_the_clients_datum(city: MiniCity, api: APIClient) -> None:
    lon, lat = 114.405, 23.11
    glon, glat = from_wgs84(lon, lat, "gcj02")
    response = as_user(api, city, "worker").post(
        "/api/v1/organisations/",
        {"kind": "enterprise", "name": "定位企业", "grid": GRID, "lon": glon, "lat": glat, "crs": "gcj02"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    org = Organisation.objects.get(name="定位企业")
    assert (org.lon, org.lat) == (pytest.approx(lon, abs=1e-6), pytest.approx(lat, abs=1e-6))
    data = api.get(f"/api/v1/organisations/{org.pk}/", {"crs": "gcj02"}).json()
    assert (data["lon"], data["lat"]) == (pytest.approx(glon, abs=1e-6), pytest.approx(glat, abs=1e-6))
    assert api.get(f"/api/v1/organisations/{org.pk}/", {"crs": "mars"}).status_code == 400


def test_small_venues_and_fire_inspection(city: MiniCity, api: APIClient, venue: Organisation) -> None:
    services.register_organisation(
        by=city.users["worker"], data={"kind": "enterprise", "name": "大厂"}, grid=city.grids[GRID]
    )
    as_user(api, city, "worker")
    venues = api.get("/api/v1/organisations/small-venues/").json()["results"]
    assert [v["name"] for v in venues] == ["老街小吃店"]
    response = api.post(
        f"/api/v1/organisations/{venue.pk}/fire-inspection/", {"result": "hazard", "on": "2026-03-03"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["fire_safety"], response.json()["fire_checked_on"]) == ("hazard", "2026-03-03")
    assert response.json()["version"] == 2
    hazards = api.get("/api/v1/organisations/small-venues/", {"fire_safety": "hazard"}).json()["results"]
    assert [v["id"] for v in hazards] == [venue.pk]
    bad = api.post(f"/api/v1/organisations/{venue.pk}/fire-inspection/", {"result": "maybe"}, format="json")
    assert bad.status_code == 400
    assert "result" in bad.json()


def test_fire_inspection_needs_an_editor_in_scope(city: MiniCity, api: APIClient, venue: Organisation) -> None:
    city.grant("leader", Role.LEADER, region="441300")
    url = f"/api/v1/organisations/{venue.pk}/fire-inspection/"
    assert as_user(api, city, "leader").post(url, {"result": "passed"}).status_code == 403
    assert as_user(api, city, "outsider").post(url, {"result": "passed"}).status_code == 404
    assert as_user(api, city, "outsider").get(f"/api/v1/organisations/{venue.pk}/").status_code == 404
    venue.refresh_from_db()
    assert venue.fire_safety == "not_inspected"


def test_register_a_facility_located_in_its_grid(city: MiniCity, api: APIClient) -> None:
    lon, lat = 114.404, 23.105
    blon, blat = from_wgs84(lon, lat, "bd09")
    body = {
        "code": "441302010100001",
        "major_class": "01",
        "minor_class": "01",
        "name": "井盖",
        "lon": blon,
        "lat": blat,
        "crs": "bd09",
    }
    response = as_user(api, city, "worker").post("/api/v1/facilities/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["grid"] == GRID
    assert response.json()["lon"] == pytest.approx(lon, abs=1e-6)  # answered in WGS-84 unless asked
    facility = Facility.objects.get()
    assert facility.lat == pytest.approx(lat, abs=1e-6)
    again = api.post("/api/v1/facilities/", body, format="json")
    assert again.status_code == 400
    assert "code" in again.json()


def test_a_facility_code_must_match_its_class(city: MiniCity, api: APIClient) -> None:
    body = {
        "code": "441302020100001",
        "major_class": "01",
        "minor_class": "01",
        "name": "井盖",
        "lon": 114.404,
        "lat": 23.105,
    }
    response = as_user(api, city, "worker").post("/api/v1/facilities/", body, format="json")
    assert response.status_code == 400
    assert "code" in response.json()


def test_a_facility_outside_the_workers_grid_is_refused(city: MiniCity, api: APIClient) -> None:
    body = {
        "code": "441302010100002",
        "major_class": "01",
        "minor_class": "01",
        "name": "路灯",
        "lon": 114.47,
        "lat": 23.12,
    }
    response = as_user(api, city, "worker").post("/api/v1/facilities/", body, format="json")
    assert response.status_code == 403
    assert not Facility.objects.exists()


def test_facilities_out_of_scope_are_missing(city: MiniCity, api: APIClient) -> None:
    facility = services.register_facility(
        by=city.users["worker"],
        data={
            "code": "441302010100003",
            "major_class": "01",
            "minor_class": "01",
            "name": "消防栓",
            "lon": 114.404,
            "lat": 23.105,
        },
    )
    assert as_user(api, city, "outsider").get(f"/api/v1/facilities/{facility.pk}/").status_code == 404
    assert api.get("/api/v1/facilities/").json()["results"] == []
    listing = as_user(api, city, "district").get("/api/v1/facilities/", {"major_class": "01"}).json()["results"]
    assert [f["code"] for f in listing] == ["441302010100003"]


def test_facilities_as_geojson_points_in_the_clients_datum(city: MiniCity, api: APIClient) -> None:
    worker = city.users["worker"]
    for n, (major, lon) in enumerate([("01", 114.402), ("02", 114.404)], start=1):
        services.register_facility(
            by=worker,
            data={
                "code": f"441302{major}01{n:05d}",
                "major_class": major,
                "minor_class": "01",
                "name": f"部件{n}",
                "lon": lon,
                "lat": 23.105,
            },
        )
    as_user(api, city, "community")
    response = api.get("/api/v1/facilities/geojson/", {"crs": "gcj02", "major_class": "02"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    [feature] = body["features"]
    assert feature["properties"]["code"] == "441302020100002"
    assert feature["properties"]["grid"] == GRID
    assert feature["geometry"]["coordinates"] == pytest.approx(list(from_wgs84(114.404, 23.105, "gcj02")), abs=1e-6)
    assert as_user(api, city, "outsider").get("/api/v1/facilities/geojson/").json()["features"] == []
    assert api.get("/api/v1/facilities/geojson/", {"area": "x"}).status_code == 400
