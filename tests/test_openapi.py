"""The OpenAPI schema renders without warnings and lists the territory API; Swagger UI is served offline."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS


def test_schema_renders_and_lists_the_territory_paths(client: Client, db: None) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/regions/",
        "/api/v1/regions/{code}/",
        "/api/v1/regions/geojson/",
        "/api/v1/grids/",
        "/api/v1/grids/{code}/",
        "/api/v1/grids/geojson/",
        "/api/v1/buildings/",
        "/api/v1/buildings/{code}/",
        "/api/v1/houses/",
        "/api/v1/houses/{id}/",
    ):
        assert path in paths, path
    grid_params = {p["name"] for p in paths["/api/v1/grids/"]["get"]["parameters"]}
    assert {"kind", "under", "bbox", "crs", "geometry", "limit", "offset"} <= grid_params
    assert "application/geo+json" in paths["/api/v1/grids/geojson/"]["get"]["responses"]["200"]["content"]


def test_schema_generation_has_no_warnings_or_errors(db: None, tmp_path: pytest.TempPathFactory) -> None:
    GENERATOR_STATS.reset()
    out = tmp_path / "schema.yaml"  # type: ignore[operator]
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert GENERATOR_STATS._warn_cache == {} and GENERATOR_STATS._error_cache == {}
    assert yaml.safe_load(out.read_text())["openapi"].startswith("3.")


def test_swagger_ui_is_served_from_the_sidecar_not_a_cdn(client: Client, db: None) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
    assert external == []
    assert "cdn" not in html.lower()


def test_the_swagger_assets_exist_locally(client: Client, db: None) -> None:
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r"""/static/drf_spectacular_sidecar/[^"']+""", html)
    assert assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
