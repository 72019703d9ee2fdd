"""Tagging people with a special, youth or care group; recording visits; ending a tag."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import DEFAULT_VISIT_DAYS, TAG_FIELDS, AttentionLevel, Person, PersonTag, TagKind
from .base import require
from .people import require_active


def clean_details(kind: str, details: dict[str, Any]) -> dict[str, Any]:
    """Check a tag's own fields against ``TAG_FIELDS``; dates as ISO strings, ints as ints."""
    if kind not in TagKind.values:
        raise ValidationError({"kind": _("未知的人员类别。")})
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in TAG_FIELDS[kind]:
        raw = details.get(f.name)
        if raw in (None, ""):
            if f.required:
                errors[f.name] = _("“%(f)s”为必填项。") % {"f": f.label}
            continue
        try:
            if f.type == "date":
                out[f.name] = (
                    raw.isoformat() if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw)).isoformat()
                )
            elif f.type == "int":
                out[f.name] = int(raw)
            elif f.type == "bool":
                out[f.name] = raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes", "是"}
            elif f.type == "choice":
                if str(raw) not in {c for c, _label in f.choices}:
                    raise ValueError
                out[f.name] = str(raw)
            else:
                out[f.name] = str(raw).strip()
        except (TypeError, ValueError):
            errors[f.name] = _("“%(f)s”的值“%(v)s”无效。") % {"f": f.label, "v": raw}
    if kind == TagKind.MENTAL_DISORDER and "risk_level" in out and not 0 <= out["risk_level"] <= 5:
        errors["risk_level"] = _("危险性评估等级应为0到5。")
    if errors:
        raise ValidationError(errors)
    return out


def sync_tag_scope(person_ids: Iterable[Any]) -> int:
    """A tag is seen and changed by whoever holds its person's place (``scope_code`` is a copy of the person's,
    so ``visible_to`` needs no join). Call this in the transaction that moves people: their tags — current and
    ended, the ended ones are the person's history — follow them to the new grid. Returns the tags changed."""
    ids = list(person_ids)
    changed = 0
    for start in range(0, len(ids), 500):
        persons_code = Subquery(Person.objects.filter(pk=OuterRef("person_id")).values("scope_code")[:1])
        changed += (
            PersonTag.objects.filter(person_id__in=ids[start : start + 500])
            .exclude(scope_code=persons_code)
            .update(scope_code=persons_code)
        )
    return changed


def _can_change(by: Any, tag_kind: str, person: Person) -> None:
    restricted = PersonTag(kind=tag_kind).group != "care"
    name = "specialgroup" if restricted else "persontag"
    from gridgov.accounts.scope import scope_for

    if not scope_for(by, name, "change").covers_code(person.scope_code):
        require(Person.objects, person, by, "view")  # 404 when the person is out of view altogether
        raise PermissionDenied(_("您没有权限管理此类人员。"))


@transaction.atomic
def tag_person(
    *,
    by: Any,
    person: Person,
    kind: str,
    on: dt.date,
    details: dict[str, Any] | None = None,
    attention_level: str = AttentionLevel.NORMAL,
    responsible: Any = None,
    visit_every_days: int | None = None,
    note: str = "",
) -> PersonTag:
    _can_change(by, kind, person)
    require_active(person, "tag")
    cleaned = clean_details(kind, details or {})
    days = DEFAULT_VISIT_DAYS[kind] if visit_every_days is None else visit_every_days  # 0 is refused, not the default
    if days < 1:
        raise ValidationError({"visit_every_days": _("走访周期至少为1天。")})
    tag = PersonTag(
        person=person,
        kind=kind,
        details=cleaned,
        attention_level=attention_level,
        responsible=responsible,
        visit_every_days=days,
        valid_from=on,
        note=note,
        scope_code=person.scope_code,
    )
    tag.next_visit_due = tag.compute_next_visit()
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError as exc:
        raise ValidationError({"kind": _("此人已在该类别中列管。")}) from exc
    return tag


def _lock_current(tag: PersonTag, on: dt.date) -> PersonTag:
    """The tag, locked for this transaction (two visits or a visit and an end recorded at once are applied one
    after the other, each to what the other left); refused once it has ended, or for a day before it began."""
    locked = PersonTag.objects.select_for_update().get(pk=tag.pk)
    if locked.valid_to is not None:
        raise ValidationError(_("该类别已于%(d)s撤销。") % {"d": locked.valid_to.isoformat()})
    if on < locked.valid_from:
        raise ValidationError({"on": _("日期不能早于列管日期(%(d)s)。") % {"d": locked.valid_from.isoformat()}})
    return locked


def _copy_back(tag: PersonTag, locked: PersonTag, fields: list[str]) -> PersonTag:
    for name in fields:
        setattr(tag, name, getattr(locked, name))
    return tag


@transaction.atomic
def record_tag_visit(*, by: Any, tag: PersonTag, on: dt.date) -> PersonTag:
    """A home visit to a tagged person moves the next due date (fieldwork's visit records call this). The day is
    within the tag's time: not before it began, not after today, and the tag still current."""
    _can_change(by, tag.kind, tag.person)
    if on > timezone.localdate():
        raise ValidationError({"on": _("走访日期不能晚于今天。")})
    locked = _lock_current(tag, on)
    if locked.last_visit_on is None or on > locked.last_visit_on:
        locked.last_visit_on = on
        locked.next_visit_due = locked.compute_next_visit()
        locked.save(update_fields=["last_visit_on", "next_visit_due"])
    return _copy_back(tag, locked, ["last_visit_on", "next_visit_due", "valid_to"])


@transaction.atomic
def end_tag(*, by: Any, tag: PersonTag, on: dt.date, note: str = "") -> PersonTag:
    """Take a person off a list (撤销列管) on a day not before the tag began; an ended tag cannot be ended again."""
    _can_change(by, tag.kind, tag.person)
    locked = _lock_current(tag, on)
    locked.valid_to = on
    if note:
        locked.note = f"{locked.note}\n{note}".strip()
    locked.save(update_fields=["valid_to", "note"])
    return _copy_back(tag, locked, ["valid_to", "note"])
