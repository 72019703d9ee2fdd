"""Photos of phone records, uploaded one by one after their record (docs/fieldwork-sync.md).

A photo's UUID is made on the phone and announced in its record's ``photos``. The same UUID with the same bytes is
a harmless replay (200); with other bytes a 409. The image goes through the one photo check that case photos use
(``cases.photos.check_photo``: decoded to the last pixel, EXIF stripped); a broken upload is refused (400) without
touching the record, and can be sent again. What the record became decides where the photo goes: a case report's
photo becomes an attachment of the case's report event; a visit's, check-in's or task report's stays a
:class:`FieldPhoto` of the record.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
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
