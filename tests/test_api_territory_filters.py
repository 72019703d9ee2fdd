"""The territory filtersets, through the API: each filter narrows the visible list as documented."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient
from shapely.geometry import box

from gridgov.core.crs import from_wgs84
from gridgov.territory.models import Building, BuildingKind, GridKind, SpecialKind
from gridgov.territory.services import redraw_grid

from .factories import MiniCity, make_grid


@pytest.fixture
def admin(city: MiniCity, api: APIClient) -> APIClient:
    api.force_authenticate(city.users["admin"])
    return api


def codes(client: APIClient, path: str, **params: object) -> set[str]:
    response = client.get(path, {"limit": 1000, **params})
    assert response.status_code == 200, response.json()
    return {item["code"] for item in response.json()["results"]}


def test_regions_by_level_parent_and_prefix(admin: APIClient) -> None:
    assert codes(admin, "/api/v1/regions/", level="district") == {"441302", "441303"}
    assert codes(admin, "/api/v1/regions/", parent="441302") == {"441302001", "441302002"}
    assert codes(admin, "/api/v1/regions/", under="441302002") == {"441302002", "441302002001", "441302002002"}
    assert codes(admin, "/api/v1/regions/", q="淡水") == {"441303001"}


def test_grids_under_a_region_code(admin: APIClient) -> None:
    assert codes(admin, "/api/v1/grids/", under="441302002") == {
        "441302002001001", "441302002001002", "441302002002001", "441302002002002",
    }  # fmt: skip
    assert codes(admin, "/api/v1/grids/", region="441303001001") == {"441303001001001"}


def test_grids_by_kind_and_special_kind(city: MiniCity, admin: APIClient) -> None:
    park = make_grid(
        "441303001001002",
        "园区",
        city.regions["441303001001"],
        box(114.45, 23.11, 114.46, 23.12),
        kind=GridKind.SPECIAL,
    )
    park.special_kind = SpecialKind.INDUSTRIAL_PARK
    park.save()
    assert codes(admin, "/api/v1/grids/", kind="special") == {"441303001001002"}
    assert codes(admin, "/api/v1/grids/", special_kind="industrial_park") == {"441303001001002"}
    assert len(codes(admin, "/api/v1/grids/", kind="comprehensive")) == 9
    both = admin.get("/api/v1/grids/?kind=special&kind=comprehensive&limit=100").json()
    assert both["count"] == 10


def test_grids_by_name_or_code_prefix(admin: APIClient) -> None:
    assert codes(admin, "/api/v1/grids/", q="惠阳") == {"441303001001001"}
    assert codes(admin, "/api/v1/grids/", q="441302002002") == {"441302002002001", "441302002002002"}


def test_grids_are_current_by_default_and_history_on_request(city: MiniCity, admin: APIClient) -> None:
    old = city.grids["441303001001001"]
    new = redraw_grid(old, box(114.44, 23.10, 114.50, 23.13), on=datetime.date(2025, 1, 1))
    current = admin.get("/api/v1/grids/", {"under": "441303"}).json()["results"]
    assert [(g["code"], g["valid_to"]) for g in current] == [("441303001001001", None)]
    history = admin.get("/api/v1/grids/", {"under": "441303", "current": "false"}).json()["results"]
    assert [(g["code"], g["valid_to"]) for g in history] == [("441303001001001", "2025-01-01")]
    # The code addresses the current version.
    assert admin.get("/api/v1/grids/441303001001001/").json()["valid_from"] == new.valid_from.isoformat()


def test_grids_by_active_flag(city: MiniCity, admin: APIClient) -> None:
    grid = city.grids["441303001001001"]
    grid.is_active = False
    grid.save()
    assert codes(admin, "/api/v1/grids/", active="false", current="false") == {"441303001001001"}
    assert "441303001001001" not in codes(admin, "/api/v1/grids/")


def test_grids_in_a_bounding_box(admin: APIClient) -> None:
    # The north-east quarter of 441302: sub-district 2, community 2; the box just touches nothing else's inside.
    found = codes(admin, "/api/v1/grids/", bbox="114.425,23.125,114.435,23.135")
    assert found == {"441302002002001", "441302002002002"}
    assert codes(admin, "/api/v1/grids/", bbox="100,10,101,11") == set()


def test_bounding_box_in_gcj02_is_converted_before_filtering(admin: APIClient) -> None:
    # A tiny box around a point well inside grid 441302002002001, given in GCJ-02 (offset by hundreds of metres).
    lon, lat = from_wgs84(114.4255, 23.1300, "gcj02")
    bbox = f"{lon - 0.0001},{lat - 0.0001},{lon + 0.0001},{lat + 0.0001}"
    assert codes(admin, "/api/v1/grids/", bbox=bbox, crs="gcj02") == {"441302002002001"}
    # Read as WGS-84 the same numbers land elsewhere (GCJ-02 shifts Huizhou roughly 500 m east, 300 m south).
    assert codes(admin, "/api/v1/grids/", bbox=bbox) != {"441302002002001"}


def test_buildings_by_grid_kind_and_prefix(city: MiniCity, admin: APIClient) -> None:
    Building.objects.filter(code="44130200200200100001").update(kind=BuildingKind.FACTORY)
    assert codes(admin, "/api/v1/buildings/", grid="441302001001002") == {"44130200100100200001"}
    assert codes(admin, "/api/v1/buildings/", kind="factory") == {"44130200200200100001"}
    assert len(codes(admin, "/api/v1/buildings/", under="441302001")) == 4


def test_houses_by_building(city: MiniCity, admin: APIClient) -> None:
    response = admin.get("/api/v1/houses/", {"building": "44130200100100100001"}).json()
    assert sorted(h["number"] for h in response["results"]) == ["101", "201"]
    response = admin.get("/api/v1/houses/", {"under": "441302002", "floor": 2}).json()
    assert response["count"] == 4
