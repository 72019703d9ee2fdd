"""/api/v1/import-jobs/: upload (multipart) → status with the dry run → confirm → result and error file; the
templates; refused for roles that may not import; a job is only its importer's."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from rest_framework.test import APIClient

from gridgov.registry.models import ImportJob, Person
from tests.factories import MiniCity

from .test_registry_import_jobs import rows_of, xlsx


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(city: MiniCity, who: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(city.users[who])
    return client


def post_file(client: APIClient, capture: Any, content: bytes, name: str = "people.xlsx", kind: str = "person") -> Any:
    with capture(execute=True):
        return client.post(
            "/api/v1/import-jobs/", {"kind": kind, "file": SimpleUploadedFile(name, content)}, format="multipart"
        )


def test_upload_status_confirm_and_error_file(city: MiniCity, django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(city, "worker")
    response = post_file(
        client, django_capture_on_commit_callbacks, xlsx(rows_of(2) + rows_of(1, start=7, 联系电话="1"))
    )
    assert response.status_code == 201, response.json()
    job_id = response.json()["id"]
    body = client.get(f"/api/v1/import-jobs/{job_id}/").json()
    assert body["status"] == "validated" and body["progress"] == 100
    assert body["dry_run"]["new_rows"] == 2 and body["dry_run"]["error_count"] == 1
    assert body["dry_run"]["first_errors"][0]["column"] == "联系电话"
    assert body["error_file_url"].endswith(f"/api/v1/import-jobs/{job_id}/errors.xlsx")
    assert Person.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/import-jobs/{job_id}/confirm/")
    assert response.status_code == 202
    body = client.get(f"/api/v1/import-jobs/{job_id}/").json()
    assert (body["status"], body["created_rows"], body["error_rows"]) == ("done", 2, 1)
    assert Person.objects.count() == 2

    errors = client.get(f"/api/v1/import-jobs/{job_id}/errors.xlsx")
    assert errors.status_code == 200 and errors["Cache-Control"] == "no-store"
    rows = list(load_workbook(io.BytesIO(b"".join(errors.streaming_content))).worksheets[0].values)
    assert rows[2][:2] == (4, "联系电话")

    again = client.post(f"/api/v1/import-jobs/{job_id}/confirm/")
    assert again.status_code == 400  # done: nothing left to confirm
    listed = client.get("/api/v1/import-jobs/").json()
    assert [j["id"] for j in listed["results"]] == [job_id]


def test_a_bad_upload_gets_field_errors(city: MiniCity, django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(city, "worker")
    response = post_file(client, django_capture_on_commit_callbacks, b"x", name="people.txt")
    assert response.status_code == 400 and "file" in response.json()
    response = post_file(client, django_capture_on_commit_callbacks, xlsx(rows_of(1)), kind="cars")
    assert response.status_code == 400 and "kind" in response.json()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("who", ["resident", "nobody"])
def test_roles_that_may_not_import_are_refused(
    city: MiniCity, who: str, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(city, who)
    assert post_file(client, django_capture_on_commit_callbacks, xlsx(rows_of(1))).status_code == 403
    assert client.get("/api/v1/import-jobs/templates/person.xlsx").status_code == 403
    assert not ImportJob.objects.exists()


def test_the_template_downloads(city: MiniCity) -> None:
    response = client_for(city, "worker").get("/api/v1/import-jobs/templates/household.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).worksheets[0]["A1"].value == "户号*"
    assert client_for(city, "worker").get("/api/v1/import-jobs/templates/cars.xlsx").status_code == 404


def test_a_job_is_only_its_importers(city: MiniCity, django_capture_on_commit_callbacks: Any) -> None:
    response = post_file(client_for(city, "worker"), django_capture_on_commit_callbacks, xlsx(rows_of(1, 联系电话="1")))
    job_id = response.json()["id"]
    other = client_for(city, "community")
    assert other.get(f"/api/v1/import-jobs/{job_id}/").status_code == 404
    assert other.get(f"/api/v1/import-jobs/{job_id}/errors.xlsx").status_code == 404
    assert other.post(f"/api/v1/import-jobs/{job_id}/confirm/").status_code == 404
    assert other.get("/api/v1/import-jobs/").json()["results"] == []


def test_anonymous_calls_get_401(city: MiniCity) -> None:
    assert APIClient().get("/api/v1/import-jobs/").status_code == 401
