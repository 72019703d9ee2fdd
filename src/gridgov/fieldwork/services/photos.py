"""Photos of phone records, uploaded one by one after their record (docs/fieldwork-sync.md).

A photo's UUID is made on the phone and announced in its record's ``photos``. The same UUID with the same bytes is
a harmless replay (200); with other bytes a 409. The image goes through the one photo check that case photos use
(``cases.photos.check_photo``: decoded to the last pixel, EXIF stripped); a broken upload is refused (400) without
touching the record, and can be sent again. What the record became decides where the photo goes: a case report's
photo becomes an attachment of the case's report event; a visit's, check-in's or task report's stays a
:class:`FieldPhoto` of the record, shown with its task (every report's photos), visit or check-in to whoever may
see that (:func:`visible_photo`).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from gridgov.cases.photos import JPEG, PNG, WEBP, check_photo, read_bytes

from ..models import ClientRecord, FieldPhoto, RecordKind

EXTENSIONS = {JPEG: "jpg", PNG: "png", WEBP: "webp"}


@dataclass
class PhotoOutcome:
    status: int
    body: dict[str, Any]


def receive_photo(*, by: Any, photo_uuid: uuid.UUID, record_uuid: uuid.UUID, upload: Any) -> PhotoOutcome:
    data = read_bytes(upload)
    sha = hashlib.sha256(data).hexdigest()
    record = ClientRecord.objects.filter(pk=record_uuid, user=by).first()
    if record is None or str(photo_uuid) not in record.photos_expected:
        return PhotoOutcome(404, {"detail": _("找不到该记录,或记录未列出此照片(请先发送记录)。")})
    replay = _replay(photo_uuid, record, sha)
    if replay is not None:
        return replay
    try:
        checked = check_photo(data)
    except ValidationError as exc:
        raise ValidationError({"image": exc.messages}) from exc
    try:
        with transaction.atomic():
            _store(by, record, photo_uuid, checked)
    except IntegrityError:
        replay = _replay(photo_uuid, record, sha)  # the same photo sent twice at once
        if replay is None:
            raise
        return replay
    return PhotoOutcome(201, {"uuid": str(photo_uuid), "record": str(record.pk), "sha256": sha})


def _replay(photo_uuid: uuid.UUID, record: ClientRecord, sha: str) -> PhotoOutcome | None:
    existing = FieldPhoto.objects.filter(pk=photo_uuid).first()
    if existing is None:
        return None
    if existing.record_id == record.pk and existing.sha256 == sha:
        return PhotoOutcome(200, {"uuid": str(photo_uuid), "record": str(record.pk), "sha256": sha})
    return PhotoOutcome(409, {"detail": _("该照片编号已存有不同的文件。")})


def _store(by: Any, record: ClientRecord, photo_uuid: uuid.UUID, checked: Any) -> FieldPhoto:
    from ..sync import decode_result

    photo = FieldPhoto(uuid=photo_uuid, record=record, sha256=checked.original_sha256)
    if record.kind == RecordKind.CASE_REPORT:
        from gridgov.cases.models import Case
        from gridgov.cases.services.attachments import attach_report_photo

        case = Case.objects.get(pk=decode_result(record.result)["id"])
        attachment = attach_report_photo(case, photo=checked, by=by)
        # The ledger row points at the case's file rather than keeping a second copy.
        photo.image.name = attachment.file.name
        photo.save()
    else:
        photo.image.save(f"{photo_uuid}.{EXTENSIONS[checked.content_type]}", ContentFile(checked.content), save=True)
    return photo


# --- reading -------------------------------------------------------------------------------------------------


def task_photos(task_ids: Iterable[int]) -> dict[int, list[FieldPhoto]]:
    """The photos of each task's reports — every report, a redone task's earlier ones too — oldest first, in one
    query (a task report's ledger row says which task it became: ``task:<id>``)."""
    results = {f"task:{pk}": pk for pk in task_ids}
    out: dict[int, list[FieldPhoto]] = {pk: [] for pk in results.values()}
    if not results:
        return out
    rows = FieldPhoto.objects.filter(record__kind=RecordKind.TASK_REPORT, record__result__in=list(results))
    for photo in rows.select_related("record").order_by("record__made_at", "received_at", "uuid"):
        out[results[photo.record.result]].append(photo)
    return out


def record_photos(record_ids: Iterable[Any]) -> dict[str, list[FieldPhoto]]:
    """The photos of visits or check-ins (their ids are their records' UUIDs), by id as a string, in one query."""
    ids = [str(pk) for pk in record_ids]
    out: dict[str, list[FieldPhoto]] = {pk: [] for pk in ids}
    for photo in FieldPhoto.objects.filter(record_id__in=ids).order_by("received_at", "uuid"):
        out[str(photo.record_id)].append(photo)
    return out


def visible_photo(user: Any, photo_uuid: uuid.UUID) -> FieldPhoto:
    """A field photo for whoever may see what its record became — the task (a grid worker: their own), the visit
    (special groups only to their roles) or the check-in; anything else, missing included, is ``Http404``."""
    from .. import figures
    from ..models import Task, Visit
    from ..sync import decode_result

    photo = FieldPhoto.objects.select_related("record").filter(pk=photo_uuid).first()
    if photo is None:
        raise Http404
    record = photo.record
    if record.kind == RecordKind.TASK_REPORT:
        target = decode_result(record.result)
        tasks = Task.objects.visible_to(user, "view")
        if figures.own_only(user):
            tasks = tasks.filter(assignee=user)
        visible = target["type"] == "task" and tasks.filter(pk=target["id"]).exists()
    elif record.kind == RecordKind.VISIT:
        visits = Visit.objects.filter(pk__in=figures.scoped_visits(user).values("pk")).readable_by(user)
        visible = visits.filter(pk=record.pk).exists()
    elif record.kind == RecordKind.CHECKIN:
        visible = figures.scoped_checkins(user).filter(pk=record.pk).exists()
    else:  # a case report's photos are the case's, shown with the case
        visible = False
    if not visible:
        raise Http404
    return photo


def photo_response(photo: FieldPhoto) -> FileResponse:
    """The stored file (EXIF stripped on upload), private to the asker's browser."""
    name = photo.image.name.lower()
    content_type = "image/png" if name.endswith(".png") else "image/webp" if name.endswith(".webp") else "image/jpeg"
    response = FileResponse(photo.image.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
