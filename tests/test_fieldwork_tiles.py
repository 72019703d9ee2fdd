"""The offline map's configuration as the server hands it out: the page and the service worker name the same
download cache, the zoom levels and the cap follow the settings, and the worker knows the tiles' own URLs.
(The download itself is tested in Chromium: tests/browser/test_fieldwork_tiles.py.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, override_settings

from gridgov.fieldwork.views.app import TILE_CACHE, TILE_DOWNLOAD_CACHE
from tests.factories import build_mini_city

pytestmark = pytest.mark.django_db

TILES = "https://t{s}.tiles.example/gcj/{z}/{x}/{y}.png?key=k"


@pytest.fixture
def worker() -> Client:
    city = build_mini_city()
    client = Client()
    client.force_login(city.users["worker"])
    return client


def config_of(client: Client) -> dict[str, Any]:
    page = client.get("/field/app/").content.decode()
    return dict(json.loads(page.split('<script id="app-config" type="application/json">')[1].split("</script>")[0]))


def constant(body: str, name: str) -> Any:
    return json.loads(body.split(f"const {name} = ")[1].split(";\n")[0])


@override_settings(MAP_TILE_URL=TILES, MAP_TILE_CRS="gcj02", MAP_OFFLINE_ZOOMS=(15, 17), MAP_OFFLINE_MAX_TILES=500)
def test_the_page_and_the_service_worker_share_the_download_cache(worker: Client) -> None:
    config = config_of(worker)
    assert config["tileUrl"] == TILES
    assert config["crs"] == "gcj02"
    assert config["tileZooms"] == [15, 17]
    assert config["tileMaxTiles"] == 500
    assert config["labels"]["tiles"]["done"] == "已下载 %(n)s 张,%(d)s"
    body = Client().get("/field/app/sw.js").content.decode()
    assert constant(body, "TILE_DOWNLOADS") == config["tileDownloadCache"] == TILE_DOWNLOAD_CACHE
    assert constant(body, "TILE_CACHE") == config["tileCache"] == TILE_CACHE
    assert TILE_CACHE != TILE_DOWNLOAD_CACHE  # the bounded cache's eviction never reaches the downloads
    assert constant(body, "TILE_PREFIX") == "https://t"
    assert "/static/fieldwork/app/tiles.js" in constant(body, "PRECACHE")
    page = worker.get("/field/app/").content.decode()
    assert 'id="tiles-download"' in page


@override_settings(MAP_TILE_URL="")
def test_without_tiles_there_is_nothing_to_download(worker: Client) -> None:
    config = config_of(worker)
    assert config["tileUrl"] == ""
    # The card is in the page but hidden; tiles.js shows it only with a tile URL.
    page = worker.get("/field/app/").content.decode()
    assert '<div id="tiles" class="card" data-state="idle" hidden>' in page
    assert constant(Client().get("/field/app/sw.js").content.decode(), "TILE_PREFIX") == ""
