"""Import jobs end to end through the services and the (eager) Celery tasks: .xlsx and .csv files (UTF-8 with and
without a BOM, GB18030), the dry run that writes nothing, confirmation, the error file, re-import, a commit that
dies half-way and resumes, the access log, and who may import at all."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from gridgov.registry.importing import COLUMNS, build_template, confirm_job, create_job, engine, run_commit
from gridgov.registry.importing import jobs as jobs_mod
from gridgov.registry.models import AccessLog, ImportJob, ImportStatus, Person
from tests.factories import MiniCity

from .registry_factories import make_ric
from .test_registry_import_rows import BUILDING, GRID, OTHER_GRID, person_row

HEADERS = ["证件号码", "姓名", "性别", "人口类型", "联系电话", "网格编码", "楼栋编码", "房号"]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def rows_of(n: int, start: int = 1, **cells: Any) -> list[list[Any]]:
    out = []
    for seq in range(start, start + n):
        row = person_row(seq, 性别="男" if seq % 2 else "女", **cells)
        out.append([row.get(h, "") for h in HEADERS])
    return out


def xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([h + "*" if h in ("证件号码", "姓名") else h for h in headers])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def upload(city: MiniCity, django_capture_on_commit_callbacks: Any) -> Callable[..., ImportJob]:
    """Upload a file as ``by`` and run its validation (the task runs eagerly when the transaction commits)."""

    def run(content: bytes, name: str = "people.xlsx", by: str = "worker", kind: str = "person") -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = create_job(by=city.users[by], kind=kind, upload=SimpleUploadedFile(name, content))
        job.refresh_from_db()
        return job

    return run


@pytest.fixture
def confirm(city: MiniCity, django_capture_on_commit_callbacks: Any) -> Callable[[ImportJob], ImportJob]:
    def run(job: ImportJob) -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            confirm_job(by=job.created_by, job=job)
        job.refresh_from_db()
        return job

    return run


def test_it_validates_an_xlsx_file_as_a_dry_run_that_writes_nothing(city: MiniCity, upload: Any) -> None:
    bad = rows_of(1, start=9, 联系电话="123")
    job = upload(xlsx(rows_of(3) + bad))
    assert job.status == ImportStatus.VALIDATED
    assert (job.total_rows, job.processed_rows, job.valid_rows, job.error_rows) == (4, 4, 3, 1)
    assert job.summary["new"] == 3 and job.summary["update"] == 0
    assert job.summary["errors"] == [
        {"row": 5, "column": "联系电话", "value": "***", "reason": job.summary["errors"][0]["reason"]}
    ]
    assert job.progress == 100
    assert Person.objects.count() == 0
    assert not AccessLog.objects.exists()


def test_confirming_commits_the_valid_rows_and_logs_the_import(city: MiniCity, upload: Any, confirm: Any) -> None:
    job = confirm(upload(xlsx(rows_of(3) + rows_of(1, start=9, 联系电话="123"))))
    assert job.status == ImportStatus.DONE
    assert (job.committed_rows, job.created_rows, job.updated_rows, job.error_rows) == (4, 3, 0, 1)
    assert Person.objects.count() == 3 and job.finished_at is not None
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.rows) == (city.users["worker"], "import", 3)
    assert "people.xlsx" in log.detail


def test_the_uploaded_file_is_deleted_once_imported_and_logs_hold_no_plaintext(
    city: MiniCity, upload: Any, confirm: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from django.db import connection

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    django_logger = logging.getLogger("django")  # Django's loggers do not propagate to the root
    django_logger.addHandler(caplog.handler)
    connection.force_debug_cursor = True  # every SQL statement and its parameters in the log
    try:
        rows = rows_of(2) + rows_of(1, start=3, 联系电话="1390000")
        job = upload(xlsx(rows))
        stored = job.file.path
        assert Path(stored).exists()  # needed until the commit
        job = confirm(job)
    finally:
        connection.force_debug_cursor = False
        django_logger.removeHandler(caplog.handler)
    assert job.status == ImportStatus.DONE and not job.file
    assert not Path(stored).exists()
    assert job.error_file  # masked: it stays for the importer to download
    assert "INSERT INTO" in caplog.text and "registry_person" in caplog.text  # the SQL was logged
    for row in rows:
        assert row[0] not in caplog.text and row[4] not in caplog.text


def test_the_error_file_lists_row_column_value_and_reason_with_values_masked(city: MiniCity, upload: Any) -> None:
    bad_id = make_ric(seq=5)[:-1] + "0"
    if bad_id == make_ric(seq=5):
        bad_id = bad_id[:-1] + "1"
    job = upload(xlsx([*rows_of(1), [bad_id, "坏号码", "男", "户籍人口", "13912345678", GRID, BUILDING, "101"]]))
    sheet = load_workbook(io.BytesIO(job.error_file.read())).worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[1] == ["行号", "列", "值", "原因"]
    assert values[2] == [3, "证件号码", bad_id[:4] + "*" * 10 + bad_id[-4:], "身份证号码校验码不正确。"]
    text = repr(values)
    assert bad_id not in text and "13912345678" not in text


@pytest.mark.parametrize(
    ("encoding", "name"), [("utf-8-sig", "bom.csv"), ("utf-8", "plain.csv"), ("gb18030", "gbk.csv")]
)
def test_it_reads_csv_in_utf8_with_or_without_bom_and_gb18030(
    city: MiniCity, upload: Any, confirm: Any, encoding: str, name: str
) -> None:
    job = confirm(upload(csv_bytes(rows_of(2), encoding), name=name))
    assert job.status == ImportStatus.DONE, job.message
    assert job.created_rows == 2
    assert sorted(Person.objects.values_list("name", flat=True)) == ["导入1", "导入2"]


def test_a_large_csv_is_streamed_and_a_bad_byte_deep_inside_fails_the_job(city: MiniCity, upload: Any) -> None:
    content = csv_bytes(rows_of(999), "utf-8")
    assert len(content) > 65536  # beyond the sample the encoding is guessed from
    job = upload(content, name="big.csv")
    assert (job.status, job.total_rows, job.valid_rows) == (ImportStatus.VALIDATED, 999, 999)
    job = upload(content + b"\xff\xfe,broken\n", name="broken.csv")
    assert job.status == ImportStatus.FAILED and "编码" in job.message


def test_reimporting_the_same_file_updates_and_never_duplicates(city: MiniCity, upload: Any, confirm: Any) -> None:
    content = xlsx(rows_of(3))
    confirm(upload(content))
    again = confirm(upload(content))
    assert (again.created_rows, again.updated_rows) == (0, 3)
    assert Person.objects.count() == 3
    assert set(Person.objects.values_list("version", flat=True)) == {2}


def test_a_file_without_a_required_column_fails_with_a_message(city: MiniCity, upload: Any) -> None:
    job = upload(xlsx([["张三"]], headers=["姓名"]))
    assert job.status == ImportStatus.FAILED
    assert "证件号码" in job.message and "人口类型" in job.message


def test_a_file_that_is_not_a_spreadsheet_fails_cleanly(city: MiniCity, upload: Any) -> None:
    job = upload(b"not a zip", name="fake.xlsx")
    assert job.status == ImportStatus.FAILED and "无法读取" in job.message


def test_only_xlsx_and_csv_are_accepted(city: MiniCity) -> None:
    with pytest.raises(ValidationError) as exc:
        create_job(by=city.users["worker"], kind="person", upload=SimpleUploadedFile("a.xls", b"x"))
    assert "xlsx" in str(exc.value)


@pytest.mark.parametrize("who", ["resident", "nobody", "outsider_leader"])
def test_a_role_without_the_import_permission_is_refused(city: MiniCity, who: str) -> None:
    from gridgov.accounts.roles import Role

    if who == "outsider_leader":
        city.grant("outsider_leader", Role.LEADER, region="441302")
    with pytest.raises(PermissionDenied):
        create_job(by=city.users[who], kind="person", upload=SimpleUploadedFile("a.xlsx", xlsx(rows_of(1))))
    assert not ImportJob.objects.exists()


def test_only_the_importer_may_confirm(city: MiniCity, upload: Any) -> None:
    job = upload(xlsx(rows_of(1)))
    with pytest.raises(PermissionDenied):
        confirm_job(by=city.users["community"], job=job)


def test_rows_outside_the_importers_scope_are_rejected(city: MiniCity, upload: Any, confirm: Any) -> None:
    job = upload(xlsx(rows_of(1) + rows_of(1, start=2, 网格编码=OTHER_GRID, 楼栋编码="", 房号="")))
    assert (job.valid_rows, job.error_rows) == (1, 1)
    assert job.summary["errors"][0]["reason"] == "不在您的管辖范围内。"
    confirm(job)
    assert Person.objects.count() == 1


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs_mod, "CHUNK_SIZE", 3)


def crash_on_call(monkeypatch: pytest.MonkeyPatch, call: int) -> None:
    original = engine.PersonImporter.write
    calls = {"n": 0}

    def write(self: Any, outcome: Any) -> Any:
        calls["n"] += 1
        result = original(self, outcome)
        if calls["n"] == call:
            raise RuntimeError("worker killed")  # after the rows were written: the chunk must roll back
        return result

    monkeypatch.setattr(engine.PersonImporter, "write", write)


def test_a_commit_that_dies_half_way_resumes_without_duplicates(
    city: MiniCity, upload: Any, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = upload(xlsx(rows_of(4) + rows_of(1, start=20, 联系电话="1") + rows_of(3, start=5)))
    assert (job.valid_rows, job.error_rows) == (7, 1)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.COMMITTING)  # as confirm_job does
    crash_on_call(monkeypatch, 2)
    with pytest.raises(RuntimeError):
        run_commit(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTING  # as a killed worker leaves it: the broker redelivers
    assert (job.committed_rows, job.created_rows) == (3, 3)
    assert Person.objects.count() == 3  # the second chunk rolled back with its progress
    monkeypatch.undo()
    monkeypatch.setattr(jobs_mod, "CHUNK_SIZE", 3)
    run_commit(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.committed_rows, job.created_rows, job.updated_rows, job.error_rows) == (8, 7, 0, 1)
    assert Person.objects.count() == 7
    assert len(set(Person.objects.values_list("id_number_index", flat=True))) == 7
    assert job.error_file  # the error row of the first chunk is still listed after the resume
    # One access-log row per written chunk, with it: the chunk that rolled back left none.
    assert list(AccessLog.objects.order_by("at", "id").values_list("rows", flat=True)) == [3, 2, 2]


def test_a_failed_commit_task_marks_the_job_and_confirming_again_resumes(
    city: MiniCity, upload: Any, confirm: Any, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = upload(xlsx(rows_of(7)))
    crash_on_call(monkeypatch, 2)
    job = confirm(job)
    assert job.status == ImportStatus.FAILED and "继续导入" in job.message
    assert job.committed_rows == 3 and Person.objects.count() == 3
    monkeypatch.undo()
    monkeypatch.setattr(jobs_mod, "CHUNK_SIZE", 3)
    job = confirm(job)
    assert job.status == ImportStatus.DONE and Person.objects.count() == 7 and job.created_rows == 7


@pytest.mark.parametrize("kind", list(COLUMNS))
def test_each_template_has_headers_an_example_and_an_explanation(city: MiniCity, kind: str) -> None:
    wb = load_workbook(io.BytesIO(build_template(kind, city.users["worker"])))
    sheet, notes = wb.worksheets
    headers = [c.value for c in sheet[1]]
    assert [h.rstrip("*") for h in headers] == [c.header for c in COLUMNS[kind]]
    assert any(c.value for c in sheet[2])
    explained = {row[0]: row for row in notes.iter_rows(min_row=2, values_only=True) if row and row[0]}
    for col in COLUMNS[kind]:
        assert col.header in explained
        if col.choices is not None:
            assert explained[col.header][3] == "、".join(col.choice_labels())


def test_the_person_template_imports_as_it_is(city: MiniCity, upload: Any, confirm: Any) -> None:
    job = confirm(upload(build_template("person", city.users["worker"]), name="template.xlsx"))
    assert job.status == ImportStatus.DONE and job.created_rows == 1, job.summary
    person = Person.objects.get()
    assert person.grid is not None and person.grid.code == GRID


def test_numbers_typed_as_numbers_in_excel_keep_their_digits(city: MiniCity, upload: Any) -> None:
    row = rows_of(1)[0]
    row[4] = 13900000001  # a number cell, not text: read back without ".0"
    job = upload(xlsx([row]))
    assert job.error_rows == 0, job.summary["errors"]


def test_an_id_number_stored_as_a_number_is_rejected_not_guessed(city: MiniCity, upload: Any) -> None:
    # Excel keeps 15 significant digits: an 18-digit ID typed as a number has lost its last ones.
    row = rows_of(1)[0]
    row[0] = float(row[0][:-1] + "1")
    job = upload(xlsx([row]))
    assert job.error_rows == 1
    assert job.summary["errors"][0]["column"] == "证件号码"
