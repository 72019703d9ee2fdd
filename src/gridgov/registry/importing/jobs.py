"""Import jobs: upload → validate (dry run) → confirm → commit in chunks, resumable.

``ImportJob.status`` moves UPLOADED → VALIDATING → VALIDATED → COMMITTING → DONE (or FAILED); a job left VALIDATED
and unconfirmed for ``IMPORT_UNCONFIRMED_HOURS`` becomes EXPIRED and its upload is deleted
(:func:`expire_unconfirmed`, run periodically by Celery beat). Validation writes
nothing but the job's counts, its dry-run summary and the error file. The commit re-validates each chunk against
the database as it is then, and writes it in one transaction together with ``committed_rows``; a job whose commit
died (worker killed, database gone) runs again from ``committed_rows``: the chunks before it are only re-read, for
the within-file duplicate check and the error file.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gridgov.accounts.scope import scope_for
from gridgov.core.logredact import redact

from ..models import AccessAction, ImportJob, ImportKind, ImportStatus
from ..services import log_bulk_access
from .engine import IMPORTERS, Importer, Outcome, RowError, importer_for
from .files import build_error_file, error_filename
from .reader import FileRows, Row, suffix_of

logger = logging.getLogger(__name__)

#: Rows per transaction in the commit (and per progress update in the validation).
CHUNK_SIZE = 1000
#: Errors kept in the job's summary for the dry-run page (all of them go to the error file).
SUMMARY_ERRORS = 20
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class CommitConflict(Exception):
    """Another worker committed this chunk first (the job's ``committed_rows`` moved)."""


def chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def may_import(user: Any) -> bool:
    return not scope_for(user, "importjob", "add").empty


def importable_kinds(user: Any) -> list[str]:
    """The kinds ``user`` may import, in the wizard's order: each importer writes its rows within the user's change
    scope for its own kind (``Importer.scope_name``), so a kind with none (houses, for a centre) is not offered."""
    if not may_import(user):
        return []
    return [k for k in ImportKind.values if not scope_for(user, IMPORTERS[k].scope_name, "change").empty]


def require_kind(user: Any, kind: str) -> None:
    """Refuse an unknown kind (ValidationError on ``kind``) and a kind the user may not import (PermissionDenied,
    naming the kinds they may import)."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("请选择导入类别。")})
    allowed = importable_kinds(user)
    if kind not in allowed:
        labels = "、".join(str(ImportKind(k).label) for k in allowed)
        raise PermissionDenied(
            _("您的角色不能导入“%(kind)s”,可以导入的类别:%(allowed)s。")
            % {"kind": ImportKind(kind).label, "allowed": labels or "-"}
        )


def _scope_code(user: Any) -> str:
    scope = scope_for(user, "importjob", "add")
    if scope.everything:
        return ""
    # Codes are materialized paths: their common leading characters are their common ancestor's prefix.
    return os.path.commonprefix(scope.code_prefixes())  # noqa: RUF071


def create_job(*, by: Any, kind: str, upload: Any, language: str | None = None) -> ImportJob:
    """Store an uploaded file as a new job and queue its validation. Refuses users without the ``importjob``
    add permission (403) and files that are not .xlsx/.csv or too large (ValidationError)."""
    if not may_import(by):
        raise PermissionDenied(_("您没有导入数据的权限。"))
    require_kind(by, kind)
    name = os.path.basename(getattr(upload, "name", "") or "")
    try:
        suffix_of(name)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    if getattr(upload, "size", 0) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("文件不能超过200MB,请分成多个文件导入。")})
    if not getattr(upload, "size", 0):
        raise ValidationError({"file": _("文件是空的。")})
    # A file is often named after the person it is about: an ID-number- or mobile-looking run in its name is kept
    # masked only (the name is shown on pages, in the error file's name and in the access log).
    job = ImportJob(kind=kind, filename=redact(name)[:200], created_by=by, scope_code=_scope_code(by))
    job.summary = {"language": language or translation.get_language() or settings.LANGUAGE_CODE}
    job.file.save(f"{job.pk}{suffix_of(name)}", upload, save=False)
    job.save()
    from ..tasks import validate_import

    transaction.on_commit(lambda: validate_import.delay(str(job.pk)))
    logger.info("import job %s created: kind %s", job.pk, kind)
    return job


def confirm_job(*, by: Any, job: ImportJob) -> ImportJob:
    """The user has seen the dry run and confirms: commit in the background. A job whose commit failed half-way
    is confirmed again to resume it."""
    if job.created_by_id != by.pk:
        raise PermissionDenied(_("只有导入人可以确认导入。"))
    resumable = job.status == ImportStatus.FAILED and job.summary.get("phase") == "commit"
    if job.status != ImportStatus.VALIDATED and not resumable:
        raise ValidationError(_("该导入任务当前不能确认(状态:%(s)s)。") % {"s": job.get_status_display()})
    if job.valid_rows == 0 and not resumable:
        raise ValidationError(_("没有可导入的有效行。"))
    claimed = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
        status=ImportStatus.COMMITTING, message="", updated_at=timezone.now()
    )
    if not claimed:
        raise ValidationError(_("该导入任务已在处理中。"))
    from ..tasks import commit_import

    transaction.on_commit(lambda: commit_import.delay(str(job.pk)))
    job.refresh_from_db()
    return job


def _open(job: ImportJob) -> tuple[Any, FileRows]:
    handle = job.file.open("rb")
    return handle, FileRows(handle, job.filename)


def _importer(job: ImportJob, rows: FileRows) -> Importer:
    importer = importer_for(job.kind, job.created_by, rows.headers)
    missing = importer.missing_columns()
    if missing:
        raise ValidationError(_("文件缺少必填列:%(c)s。请使用下载的模板。") % {"c": "、".join(missing)})
    return importer


def _language(job: ImportJob) -> str:
    return str(job.summary.get("language") or settings.LANGUAGE_CODE)


def _fail(job_id: Any, message: str, **extra: Any) -> None:
    job = ImportJob.objects.get(pk=job_id)
    summary = {**job.summary, **extra}
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.FAILED, message=message, summary=summary, updated_at=timezone.now()
    )


def _save_error_file(job: ImportJob, errors: list[RowError]) -> str:
    if job.error_file:
        job.error_file.delete(save=False)
    if not errors:
        return ""
    content = build_error_file(errors, filename=job.filename, by=job.created_by)
    job.error_file.save(error_filename(job.filename), ContentFile(content), save=False)
    return job.error_file.name


def _discard_upload(job: ImportJob) -> None:
    """The uploaded file holds ID numbers and phones in plain text: keep it only while the job may still need it
    (to commit or to resume), never after it is done or has failed validation."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def discard_upload_of(job_id: Any) -> None:
    """After a validation that failed in any way (the task's last resort included): the upload goes."""
    job = ImportJob.objects.filter(pk=job_id).only("pk", "file").first()
    if job is not None:
        _discard_upload(job)


def expire_unconfirmed(now: datetime | None = None) -> int:
    """The beat's sweep: no upload (plain ID numbers and phones) outlives ``IMPORT_UNCONFIRMED_HOURS`` of
    inactivity. A job validated but not confirmed, a commit that failed half-way and was not resumed, and a
    commit whose worker vanished (COMMITTING, started, no chunk written since) are marked EXPIRED with a message
    the wizard shows, and their upload deleted (rows already committed stay). A job that failed validation keeps
    its status and message; only a file left behind is deleted. Jobs still working (a chunk written within the
    window), confirmed but not started yet, done or cancelled are left alone. Each job is claimed with a
    conditional update (same status, still idle), so a confirmation or a resumed commit at the same moment, or a
    second sweeper, cannot both win. Returns how many jobs expired."""
    hours = int(settings.IMPORT_UNCONFIRMED_HOURS)
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    idle = ImportJob.objects.filter(updated_at__lt=cutoff)
    stale = idle.filter(
        Q(status__in=[ImportStatus.VALIDATED, ImportStatus.COMMITTING]) | (Q(status=ImportStatus.FAILED) & ~Q(file=""))
    )
    expired = 0
    for job in stale.only("pk", "file", "summary", "status", "committed_rows"):
        if job.status == ImportStatus.COMMITTING and job.summary.get("phase") != "commit":
            continue  # confirmed, its commit not started yet: the queued task will run it (acks_late)
        if job.status == ImportStatus.FAILED and job.summary.get("phase") != "commit":
            if idle.filter(pk=job.pk, status=ImportStatus.FAILED).update(file=""):
                job.file.storage.delete(job.file.name)
                logger.info("import job %s: upload of a failed validation deleted", job.pk)
            continue
        with translation.override(_language(job)):
            if job.status == ImportStatus.VALIDATED:
                message = ngettext(
                    "该导入任务超过 %(hours)d 小时未确认,已过期:上传的文件已删除。如需导入,请重新上传。",
                    "该导入任务超过 %(hours)d 小时未确认,已过期:上传的文件已删除。如需导入,请重新上传。",
                    hours,
                ) % {"hours": hours}
            else:
                message = ngettext(
                    "该导入任务中断后超过 %(hours)d 小时未继续,已过期:已导入的 %(n)d 行保留,上传的文件已删除。"
                    "如需导入其余的行,请重新上传(已导入的行只会更新,不会重复)。",
                    "该导入任务中断后超过 %(hours)d 小时未继续,已过期:已导入的 %(n)d 行保留,上传的文件已删除。"
                    "如需导入其余的行,请重新上传(已导入的行只会更新,不会重复)。",
                    hours,
                ) % {"hours": hours, "n": job.committed_rows}
        claimed = idle.filter(pk=job.pk, status=job.status).update(
            status=ImportStatus.EXPIRED,
            message=message,
            file="",
            summary={**job.summary, "phase": "expired"},
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if not claimed:
            continue
        if job.file:
            job.file.storage.delete(job.file.name)
        expired += 1
        logger.info("import job %s (%s) expired after %d idle hours; upload deleted", job.pk, job.status, hours)
    return expired


def run_validation(job_id: Any) -> ImportJob | None:
    """Validate every row of the job's file (the dry run): counts of new rows, rows to update and errors, the
    first errors in the summary and all of them in the error file. Writes nothing else."""
    claimed = ImportJob.objects.filter(pk=job_id, status__in=[ImportStatus.UPLOADED, ImportStatus.VALIDATING]).update(
        status=ImportStatus.VALIDATING, processed_rows=0, updated_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    with translation.override(_language(job)):
        handle = None
        try:
            handle, rows = _open(job)
            importer = _importer(job, rows)
            ImportJob.objects.filter(pk=job.pk).update(total_rows=rows.total)
            new = update = error_rows = processed = 0
            errors: list[RowError] = []
            for chunk in chunks(rows, CHUNK_SIZE):
                outcome = importer.run_chunk(chunk)
                new += len(outcome.new)
                update += len(outcome.update)
                error_rows += outcome.error_rows
                errors.extend(outcome.errors)
                processed += len(chunk)
                ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed, updated_at=timezone.now())
            rows.close()
        except ValidationError as exc:
            _fail(job.pk, exc.messages[0], phase="validate")
            _discard_upload(job)
            return ImportJob.objects.get(pk=job.pk)
        finally:
            if handle is not None:
                handle.close()
        error_name = _save_error_file(job, errors)
        summary = {
            "language": _language(job),
            "phase": "validated",
            "new": new,
            "update": update,
            "errors": [e.as_dict() for e in errors[:SUMMARY_ERRORS]],
            "error_count": len(errors),
        }
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.VALIDATED,
            total_rows=processed,
            processed_rows=processed,
            valid_rows=new + update,
            error_rows=error_rows,
            error_file=error_name,
            summary=summary,
            updated_at=timezone.now(),
        )
    logger.info("import job %s validated: %d rows, %d with errors", job.pk, processed, error_rows)
    return ImportJob.objects.get(pk=job.pk)


def _write_chunk(job: ImportJob, importer: Importer, outcome: Outcome, done: int) -> tuple[int, int]:
    """One chunk in one transaction, with the job's progress and its access-log row: all three are written or
    none (a commit that fails in a later chunk leaves the earlier chunks' people written and logged)."""
    with transaction.atomic():
        created, updated = importer.write(outcome)
        moved = ImportJob.objects.filter(pk=job.pk, committed_rows=done).update(
            committed_rows=done + outcome.rows,
            created_rows=F("created_rows") + created,
            updated_rows=F("updated_rows") + updated,
            updated_at=timezone.now(),
        )
        if moved != 1:
            raise CommitConflict(str(job.pk))
        if created + updated:
            log_bulk_access(
                by=job.created_by,
                action=AccessAction.IMPORT,
                rows=created + updated,
                detail=_("%(kind)s:%(file)s(导入任务 %(job)s,第 %(first)d–%(last)d 行数据)")
                % {
                    "kind": job.get_kind_display(),
                    "file": job.filename,
                    "job": job.pk,
                    "first": done + 1,
                    "last": done + outcome.rows,
                },
                scope_code=job.scope_code,
            )
    return created, updated


def run_commit(job_id: Any) -> ImportJob | None:
    """Commit a confirmed job (status COMMITTING) chunk by chunk, from ``committed_rows`` on. Exceptions propagate
    with the chunk rolled back and the job still COMMITTING, so that running it again resumes it."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id, status=ImportStatus.COMMITTING).first()
    if job is None:
        return None
    summary = {**job.summary, "phase": "commit"}
    ImportJob.objects.filter(pk=job.pk).update(summary=summary)
    with translation.override(_language(job)):
        handle, rows = _open(job)
        try:
            importer = _importer(job, rows)
            done = job.committed_rows
            seen = 0
            errors: list[RowError] = []
            error_rows = 0
            for chunk in chunks(rows, CHUNK_SIZE):
                # Rows committed before an interruption are only re-validated (duplicates, error file).
                replay, fresh = chunk[: max(0, done - seen)], chunk[max(0, done - seen) :]
                seen += len(chunk)
                for part, write in ((replay, False), (fresh, True)):
                    if not part:
                        continue
                    outcome = importer.run_chunk(part)
                    errors.extend(outcome.errors)
                    error_rows += outcome.error_rows
                    if write:
                        _write_chunk(job, importer, outcome, done)
                        done += outcome.rows
            rows.close()
        except ValidationError as exc:
            _fail(job.pk, exc.messages[0], phase="commit")
            return ImportJob.objects.get(pk=job.pk)
        finally:
            handle.close()
        error_name = _save_error_file(job, errors)
        job.refresh_from_db()
        summary = {**job.summary, "phase": "done", "errors": [e.as_dict() for e in errors[:SUMMARY_ERRORS]]}
        summary["error_count"] = len(errors)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.DONE,
            error_rows=error_rows,
            error_file=error_name,
            summary=summary,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        _discard_upload(job)  # the access log has a row per chunk, written with it (_write_chunk)
    logger.info("import job %s done: %d created, %d updated", job.pk, job.created_rows, job.updated_rows)
    return ImportJob.objects.get(pk=job.pk)


def import_file(job: ImportJob) -> ImportJob:
    """Validate and commit a job in this process, without the confirmation step (the benchmark and scripts)."""
    run_validation(job.pk)
    job.refresh_from_db()
    if job.status != ImportStatus.VALIDATED:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.COMMITTING)
    run_commit(job.pk)
    job.refresh_from_db()
    return job


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def import_rows(
    kind: str,
    rows: Iterable[tuple[int, dict[str, Any]] | dict[str, Any]],
    *,
    by: Any,
    chunk_size: int = CHUNK_SIZE,
    dry_run: bool = False,
    headers: Iterable[str] | None = None,
) -> ImportResult:
    """Import rows without a job or a file: the engine the jobs use, for the benchmark and scripts.

    ``rows``: dicts keyed by the template's Chinese headers (cells as text, dates as ``date``), or
    ``(row_number, dict)`` pairs. ``headers``: the columns the "file" has (default: every column of the kind).
    Each chunk of ``chunk_size`` rows is validated with a few queries and written with ``bulk_create`` /
    ``bulk_update`` in its own transaction. Nothing is written when ``dry_run``. Returns the counts and the
    errors (values masked)."""
    importer = importer_for(kind, by, headers)
    missing = importer.missing_columns()
    if missing:
        raise ValidationError(_("文件缺少必填列:%(c)s。请使用下载的模板。") % {"c": "、".join(missing)})
    result = ImportResult()

    def numbered() -> Iterator[Row]:
        for i, row in enumerate(rows, start=2):
            yield row if isinstance(row, tuple) else (i, row)

    for chunk in chunks(numbered(), chunk_size):
        outcome = importer.run_chunk(chunk)
        result.rows += outcome.rows
        result.errors.extend(outcome.errors)
        if dry_run:
            result.created += len(outcome.new)
            result.updated += len(outcome.update)
            continue
        with transaction.atomic():
            created, updated = importer.write(outcome)
        result.created += created
        result.updated += updated
    return result
