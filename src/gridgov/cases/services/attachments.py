"""Photos that arrive after their report: the phone app sends a case report first and its photos one by one
afterwards (docs/fieldwork-sync.md), so each is attached to the report's timeline row when it comes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..models import Case, CaseAttachment, CaseEvent
from ..photos import CheckedPhoto
from .base import save_photos


@transaction.atomic
def attach_report_photo(case: Case, *, photo: CheckedPhoto, by: Any) -> CaseAttachment:
    """Attach a checked photo (EXIF already stripped) to the case's report event. Only the reporter may."""
    if by is None or case.reporter_id != by.pk:
        raise PermissionDenied(_("只有上报人可以为上报补充照片。"))
    event = CaseEvent.objects.filter(case=case, action="report").order_by("id").first()
    save_photos(case, event, [photo], by=by)
    return CaseAttachment.objects.filter(case=case).order_by("-id")[0]
