"""The phone app's pages (/field/app/): the shell for grid workers only, the manifest, the service worker."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.factories import build_mini_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> Any:
    return build_mini_city()


def client_for(city: Any, username: str) -> Client:
    client = Client()
    client.force_login(city.users[username])
    return client


def test_the_shell_is_for_grid_workers_and_sets_the_csrf_cookie(city: Any) -> None:
    response = client_for(city, "worker").get("/field/app/")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    page = response.content.decode()
    config = json.loads(page.split('<script id="app-config" type="application/json">')[1].split("</script>")[0])
    assert config["recordsUrl"] == "/api/v1/sync/records/"
    assert config["pullUrl"] == "/api/v1/sync/pull/"
    assert config["labels"]["states"]["saved"] == "保存在手机"
    assert 'rel="manifest" href="/field/app/manifest.webmanifest"' in response.content.decode()


def test_the_shell_asks_for_a_login_first(city: Any) -> None:
    response = Client().get("/field/app/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/field/app/")


@pytest.mark.parametrize("username", ["community", "resident", "nobody"])
def test_users_who_do_not_patrol_are_refused(city: Any, username: str) -> None:
    assert client_for(city, username).get("/field/app/").status_code == 403


def test_the_manifest_makes_the_app_installable(city: Any) -> None:
    response = Client().get("/field/app/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = response.json()
    assert data["start_url"] == "/field/app/"
    assert data["scope"] == "/field/app/"
    assert data["display"] == "standalone"
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        assert Client().get(icon["src"]).status_code == 200


def test_the_service_worker_precaches_the_shell_and_leaflet(city: Any) -> None:
    response = Client().get("/field/app/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert 'const SHELL = "/field/app/";' in body
    precache = json.loads(body.split("const PRECACHE = ")[1].split(";\n")[0])
    assert "/static/vendor/leaflet/leaflet.js" in precache
    assert "/static/fieldwork/app/app.js" in precache
    for url in precache:
        assert Client().get(url).status_code == 200, url


def test_the_edit_screens_get_the_registrys_choices_and_a_label_for_every_field_they_send(city: Any) -> None:
    """edit.js builds the person and rental forms from the config: the registry's choices, each field named in the
    worker's language (also in the server's 400/409 answers), and the modules are precached for offline use."""
    from gridgov.fieldwork.api.sync_pull import EDITABLE
    from gridgov.registry.models import Education, Occupancy

    page = client_for(city, "worker").get("/field/app/").content.decode()
    config = json.loads(page.split('<script id="app-config" type="application/json">')[1].split("</script>")[0])
    assert config["choices"]["education"] == [[c.value, str(c.label)] for c in Education]
    assert config["choices"]["occupancy"] == [[c.value, str(c.label)] for c in Occupancy]
    fields = config["labels"]["fields"]
    for name in (*EDITABLE, "rooms", "safety_checked_on", "is_active", "changes", "uuid"):
        assert fields.get(name) and fields[name] != name, name
    assert config["labels"]["kinds"]["rental_edit"] == "出租屋检查"
    assert config["labels"]["edit"]["discardYes"] == "确定放弃"
    assert 'id="view-edit"' in page and 'id="visit-edit-person"' in page
    sw = Client().get("/field/app/sw.js").content.decode()
    assert "fieldwork/app/records.js" in sw and "fieldwork/app/edit.js" in sw
