"""Background work of the registry: validating and committing import jobs, and expiring those left unconfirmed.

Both tasks take the job's id only (never row data). They are ``acks_late`` (the settings' default): a worker
killed mid-commit leaves the message unacknowledged, the broker hands it to another worker, and the commit resumes
from the job's ``committed_rows``. Any other failure marks the job FAILED with a message that names no personal
data; a failed commit can be confirmed again to resume."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


@shared_task(name="gridgov.registry.validate_import", ignore_result=True)
def validate_import(job_id: str) -> None:
    from .importing import run_validation
    from .importing.jobs import _fail, discard_upload_of

    try:
        run_validation(job_id)
    except Exception as exc:
        logger.error("import job %s: validation failed (%s)", job_id, type(exc).__name__)
        _fail(job_id, _("校验时出错,请检查文件后重新上传。"), phase="validate")
        discard_upload_of(job_id)  # a new upload is needed anyway: the plain ID numbers go now


@shared_task(name="gridgov.registry.commit_import", ignore_result=True)
def commit_import(job_id: str) -> None:
    from .importing import run_commit
    from .importing.jobs import _fail

    try:
        run_commit(job_id)
    except Exception as exc:
        logger.error("import job %s: commit interrupted (%s)", job_id, type(exc).__name__)
        _fail(job_id, _("导入中断,已提交的部分已保存;请点击“继续导入”从中断处继续。"), phase="commit")


@shared_task(name="gridgov.registry.expire_unconfirmed_imports", ignore_result=True)
def expire_unconfirmed_imports() -> int:
    """Beat: delete the uploads of import jobs left idle too long (``IMPORT_UNCONFIRMED_HOURS``): validated and
    not confirmed, a failed commit not resumed, a commit whose worker vanished (``jobs.expire_unconfirmed``)."""
    from .importing.jobs import expire_unconfirmed

    return expire_unconfirmed()
