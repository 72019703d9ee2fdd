"""The import wizard's pages: upload, the job page (polling while it runs, the dry run, confirm, the result), the
error file and the templates — only for users who may import, and a job only for the user who uploaded it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from gridgov.registry.models import ImportJob, ImportStatus, Person
from tests.factories import MiniCity

from .test_registry_import_jobs import rows_of, xlsx


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(city: MiniCity, who: str) -> Client:
    client = Client()
    client.force_login(city.users[who])
    return client


def upload(client: Client, content: bytes, capture: Any, name: str = "people.xlsx") -> Any:
    with capture(execute=True):
        return client.post(reverse("registry:import"), {"kind": "person", "file": SimpleUploadedFile(name, content)})


def test_the_index_offers_kinds_templates_and_my_jobs(city: MiniCity) -> None:
    response = client_for(city, "worker").get(reverse("registry:import"))
    assert response.status_code == 200
    html = response.content.decode()
    for kind in ("person", "household", "house", "organisation"):
        assert reverse("registry:import-template", args=[kind]) in html
    assert "还没有导入记录" in html


@pytest.mark.parametrize("who", ["resident", "nobody"])
def test_users_who_may_not_import_are_refused(city: MiniCity, who: str) -> None:
    client = client_for(city, who)
    assert client.get(reverse("registry:import")).status_code == 403
    assert client.get(reverse("registry:import-template", args=["person"])).status_code == 403


def test_anonymous_users_are_sent_to_log_in(city: MiniCity) -> None:
    response = Client().get(reverse("registry:import"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_template_downloads_as_xlsx(city: MiniCity) -> None:
    response = client_for(city, "worker").get(reverse("registry:import-template", args=["organisation"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A1"].value == "名称*"


def test_upload_shows_the_dry_run_then_confirm_imports(city: MiniCity, django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(city, "worker")
    response = upload(client, xlsx(rows_of(2) + rows_of(1, start=5, 联系电话="12")), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("registry:import-job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="count-new">2<' in page and 'id="count-errors">1<' in page
    assert "电话号码格式不正确" in page and 'id="confirm-import"' in page
    assert "hx-trigger" not in page  # not running: no polling
    assert Person.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import-confirm", args=[job.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'id="count-created">2<' in page and Person.objects.count() == 2
    errors = client.get(reverse("registry:import-errors", args=[job.pk]))
    assert errors.status_code == 200 and errors["Cache-Control"] == "no-store"
    rows = list(load_workbook(io.BytesIO(b"".join(errors.streaming_content))).worksheets[0].values)
    assert rows[2][:3] == (4, "联系电话", "**")


def test_a_running_job_polls_its_status_every_second(city: MiniCity) -> None:
    client = client_for(city, "worker")
    job = ImportJob.objects.create(
        kind="person",
        filename="a.xlsx",
        created_by=city.users["worker"],
        status=ImportStatus.VALIDATING,
        total_rows=200,
        processed_rows=50,
    )
    page = client.get(reverse("registry:import-job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and reverse("registry:import-job-status", args=[job.pk]) in page
    status = client.get(reverse("registry:import-job-status", args=[job.pk]))
    html = status.content.decode()
    assert 'value="25"' in html and "50 / 200" in html and "<html" not in html
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATED)
    assert "hx-trigger" not in client.get(reverse("registry:import-job-status", args=[job.pk])).content.decode()


def test_a_bad_file_type_is_refused_on_the_form(city: MiniCity, django_capture_on_commit_callbacks: Any) -> None:
    response = upload(client_for(city, "worker"), b"x", django_capture_on_commit_callbacks, name="people.xls")
    assert response.status_code == 400 and "只支持 .xlsx 或 .csv 文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_job_and_its_error_file_are_the_importers_own(
    city: MiniCity, django_capture_on_commit_callbacks: Any
) -> None:
    upload(client_for(city, "worker"), xlsx(rows_of(1, 联系电话="12")), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    other = client_for(city, "community")  # may import too, and sees the same grid: still not theirs
    for name in ("registry:import-job", "registry:import-job-status", "registry:import-errors"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert other.post(reverse("registry:import-confirm", args=[job.pk])).status_code == 404
    assert job.filename not in other.get(reverse("registry:import")).content.decode()


def test_an_interrupted_commit_offers_to_resume(city: MiniCity) -> None:
    job = ImportJob.objects.create(
        kind="person",
        filename="a.xlsx",
        created_by=city.users["worker"],
        status=ImportStatus.FAILED,
        message="导入中断,已提交的部分已保存;请点击“继续导入”从中断处继续。",
        total_rows=3000,
        committed_rows=1000,
        summary={"phase": "commit", "new": 3000, "update": 0, "errors": [], "error_count": 0},
    )
    page = client_for(city, "worker").get(reverse("registry:import-job", args=[job.pk])).content.decode()
    assert 'id="resume-import"' in page and "1000 / 3000" in page
    assert 'id="confirm-import"' not in page
    failed_validation = ImportJob.objects.create(
        kind="person",
        filename="b.xlsx",
        created_by=city.users["worker"],
        status=ImportStatus.FAILED,
        message="文件缺少必填列",
        summary={"phase": "validate"},
    )
    page = client_for(city, "worker").get(reverse("registry:import-job", args=[failed_validation.pk])).content.decode()
    assert "文件缺少必填列" in page and 'id="resume-import"' not in page
