"""The territory page: the region tree and the map's configuration, scoped to the user."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.test.utils import override_settings

from gridgov.territory import views

from .factories import MiniCity


def map_config(response) -> dict:  # type: ignore[no-untyped-def]
    return response.context["map_config"]


def test_the_community_dispatcher_opens_on_their_community(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    response = client.get("/territory/")
    assert response.status_code == 200
    assert response.context["selected"].code == "441302001001"
    assert response.context["grid_total"] == 2
    assert "under=441302001001" in map_config(response)["gridsUrl"]


def test_the_tree_shows_the_path_and_the_selected_regions_children(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["district"])
    html = client.get("/territory/").content.decode()
    assert "?region=441302001" in html and "?region=441302002" in html  # the district's sub-districts
    assert "?region=441303" not in html  # another district: not visible


def test_a_region_out_of_scope_is_404(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    assert client.get("/territory/?region=441302001002").status_code == 404
    assert client.get("/territory/?region=441303").status_code == 404
    assert client.get("/territory/?region=999999").status_code == 404


def test_a_region_above_the_users_scope_shows_only_their_grids(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    response = client.get("/territory/?region=441302")
    assert response.status_code == 200
    assert response.context["grid_total"] == 2


def test_the_map_data_url_returns_only_the_users_grids(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    url = map_config(client.get("/territory/"))["gridsUrl"]
    data = json.loads(client.get(url).content)
    assert sorted(f["properties"]["code"] for f in data["features"]) == ["441302001001001", "441302001001002"]


def test_a_large_region_shows_sub_regions_instead_of_grids(
    city: MiniCity, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "MAP_MAX_GRIDS", 3)
    client.force_login(city.users["district"])
    response = client.get("/territory/")
    assert response.context["too_many"] is True
    assert map_config(response)["gridsUrl"] is None
    assert "parent=441302" in map_config(response)["regionsUrl"]


def test_without_tiles_the_map_has_no_tile_url_and_uses_wgs84(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    with override_settings(MAP_TILE_URL=""):
        config = map_config(client.get("/territory/"))
    assert config["tileUrl"] == "" and config["crs"] == "wgs84"
    assert "crs=wgs84" in config["gridsUrl"]


def test_with_gcj02_tiles_the_geometry_is_requested_in_gcj02(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    with override_settings(MAP_TILE_URL="https://tiles.example/{z}/{x}/{y}.png", MAP_TILE_CRS="gcj02"):
        response = client.get("/territory/")
    config = map_config(response)
    assert config["crs"] == "gcj02" and "crs=gcj02" in config["gridsUrl"]
    outline = config["regionsInline"]["features"][0]["geometry"]["coordinates"][0]
    assert min(x for x, _y in outline) > 114.40 + 0.003  # shifted east by the GCJ-02 offset (~500 m here)


def test_a_grid_popup_shows_workers_households_and_buildings(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    response = client.get("/territory/grids/441302001001001/card/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "441302001001001" in html and str(city.users["worker"]) in html
    assert "/territory/grids/441302001001001/" in html


def test_a_grid_popup_out_of_scope_is_404(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["community"])
    assert client.get("/territory/grids/441302001002001/card/").status_code == 404
