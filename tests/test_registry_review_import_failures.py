"""No import upload (plain ID numbers and phones) outlives its use: every way validation can fail deletes it, and
the sweep expires a commit that failed half-way and was not resumed, or whose worker vanished, after
``IMPORT_UNCONFIRMED_HOURS`` idle (the rows already committed stay)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gridgov.registry.importing import confirm_job, create_job
from gridgov.registry.importing.engine import PersonImporter
from gridgov.registry.models import ImportJob, ImportStatus, Person
from gridgov.registry.tasks import commit_import, expire_unconfirmed_imports, validate_import
from tests.factories import MiniCity

from .registry_factories import make_ric
from .test_registry_import_jobs import rows_of, xlsx

pytestmark = pytest.mark.django_db

GRID = "441302001001001"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def later(hours: float) -> Any:
    return time_machine.travel(timezone.now() + dt.timedelta(hours=hours), tick=False)


def _job(city: MiniCity, name: str, content: bytes, capture: Any) -> ImportJob:
    with capture(execute=False):  # validation is run by the test
        return create_job(by=city.users["worker"], kind="person", upload=SimpleUploadedFile(name, content))


def test_a_csv_cell_longer_than_the_csv_limit_fails_validation_and_deletes_the_upload(
    city: MiniCity, django_capture_on_commit_callbacks: Any
) -> None:
    rid = make_ric(seq=5)
    big = "x" * 200_000  # longer than csv.field_size_limit(): csv.Error
    body = f'证件号码,姓名,人口类型,网格编码\n{rid},张三,户籍人口,{GRID}\n{rid},"{big}",户籍人口,{GRID}\n'
    job = _job(city, "people.csv", body.encode(), django_capture_on_commit_callbacks)
    path = Path(job.file.path)
    validate_import(str(job.pk))
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "CSV" in job.message and "过长" in job.message
    assert not job.file and not path.exists()


def test_an_unexpected_error_in_validation_deletes_the_upload_too(
    city: MiniCity, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _job(city, "people.xlsx", xlsx(rows_of(2)), django_capture_on_commit_callbacks)
    path = Path(job.file.path)

    def broken(self: Any, rows: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(PersonImporter, "run_chunk", broken)
    validate_import(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportStatus.FAILED, "校验时出错,请检查文件后重新上传。")
    assert not job.file and not path.exists()


@pytest.fixture
def failed_commit(
    city: MiniCity, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> ImportJob:
    """A commit that wrote its first chunk (2 rows) and failed in the second."""
    from gridgov.registry.importing import jobs as jobs_mod

    monkeypatch.setattr(jobs_mod, "CHUNK_SIZE", 2)
    job = _job(city, "people.xlsx", xlsx(rows_of(4)), django_capture_on_commit_callbacks)
    validate_import(str(job.pk))
    real = PersonImporter.write
    calls = {"n": 0}

    def flaky(self: Any, outcome: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return real(self, outcome)

    monkeypatch.setattr(PersonImporter, "write", flaky)
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        confirm_job(by=city.users["worker"], job=job)
    commit_import(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.committed_rows, job.summary["phase"]) == (ImportStatus.FAILED, 2, "commit")
    assert job.file  # kept: confirming again resumes
    return job


def test_a_failed_commit_not_resumed_expires_and_keeps_its_committed_rows(failed_commit: ImportJob) -> None:
    path = Path(failed_commit.file.path)
    with later(23):
        assert expire_unconfirmed_imports() == 0
    assert path.exists()
    with later(25):
        assert expire_unconfirmed_imports() == 1
    failed_commit.refresh_from_db()
    assert failed_commit.status == ImportStatus.EXPIRED and not failed_commit.file and not path.exists()
    assert "已导入的 2 行保留" in failed_commit.message
    assert Person.objects.count() == 2


def test_a_commit_whose_worker_vanished_expires(failed_commit: ImportJob) -> None:
    # As a killed worker leaves it: COMMITTING, the commit started, nothing written since.
    ImportJob.objects.filter(pk=failed_commit.pk).update(status=ImportStatus.COMMITTING)
    with later(25):
        assert expire_unconfirmed_imports() == 1
    failed_commit.refresh_from_db()
    assert failed_commit.status == ImportStatus.EXPIRED and not failed_commit.file


def test_a_commit_still_writing_is_left_alone(failed_commit: ImportJob) -> None:
    ImportJob.objects.filter(pk=failed_commit.pk).update(status=ImportStatus.COMMITTING)
    with later(25):
        ImportJob.objects.filter(pk=failed_commit.pk).update(updated_at=timezone.now())  # a chunk just written
        assert expire_unconfirmed_imports() == 0
    failed_commit.refresh_from_db()
    assert failed_commit.status == ImportStatus.COMMITTING and failed_commit.file


def test_an_upload_left_by_a_failed_validation_is_deleted_and_the_failure_kept(
    city: MiniCity, django_capture_on_commit_callbacks: Any
) -> None:
    job = _job(city, "people.xlsx", xlsx(rows_of(1)), django_capture_on_commit_callbacks)
    path = Path(job.file.path)
    # As a validation that failed before its upload was deleted on every failure left it.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, message="坏文件", summary={"phase": "validate"}
    )
    with later(25):
        assert expire_unconfirmed_imports() == 0
    job.refresh_from_db()
    assert (job.status, job.message, bool(job.file), path.exists()) == (ImportStatus.FAILED, "坏文件", False, False)


def test_each_written_chunk_is_logged_with_it_so_a_failed_commit_leaves_no_unlogged_people(
    failed_commit: ImportJob,
) -> None:
    from gridgov.registry.models import AccessLog

    assert Person.objects.count() == 2  # the first chunk, written before the second failed
    log = AccessLog.objects.get()
    assert (log.action, log.rows, log.user_id, log.scope_code) == (
        "import",
        2,
        failed_commit.created_by_id,
        failed_commit.scope_code,
    )
    assert str(failed_commit.pk) in log.detail and "people.xlsx" in log.detail and "第 1–2 行" in log.detail
