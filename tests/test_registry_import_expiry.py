"""An import validated but never confirmed does not keep its upload (plain ID numbers and phones) for ever: a
periodic sweep (Celery beat) deletes the file after ``IMPORT_UNCONFIRMED_HOURS`` and marks the job expired with a
message the wizard shows. Jobs confirmed, running, done or still young are left alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from gridgov.registry.importing import confirm_job, create_job
from gridgov.registry.importing import jobs as jobs_mod
from gridgov.registry.models import ImportJob, ImportStatus, Person
from gridgov.registry.tasks import expire_unconfirmed_imports
from tests.factories import MiniCity

from .test_registry_import_jobs import rows_of, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def validated(city: MiniCity, django_capture_on_commit_callbacks: Any) -> Callable[..., ImportJob]:
    """A person import by the grid worker, validated (the task runs eagerly on commit), not confirmed."""

    def run(start: int = 1) -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = create_job(
                by=city.users["worker"],
                kind="person",
                upload=SimpleUploadedFile("people.xlsx", xlsx(rows_of(2, start))),
            )
        job.refresh_from_db()
        assert job.status == ImportStatus.VALIDATED and job.file
        return job

    return run


def later(hours: float) -> Any:
    return time_machine.travel(timezone.now() + dt.timedelta(hours=hours), tick=False)


def upload_path(job: ImportJob) -> Path:
    return Path(job.file.path)


def test_the_sweep_is_scheduled_and_the_default_is_a_day() -> None:
    entries = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if "expire_unconfirmed" in str(e["task"])]
    assert entries == [{"task": "gridgov.registry.expire_unconfirmed_imports", "schedule": 600.0}]
    assert django_settings.IMPORT_UNCONFIRMED_HOURS == 24


def test_an_unconfirmed_upload_is_deleted_after_the_limit_and_the_wizard_says_so(
    city: MiniCity, validated: Callable[..., ImportJob]
) -> None:
    job = validated()
    path = upload_path(job)
    assert path.exists()
    with later(23):
        assert expire_unconfirmed_imports() == 0
    assert path.exists()
    with later(25):
        assert expire_unconfirmed_imports() == 1
    assert not path.exists()
    job.refresh_from_db()
    assert job.status == ImportStatus.EXPIRED
    assert not job.file
    assert job.message == "该导入任务超过 24 小时未确认,已过期:上传的文件已删除。如需导入,请重新上传。"
    client = Client()
    client.force_login(city.users["worker"])
    page = client.get(reverse("registry:import-job", args=[job.pk])).content.decode()
    assert "已过期" in page and job.message in page
    assert 'id="confirm-import"' not in page
    assert 'data-status="expired"' in page and "hx-trigger" not in page  # no more polling
    api = APIClient()
    api.force_authenticate(city.users["worker"])
    body = api.get(f"/api/v1/import-jobs/{job.pk}/").json()
    assert (body["status"], body["message"]) == ("expired", job.message)
    with pytest.raises(ValidationError, match="不能确认"):
        confirm_job(by=city.users["worker"], job=job)
    assert not Person.objects.exists()
    with later(26):
        assert expire_unconfirmed_imports() == 0  # once only


def test_the_limit_is_a_setting(settings: Any, validated: Callable[..., ImportJob]) -> None:
    settings.IMPORT_UNCONFIRMED_HOURS = 2
    job = validated()
    with later(3):
        assert expire_unconfirmed_imports() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.EXPIRED and "2 小时" in job.message


def test_confirmed_running_and_done_jobs_are_left_alone(
    city: MiniCity, validated: Callable[..., ImportJob], django_capture_on_commit_callbacks: Any
) -> None:
    running = validated(1)
    with django_capture_on_commit_callbacks(execute=False):  # confirmed; its commit not yet run by a worker
        confirm_job(by=city.users["worker"], job=running)
    done = validated(11)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_job(by=city.users["worker"], job=done)
    done.refresh_from_db()
    assert done.status == ImportStatus.DONE
    with later(100):
        assert expire_unconfirmed_imports() == 0
    running.refresh_from_db()
    assert running.status == ImportStatus.COMMITTING and running.message == ""
    assert upload_path(running).exists()
    done.refresh_from_db()
    assert done.status == ImportStatus.DONE and done.message == ""
    assert Person.objects.count() == 2


def test_a_job_confirmed_after_the_sweep_picked_it_is_not_expired(
    city: MiniCity,
    validated: Callable[..., ImportJob],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sweep claims each job with a conditional update: a confirmation between its read and its claim wins."""
    job = validated()
    language = jobs_mod._language

    def confirm_meanwhile(stale: ImportJob) -> str:
        with django_capture_on_commit_callbacks(execute=False):
            confirm_job(by=city.users["worker"], job=ImportJob.objects.get(pk=stale.pk))
        return language(stale)

    monkeypatch.setattr(jobs_mod, "_language", confirm_meanwhile)
    with later(25):
        assert expire_unconfirmed_imports() == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTING and job.message == ""
    assert upload_path(job).exists()
