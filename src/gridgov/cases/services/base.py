"""The machinery every transition shares: lock and check, move the deadline, one conditional UPDATE on ``version``,
one timeline row, photos, and telling the parties."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import deps
from ..models import MUTABLE_ATTNAMES, Case, CaseAttachment, CaseEvent, mutable_values
from ..photos import CheckedPhoto, check_photo
from ..workflow import STAGE_LIMIT_FIELD, STAGE_OF_STATUS, Stage, Transition, TransitionNotAllowed, check

__all__ = ["CaseConflict", "IdempotencyConflict", "Step", "TransitionNotAllowed"]


class CaseConflict(Exception):
    """Someone else changed the case since it was read; reload and try again."""

    def __init__(self, message: Any = None) -> None:
        self.message = message or _("案件已被他人修改,请刷新后重试。")
        super().__init__(str(self.message))


class IdempotencyConflict(Exception):
    """A report reused a client UUID with different content; ``fields`` names what differs."""

    def __init__(self, fields: list[str], case: Case) -> None:
        self.fields = fields
        self.case = case
        self.message = _("该客户端编号已用于另一份内容不同的上报:%(fields)s。") % {"fields": ", ".join(fields)}
        super().__init__(str(self.message))


@dataclass
class Step:
    """One transition in progress: the locked row, who acts, what was there before."""

    case: Case
    by: Any
    transition: Transition
    original: Case
    expected_version: int
    from_status: str
    now: datetime = field(default_factory=timezone.now)


def begin(case: Case, *, by: Any, action: str) -> Step:
    """Inside the caller's transaction: re-read the case *as the user may see it*, locked; refuse if it moved
    since the caller read it (``CaseConflict``) or the workflow forbids the action (``TransitionNotAllowed``).
    Out of scope is "does not exist" (``Case.DoesNotExist``)."""
    locked = (
        Case.objects.visible_to(by, "view")
        .select_for_update(of=("self",))
        .select_related("category")
        .filter(pk=case.pk)
        .first()
    )
    if locked is None:
        raise Case.DoesNotExist
    if locked.version != case.version:
        raise CaseConflict
    transition = check(locked, by, action)
    return Step(locked, by, transition, case, locked.version, locked.status)


def set_stage_deadline(case: Case, now: datetime) -> None:
    """Start the clock of the stage the case's status belongs to, from the category's limit in working time."""
    stage = STAGE_OF_STATUS.get(case.status)
    case.due_flagged = False
    if stage is None:
        case.due_at = None
        return
    name = STAGE_LIMIT_FIELD[stage]
    case.due_at = deps.add_working_time(now, getattr(case.category, name), getattr(case.category, f"{name}_unit"))


def freeze_overdue(case: Case, stage: Stage | None, now: datetime) -> None:
    """Record for good whether the stage being left was overdue."""
    if stage is None:
        return
    late = case.due_flagged or (case.due_at is not None and now > case.due_at)
    if late and not case.overdue_stages.get(stage):
        case.overdue_stages = {**case.overdue_stages, str(stage): True}


def finish(
    step: Step,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    photos: Sequence[CheckedPhoto] = (),
    restart_clock: bool = False,
) -> CaseEvent:
    """Apply the transition's target status, move the deadline, write the row back with a conditional UPDATE on
    ``version`` (exactly one row or ``CaseConflict``), write the timeline row and the photos."""
    case, now = step.case, step.now
    target = step.transition.target_for(case) if step.transition.target is not None else case.status
    moved = target != step.from_status
    if moved or restart_clock:
        freeze_overdue(case, STAGE_OF_STATUS.get(step.from_status), now)
        case.status = target
        set_stage_deadline(case, now)
    changed = Case.objects.filter(pk=case.pk, version=step.expected_version).update(
        **mutable_values(case), version=step.expected_version + 1, updated_at=now
    )
    if changed != 1:
        raise CaseConflict
    case.version = step.expected_version + 1
    case.updated_at = now
    event = CaseEvent.objects.create(
        case=case,
        actor=step.by,
        at=now,
        action=step.transition.name,
        from_status=step.from_status,
        to_status=case.status,
        note=note,
        data=data or {},
    )
    save_photos(case, event, photos, by=step.by)
    _copy_back(case, step.original)
    return event


def _copy_back(source: Case, target: Case) -> None:
    """The caller's object shows the new state (and version), so it can act again without re-reading."""
    if source is target:
        return
    for name in (*MUTABLE_ATTNAMES, "version", "updated_at"):
        setattr(target, name, getattr(source, name))


def checked_photos(photos: Iterable[Any]) -> list[CheckedPhoto]:
    return [p if isinstance(p, CheckedPhoto) else check_photo(p) for p in photos]


def save_photos(case: Case, event: CaseEvent | None, photos: Sequence[CheckedPhoto], *, by: Any) -> None:
    for photo in photos:
        attachment = CaseAttachment(
            case=case,
            event=event,
            content_type=photo.content_type,
            size=len(photo.content),
            sha256=photo.original_sha256,
            exif_lon=photo.exif_lon,
            exif_lat=photo.exif_lat,
            uploaded_by=by if by is not None and by.is_authenticated else None,
        )
        attachment.file.save("photo", ContentFile(photo.content), save=False)
        attachment.save()


def case_url(case: Case) -> str:
    from django.urls import reverse

    return reverse("cases:case", args=[case.number])


def tell_unit(unit: Any, case: Case, event: CaseEvent, *, verb: str, text: Any) -> None:
    """In-app notification to the unit's members and a delivery to its systems (webhook, email) if it has any.
    The outbox payload carries no personal data: the unit's people log in to read the case."""
    deps.notify(deps.unit_members(unit), verb=verb, text=str(text), target=case, url=case_url(case))
    payload = {
        "event": verb,
        "event_id": event.pk,
        "case": case.number,
        "category": case.category.code,
        "status": case.status,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "unit": unit.code,
    }
    for channel, address in (("webhook", unit.webhook_url), ("email", unit.email)):
        if address:
            deps.enqueue(channel, address, payload, dedupe_key=f"case-event:{event.pk}:{channel}:{unit.pk}")


def tell_users(users: Iterable[Any], case: Case, *, verb: str, text: Any) -> None:
    deps.notify([u for u in users if u is not None], verb=verb, text=str(text), target=case, url=case_url(case))
