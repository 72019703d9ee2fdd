"""The admin's "导入边界" upload: the same all-or-nothing import, with errors listed on the page."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridgov.territory.models import Grid, Region

from .factories import MiniCity, UserFactory

SAMPLE = Path(__file__).parent / "data" / "boundaries_sample.geojson"
URL = "/admin/territory/region/import-boundaries/"


def superuser_client() -> Client:
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, data: bytes, url: str = URL, crs: str = "gcj02") -> object:
    return client.post(url, {"file": SimpleUploadedFile("b.geojson", data), "crs": crs}, follow=True)


def test_the_change_lists_link_to_the_upload_page(city: MiniCity) -> None:
    client = superuser_client()
    for model in ("region", "grid"):
        page = client.get(f"/admin/territory/{model}/")
        assert f"/admin/territory/{model}/import-boundaries/" in page.content.decode()
        assert client.get(f"/admin/territory/{model}/import-boundaries/").status_code == 200


def test_an_admin_uploads_a_good_file_and_sees_the_counts(city: MiniCity) -> None:
    response = upload(superuser_client(), SAMPLE.read_bytes())
    assert response.redirect_chain[-1][0] == "/admin/territory/region/"
    assert "导入完成" in response.content.decode() and "网格:新建 3" in response.content.decode()
    assert Region.objects.filter(code="441302003001").exists()
    assert Grid.objects.filter(code__startswith="441302003").count() == 3


def test_the_grid_admin_upload_works_too(city: MiniCity) -> None:
    response = upload(superuser_client(), SAMPLE.read_bytes(), url="/admin/territory/grid/import-boundaries/")
    assert response.redirect_chain[-1][0] == "/admin/territory/grid/"


def test_errors_are_listed_on_the_page_and_nothing_is_written(city: MiniCity) -> None:
    doc = json.loads(SAMPLE.read_text())
    doc["features"][1]["properties"]["name"] = ""
    doc["features"][3]["properties"]["parent"] = "441302009"
    before = (Region.objects.count(), Grid.objects.count())
    response = upload(superuser_client(), json.dumps(doc).encode())
    html = response.content.decode()
    assert response.status_code == 200 and 'id="import-errors"' in html
    assert "第 1 个要素" in html and "缺少名称" in html
    assert "第 3 个要素" in html and "441302009" in html
    assert (Region.objects.count(), Grid.objects.count()) == before


def test_staff_without_model_permissions_are_refused(city: MiniCity) -> None:
    user = UserFactory(username="clerk", is_staff=True)
    client = Client()
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert upload(client, SAMPLE.read_bytes()).status_code == 403
    assert not Region.objects.filter(code="441302003").exists()


def test_anonymous_users_are_sent_to_the_login(city: MiniCity) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
