"""GeoJSON of grids and regions: a FeatureCollection with the map's properties, in the requested datum,
simplified on request, filtered like the lists, and the same from the Python function the web map calls."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from shapely.geometry import Polygon, shape

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.core.crs import CRS, from_wgs84, from_wgs84_array
from gridgov.territory.geojson import feature_collection
from gridgov.territory.models import Grid, Region

from .factories import MiniCity, UserFactory, make_grid

GRID = "441302001001001"


@pytest.fixture
def admin(city: MiniCity, api: APIClient) -> APIClient:
    api.force_authenticate(city.users["admin"])
    return api


def test_grids_geojson_is_a_feature_collection_with_map_properties(city: MiniCity, admin: APIClient) -> None:
    helper = UserFactory(username="helper", display_name="兼职网格员")
    RoleAssignment.objects.create(user=helper, role=Role.GRID_WORKER, grid=city.grids[GRID], part_time=True)
    response = admin.get("/api/v1/grids/geojson/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 9
    feature = next(f for f in body["features"] if f["properties"]["code"] == GRID)
    assert feature["type"] == "Feature"
    assert feature["properties"] == {
        "code": GRID,
        "name": "网格1-1-1",
        "kind": "comprehensive",
        "special_kind": "",
        "households_estimate": 300,
        "workers": [str(city.users["worker"]), "兼职网格员"],
        "building_count": 1,
        "url": f"http://testserver/api/v1/grids/{GRID}/",
    }
    assert shape(feature["geometry"]).equals(city.grids[GRID].boundary)


def test_regions_geojson_has_region_properties(admin: APIClient) -> None:
    body = admin.get("/api/v1/regions/geojson/", {"under": "441302001"}).json()
    assert [f["properties"]["code"] for f in body["features"]] == ["441302001", "441302001001", "441302001002"]
    first = body["features"][0]["properties"]
    assert first["level"] == "subdistrict"
    assert first["parent"] == "441302"
    assert first["url"] == "http://testserver/api/v1/regions/441302001/"


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_geojson_is_converted_to_the_requested_datum(city: MiniCity, admin: APIClient, crs: str) -> None:
    body = admin.get("/api/v1/grids/geojson/", {"crs": crs, "under": "441302001001"}).json()
    assert body["datum"] == crs
    feature = next(f for f in body["features"] if f["properties"]["code"] == GRID)
    ring = feature["geometry"]["coordinates"][0]
    wgs_ring = list(city.grids[GRID].boundary.exterior.coords)  # type: ignore[union-attr]
    assert len(ring) == len(wgs_ring)
    for (x, y), (wx, wy) in zip(ring, wgs_ring, strict=True):
        ex, ey = from_wgs84(wx, wy, crs)
        assert (x, y) == (pytest.approx(ex, abs=2e-7), pytest.approx(ey, abs=2e-7))


def test_geojson_default_is_wgs84(admin: APIClient) -> None:
    assert admin.get("/api/v1/grids/geojson/").json()["datum"] == "wgs84"


def test_simplify_drops_vertices_within_the_tolerance(city: MiniCity, admin: APIClient) -> None:
    # A grid whose eastern edge wiggles by about 1 m every few metres.
    wiggly = Polygon(
        [(114.4400, 23.1000), *[(114.4410 + (0.00001 if i % 2 else 0), 23.1000 + i * 0.0002) for i in range(101)],
         (114.4400, 23.1200)]
    )  # fmt: skip
    grid = Grid.objects.get(code="441303001001001")
    grid.set_boundary(wiggly)
    grid.save()
    raw = admin.get("/api/v1/grids/geojson/", {"under": "441303"}).json()["features"][0]["geometry"]
    simple = admin.get("/api/v1/grids/geojson/", {"under": "441303", "simplify": 5}).json()["features"][0]
    assert len(simple["geometry"]["coordinates"][0]) < 10 < len(raw["coordinates"][0])
    assert shape(simple["geometry"]).symmetric_difference(wiggly).area < wiggly.area * 0.01


def test_simplified_neighbours_still_share_their_edge(city: MiniCity, admin: APIClient) -> None:
    # Two grids split by a wiggly line: simplified one by one they would open slivers between them.
    wiggle = [(114.44 + i * 0.0006, 23.11 + 0.0003 * math.sin(i * 0.7) + 0.00002 * (i % 3)) for i in range(101)]
    south = Polygon([(114.44, 23.10), (114.50, 23.10), *reversed(wiggle)])
    north = Polygon([*wiggle, (114.50, 23.14), (114.44, 23.14)])
    Grid.objects.filter(code="441303001001001").update(kind="comprehensive")
    huiyang = Grid.objects.get(code="441303001001001")
    huiyang.set_boundary(south)
    huiyang.save()
    make_grid("441303001001002", "北网格", city.regions["441303001001"], north)
    body = admin.get("/api/v1/grids/geojson/", {"under": "441303", "simplify": 20}).json()
    simplified = [shape(f["geometry"]) for f in body["features"]]
    assert all(len(g.exterior.coords) < 80 for g in simplified)  # of 104
    assert shapely.coverage_is_valid(np.array(simplified, dtype=object))
    union = shapely.union_all(simplified)
    assert union.area == pytest.approx(sum(g.area for g in simplified), rel=1e-9)
    assert union.symmetric_difference(shapely.box(114.44, 23.10, 114.50, 23.14)).area < 1e-9


def test_geojson_takes_the_list_filters(admin: APIClient) -> None:
    body = admin.get("/api/v1/grids/geojson/", {"bbox": "114.425,23.125,114.435,23.135"}).json()
    assert {f["properties"]["code"] for f in body["features"]} == {"441302002002001", "441302002002002"}
    body = admin.get("/api/v1/grids/geojson/", {"q": "惠阳"}).json()
    assert [f["properties"]["code"] for f in body["features"]] == ["441303001001001"]


def test_geojson_is_not_paginated(admin: APIClient) -> None:
    body = admin.get("/api/v1/grids/geojson/", {"limit": 2}).json()
    assert len(body["features"]) == 9


def test_a_grid_without_boundary_has_null_geometry(admin: APIClient) -> None:
    Grid.objects.filter(code=GRID).update(boundary_wkb=None)
    body = admin.get("/api/v1/grids/geojson/", {"under": "441302001001"}).json()
    feature = next(f for f in body["features"] if f["properties"]["code"] == GRID)
    assert feature["geometry"] is None


def test_the_python_function_serves_the_web_map(city: MiniCity) -> None:
    grids = Grid.objects.visible_to(city.users["community"], "view")
    collection = feature_collection(grids, crs="gcj02", detail_url=lambda code: f"/territory/grids/{code}/")
    assert collection["type"] == "FeatureCollection"
    assert collection["datum"] == "gcj02"
    assert {f["properties"]["code"] for f in collection["features"]} == {GRID, "441302001001002"}
    assert collection["features"][0]["properties"]["url"] == f"/territory/grids/{GRID}/"
    regions = feature_collection(Region.objects.visible_to(city.users["community"], "view"))
    assert len(regions["features"]) == 5
    with pytest.raises(TypeError):
        feature_collection(city.users["community"].role_assignments.all())  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    lon=st.floats(min_value=70, max_value=140, allow_nan=False),
    lat=st.floats(min_value=0, max_value=56, allow_nan=False),
    crs=st.sampled_from([CRS.GCJ02, CRS.BD09, CRS.WGS84]),
)
def test_vectorised_conversion_agrees_with_core_crs(lon: float, lat: float, crs: CRS) -> None:
    converted = from_wgs84_array(np.array([[lon, lat]]), crs)[0]
    expected = from_wgs84(lon, lat, crs)
    assert converted[0] == pytest.approx(expected[0], abs=1e-9)
    assert converted[1] == pytest.approx(expected[1], abs=1e-9)


def test_points_outside_china_are_left_unchanged() -> None:
    coords = np.array([[2.35, 48.85], [114.4, 23.1]])
    out = from_wgs84_array(coords, CRS.GCJ02)
    assert tuple(out[0]) == (2.35, 48.85)
    assert tuple(out[1]) != (114.4, 23.1)
    assert shapely.Point(*out[1]).distance(shapely.Point(114.4, 23.1)) < 0.01
