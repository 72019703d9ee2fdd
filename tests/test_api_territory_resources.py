"""What the territory API returns for regions, grids, buildings and houses: fields, grid details, geometry only
when asked, pagination."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient
from shapely.geometry import box

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.core.crs import from_wgs84
from gridgov.territory.models import GridKind

from .factories import MiniCity, UserFactory, make_grid

GRID = "441302001001001"


@pytest.fixture
def admin(city: MiniCity, api: APIClient) -> APIClient:
    api.force_authenticate(city.users["admin"])
    return api


def test_grid_detail_names_its_workers_regions_and_counts(city: MiniCity, admin: APIClient) -> None:
    helper = UserFactory(username="helper", display_name="兼职网格员")
    RoleAssignment.objects.create(user=helper, role=Role.GRID_WORKER, grid=city.grids[GRID], part_time=True)
    data = admin.get(f"/api/v1/grids/{GRID}/").json()
    assert data["code"] == GRID
    assert data["workers"] == [
        {"name": str(city.users["worker"]), "part_time": False},
        {"name": "兼职网格员", "part_time": True},
    ]
    assert data["households_estimate"] == 300
    assert data["building_count"] == 1
    assert data["area_m2"] == pytest.approx(city.grids[GRID].area_m2)
    assert data["community"] == {"code": "441302001001", "name": "社区1-1"}
    assert data["subdistrict"] == {"code": "441302001", "name": "街道1"}
    assert data["district"] == {"code": "441302", "name": "惠城区"}
    assert data["region"] == "441302001001"
    assert "geometry" not in data


def test_grid_workers_do_not_include_other_roles(city: MiniCity, admin: APIClient) -> None:
    head = UserFactory(username="head", display_name="网格长")
    RoleAssignment.objects.create(user=head, role=Role.GRID_HEAD, grid=city.grids[GRID])
    names = [w["name"] for w in admin.get(f"/api/v1/grids/{GRID}/").json()["workers"]]
    assert "网格长" not in names


def test_lists_leave_geometry_out_unless_asked(admin: APIClient) -> None:
    for path in ("/api/v1/grids/", "/api/v1/regions/"):
        assert all("geometry" not in item for item in admin.get(path).json()["results"])
        with_geometry = admin.get(path, {"geometry": "1"}).json()["results"]
        assert all("geometry" in item for item in with_geometry)


def test_geometry_is_geojson_in_the_requested_datum(city: MiniCity, admin: APIClient) -> None:
    wgs = admin.get(f"/api/v1/grids/{GRID}/", {"geometry": "true"}).json()["geometry"]
    gcj = admin.get(f"/api/v1/grids/{GRID}/", {"geometry": "true", "crs": "gcj02"}).json()["geometry"]
    assert wgs["type"] == "Polygon"
    minx, miny, _maxx, _maxy = city.grids[GRID].boundary.bounds  # type: ignore[union-attr]
    assert [minx, miny] in wgs["coordinates"][0]
    expected = from_wgs84(minx, miny, "gcj02")
    assert any(abs(x - expected[0]) < 1e-6 and abs(y - expected[1]) < 1e-6 for x, y in gcj["coordinates"][0])


def test_region_without_boundary_has_null_geometry(admin: APIClient) -> None:
    assert admin.get("/api/v1/regions/440000/", {"geometry": "1"}).json()["geometry"] is None


def test_region_fields(admin: APIClient) -> None:
    data = admin.get("/api/v1/regions/441302001/").json()
    assert data["name"] == "街道1"
    assert data["level"] == "subdistrict"
    assert data["parent"] == "441302"
    assert data["url"].endswith("/api/v1/regions/441302001/")


def test_building_points_follow_the_requested_datum(city: MiniCity, admin: APIClient) -> None:
    building = city.buildings[GRID]
    data = admin.get(f"/api/v1/buildings/{building.code}/").json()
    assert (data["lon"], data["lat"]) == (pytest.approx(building.lon), pytest.approx(building.lat))
    assert data["grid"] == GRID
    assert data["house_count"] == 2
    bd = admin.get(f"/api/v1/buildings/{building.code}/", {"crs": "bd09"}).json()
    expected = from_wgs84(building.lon, building.lat, "bd09")
    assert (bd["lon"], bd["lat"]) == (pytest.approx(expected[0], abs=1e-6), pytest.approx(expected[1], abs=1e-6))


def test_house_detail_is_by_id(city: MiniCity, admin: APIClient) -> None:
    house = city.buildings[GRID].houses.get(number="201")
    data = admin.get(f"/api/v1/houses/{house.pk}/").json()
    assert data == {
        "url": f"http://testserver/api/v1/houses/{house.pk}/",
        "id": house.pk,
        "building": city.buildings[GRID].code,
        "building_name": city.buildings[GRID].name,
        "number": "201",
        "floor": 2,
        "area_m2": None,
    }


def test_non_numeric_house_id_is_404(admin: APIClient) -> None:
    assert admin.get("/api/v1/houses/abc/").status_code == 404


def test_lists_are_paginated_by_limit_and_offset(admin: APIClient) -> None:
    first = admin.get("/api/v1/grids/", {"limit": 4}).json()
    second = admin.get("/api/v1/grids/", {"limit": 4, "offset": 4}).json()
    assert first["count"] == 9
    assert len(first["results"]) == 4
    assert first["next"] is not None
    codes: list[Any] = [g["code"] for g in first["results"] + second["results"]]
    assert codes == sorted(codes)
    assert len(set(codes)) == 8


def test_a_huge_limit_is_capped(admin: APIClient) -> None:
    from gridgov.core.api import Pagination

    assert Pagination.max_limit is not None
    response = admin.get("/api/v1/houses/", {"limit": 10**9})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 18


def test_the_api_is_read_only(admin: APIClient) -> None:
    assert admin.post("/api/v1/grids/", {"code": "1", "name": "x"}).status_code == 405
    assert admin.delete(f"/api/v1/grids/{GRID}/").status_code == 405


def test_a_specialized_grid_with_letters_in_its_code_is_listed_and_reachable(city: MiniCity, admin: APIClient) -> None:
    make_grid("441302001JW01", "治安巡区1", city.regions["441302001"], box(114.40, 23.10, 114.42, 23.14),
              kind=GridKind.SPECIALIZED)  # fmt: skip
    listed = admin.get("/api/v1/grids/", {"kind": "specialized"}).json()["results"]
    assert [g["url"] for g in listed] == ["http://testserver/api/v1/grids/441302001JW01/"]
    assert admin.get("/api/v1/grids/441302001JW01/").json()["subdistrict"]["code"] == "441302001"
    features = admin.get("/api/v1/grids/geojson/", {"kind": "specialized"}).json()["features"]
    assert features[0]["properties"]["url"] == "http://testserver/api/v1/grids/441302001JW01/"
    assert admin.get("/api/v1/buildings/", {"grid": "441302001JW01"}).status_code == 200
