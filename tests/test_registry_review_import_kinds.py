"""The import wizard offers only the kinds the user may import — each importer writes within the user's change
scope for its own kind (houses: grid workers and administrators) — and refuses the others with 403 and a message
naming the kinds allowed: the page, its template download, the API's upload and template."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.registry.importing import create_job, importable_kinds
from gridgov.registry.models import ImportJob
from tests.factories import MiniCity

from .test_registry_import_jobs import rows_of, xlsx

pytestmark = pytest.mark.django_db

REFUSED = "您的角色不能导入“房屋”,可以导入的类别:人员、户、组织。"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def page_client(city: MiniCity, who: str) -> Client:
    client = Client()
    client.force_login(city.users[who])
    return client


def test_each_role_is_offered_what_it_may_change(city: MiniCity) -> None:
    assert importable_kinds(city.users["worker"]) == ["person", "household", "house", "organisation"]
    assert importable_kinds(city.users["admin"]) == ["person", "household", "house", "organisation"]
    assert importable_kinds(city.users["community"]) == ["person", "household", "organisation"]
    assert importable_kinds(city.users["resident"]) == []


def test_the_page_offers_a_centre_no_house_import(city: MiniCity) -> None:
    html = page_client(city, "community").get(reverse("registry:import")).content.decode()
    for kind in ("person", "household", "organisation"):
        assert f'value="{kind}"' in html and reverse("registry:import-template", args=[kind]) in html
    assert 'value="house"' not in html and reverse("registry:import-template", args=["house"]) not in html
    worker = page_client(city, "worker").get(reverse("registry:import")).content.decode()
    assert 'value="house"' in worker


def test_a_kind_asked_for_in_the_address_but_not_allowed_is_not_preselected(city: MiniCity) -> None:
    html = page_client(city, "community").get(reverse("registry:import") + "?kind=house").content.decode()
    assert 'value="person" checked' in html


def test_a_house_file_posted_by_a_centre_is_403_with_the_reason_and_no_job(city: MiniCity) -> None:
    upload = SimpleUploadedFile("houses.xlsx", xlsx(rows_of(1)))
    response = page_client(city, "community").post(reverse("registry:import"), {"kind": "house", "file": upload})
    assert response.status_code == 403
    assert REFUSED in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_template_of_a_kind_not_allowed_is_403(city: MiniCity) -> None:
    client = page_client(city, "community")
    assert client.get(reverse("registry:import-template", args=["house"])).status_code == 403
    assert client.get(reverse("registry:import-template", args=["person"])).status_code == 200


def test_the_api_refuses_a_house_file_from_a_centre_with_403_and_the_reason(city: MiniCity) -> None:
    api = APIClient()
    api.force_authenticate(city.users["community"])
    upload = SimpleUploadedFile("houses.xlsx", xlsx(rows_of(1)))
    r = api.post("/api/v1/import-jobs/", {"kind": "house", "file": upload}, format="multipart")
    assert r.status_code == 403 and r.json()["detail"] == REFUSED, r.content
    assert not ImportJob.objects.exists()
    r = api.get("/api/v1/import-jobs/templates/house.xlsx")
    assert r.status_code == 403 and r.json()["detail"] == REFUSED
    api.force_authenticate(city.users["worker"])
    assert api.get("/api/v1/import-jobs/templates/house.xlsx").status_code == 200


def test_the_service_refuses_too(city: MiniCity) -> None:
    with pytest.raises(PermissionDenied, match="房屋"):
        create_job(by=city.users["community"], kind="house", upload=SimpleUploadedFile("h.xlsx", b"x"))


def test_a_role_that_may_import_nothing_is_told_so(city: MiniCity) -> None:
    city.grant("centre2", Role.SUBDISTRICT_DISPATCHER, region="441302001")
    response = page_client(city, "centre2").get(reverse("registry:import"))
    assert response.status_code == 200  # their past jobs stay listed
    html = response.content.decode()
    assert 'id="no-import-kinds"' in html and 'name="kind"' not in html
