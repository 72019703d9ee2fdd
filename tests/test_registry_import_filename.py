"""A file named after a person (``441302199001011234.xlsx``, ``张三13812345678.csv``) does not put the number in
the import job: ``ImportJob.filename`` keeps ID-number- and mobile-looking runs masked, so the pages, the error
file's name and the access log show only the mask. Jobs stored before the mask are masked by a migration."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from gridgov.registry.importing import confirm_job, create_job
from gridgov.registry.models import AccessLog, ImportJob, ImportStatus
from tests.factories import MiniCity

from .registry_factories import make_ric
from .test_registry_import_jobs import csv_bytes, rows_of, xlsx

pytestmark = pytest.mark.django_db

NUMBER = make_ric(seq=77)
MASKED_NUMBER = NUMBER[:4] + "**********" + NUMBER[-4:]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def upload(city: MiniCity, django_capture_on_commit_callbacks: Any) -> Callable[..., ImportJob]:
    def run(name: str, content: bytes) -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = create_job(by=city.users["worker"], kind="person", upload=SimpleUploadedFile(name, content))
        job.refresh_from_db()
        return job

    return run


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        (f"{NUMBER}.xlsx", f"{MASKED_NUMBER}.xlsx"),
        (f"张三_{NUMBER.lower()}_户口.xlsx", f"张三_{MASKED_NUMBER}_户口.xlsx"),
        ("张三13812345678.xlsx", "张三138****5678.xlsx"),
        ("441302199001011.xlsx", "4413*******1011.xlsx"),  # a legacy 15-digit number
        ("2026年3月人员名单.xlsx", "2026年3月人员名单.xlsx"),  # short runs of digits stay
    ],
)
def test_the_stored_filename_keeps_id_and_phone_numbers_masked(
    upload: Callable[..., ImportJob], name: str, stored: str
) -> None:
    job = upload(name, xlsx(rows_of(1)))
    assert job.status == ImportStatus.VALIDATED  # the suffix still tells the reader what the file is
    assert job.filename == stored


def test_the_pages_the_error_file_and_the_access_log_show_only_the_mask(
    city: MiniCity, upload: Callable[..., ImportJob], django_capture_on_commit_callbacks: Any
) -> None:
    job = upload(f"{NUMBER}.csv", csv_bytes(rows_of(2) + rows_of(1, start=9, 联系电话="123"), "utf-8"))
    assert job.status == ImportStatus.VALIDATED and job.error_rows == 1
    client = Client()
    client.force_login(city.users["worker"])
    for url in (reverse("registry:import"), reverse("registry:import-job", args=[job.pk])):
        page = client.get(url).content.decode()
        assert MASKED_NUMBER in page and NUMBER not in page, url
    errors = client.get(reverse("registry:import-errors", args=[job.pk]))
    assert NUMBER not in errors["Content-Disposition"] and NUMBER.encode() not in errors.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        confirm_job(by=city.users["worker"], job=job)
    log = AccessLog.objects.get()
    assert MASKED_NUMBER in log.detail and NUMBER not in log.detail
    assert not ImportJob.objects.filter(filename__contains=NUMBER).exists()


def test_the_migration_masks_the_names_stored_before(city: MiniCity) -> None:
    job = ImportJob.objects.create(
        kind="person", filename=f"{NUMBER}-13812345678.xlsx", created_by=city.users["worker"]
    )
    other = ImportJob.objects.create(kind="person", filename="名单.xlsx", created_by=city.users["worker"])
    migration = import_module("gridgov.registry.migrations.0003_mask_import_filenames")
    migration.mask_filenames(django_apps, None)
    job.refresh_from_db()
    other.refresh_from_db()
    assert job.filename == f"{MASKED_NUMBER}-138****5678.xlsx"
    assert other.filename == "名单.xlsx"
