"""Registering and changing people, and revealing their protected fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..models import AccessAction, AccessLog, DocType, Person, ResidenceType
from ..validation import check_ric_consistency, clean_document, clean_phone
from .base import check_version, place, require, require_scope_code

PROTECTED_FIELDS = ("id_number", "phone", "registered_address", "current_address")
PERSON_FIELDS = (
    "doc_type",
    "id_number",
    "name",
    "former_name",
    "sex",
    "birth_date",
    "ethnicity",
    "native_place",
    "marital_status",
    "political_status",
    "education",
    "religion",
    "occupation",
    "workplace",
    "phone",
    "registered_address",
    "current_address",
    "residence_type",
    "occupancy",
    "house",
    "building",
    "grid",
)
PLACE_FIELDS = ("house", "building", "grid")
#: A person's own fields, without where they live (what the import and the forms read from their input).
PERSON_DATA_FIELDS = tuple(f for f in PERSON_FIELDS if f not in PLACE_FIELDS)
#: The plain (not protected) fields, in display order.
PLAIN_PERSON_FIELDS = tuple(f for f in PERSON_DATA_FIELDS if f not in PROTECTED_FIELDS)


def clean_person(data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise a person's fields (form, API and import all use this). Raises a ValidationError
    naming each bad field; derives sex and birth date from a resident ID number when they were not given."""
    errors: dict[str, str] = {}
    out = dict(data)
    doc_type = out.get("doc_type") or DocType.RIC
    out["doc_type"] = doc_type
    number = out.get("id_number")
    if number:
        try:
            out["id_number"] = clean_document(doc_type, str(number))
        except ValidationError as exc:
            errors["id_number"] = exc.messages[0]
    if not errors.get("id_number") and doc_type == DocType.RIC and out.get("id_number"):
        from ..validation import ric_birth_date, ric_sex

        errors.update(check_ric_consistency(out["id_number"], out.get("birth_date"), out.get("sex")))
        out.setdefault("birth_date", None)
        out["birth_date"] = out["birth_date"] or ric_birth_date(out["id_number"])
        out["sex"] = out.get("sex") or ric_sex(out["id_number"])
    if not (out.get("name") or "").strip():
        errors["name"] = _("姓名为必填项。")
    else:
        out["name"] = out["name"].strip()
    if not out.get("birth_date") and "birth_date" not in errors:
        errors["birth_date"] = _("出生日期为必填项(身份证号码可自动带出)。")
    elif isinstance(out.get("birth_date"), dt.date) and out["birth_date"] > timezone.localdate():
        errors["birth_date"] = _("出生日期不能晚于今天。")
    if not out.get("sex") and "sex" not in errors:
        errors["sex"] = _("性别为必填项(身份证号码可自动带出)。")
    if out.get("phone"):
        try:
            out["phone"] = clean_phone(str(out["phone"]))
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    if out.get("residence_type") == ResidenceType.FOREIGN and doc_type == DocType.RIC:
        errors["doc_type"] = _("境外人员应登记护照或通行证等证件。")
    if errors:
        raise ValidationError(errors)
    return out


#: What a deregistered person may no longer be given, each with its own refusal (the day they left is named).
_REFUSALS = {
    "edit": _lazy("此人已于%(d)s注销,其信息不能再修改。"),
    "tag": _lazy("此人已于%(d)s注销,不能再列管或标记。"),
    "floating": _lazy("此人已于%(d)s注销,不能再办理流动人口登记。"),
    "household": _lazy("此人已于%(d)s注销,不能再立户或入户。"),
}


def require_active(person: Person, what: str) -> Person:
    """The person, locked for this transaction (a deregistration at the same moment goes first or waits), if
    still on the register; a deregistered person (moved away or deceased) is a record of the past: refused with
    a ValidationError naming the day they left. ``what``: edit, tag, floating or household."""
    locked = Person.objects.select_for_update().only("pk", "is_active", "left_on").get(pk=person.pk)
    refuse_deregistered(locked, what)
    return locked


def refuse_deregistered(person: Person, what: str) -> None:
    """:func:`require_active` for a person already locked (or read in bulk, as the import does)."""
    if not person.is_active:
        left = person.left_on.isoformat() if person.left_on else "-"
        raise ValidationError(str(_REFUSALS[what]) % {"d": left}, code="deregistered")


def _duplicate_error() -> ValidationError:
    return ValidationError({"id_number": _("该证件号码已登记,请勿重复登记(可按证件号码查询后修改)。")})


@transaction.atomic
def register_person(*, by: Any, data: dict[str, Any], region_code: str = "") -> Person:
    """Register one person (already cleaned by :func:`clean_person`) in the grid of their house/building/grid."""
    data = clean_person(data)
    house, building, grid, scope_code = place(
        house=data.get("house"), building=data.get("building"), grid=data.get("grid"), region_code=region_code
    )
    if not scope_code:
        raise ValidationError({"house": _("请指定现住房屋、楼栋或网格。")})
    require_scope_code(Person, by, "change", scope_code)
    person = Person(**{k: v for k, v in data.items() if k in PERSON_FIELDS})
    person.house, person.building, person.grid, person.scope_code = house, building, grid, scope_code
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        raise _duplicate_error() from exc
    return person


def moved_place(person: Person, changes: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Where a person lives after an edit that names some of house, building and grid: what is named wins, the
    rest follows or is cleared — a new building drops a house that is not in it, a new grid a building that is
    not in it (and its house). Naming a house outside the named building, or a building outside the named grid,
    is refused on that field."""
    house = changes.get("house", person.house)
    building = changes.get("building", person.building)
    grid = changes.get("grid", person.grid)
    errors: dict[str, str] = {}
    if "house" in changes and house is not None:
        if "building" in changes and building is not None and house.building_id != building.pk:
            errors["house"] = _("该房屋不在所填楼栋内。")
        building = house.building
    elif house is not None and (building is None or house.building_id != building.pk):
        house = None
    if ("house" in changes or "building" in changes) and building is not None:
        if "grid" in changes and grid is not None and building.grid_id != grid.pk:
            errors["building"] = _("楼栋不在所填网格内。")
        grid = building.grid
    elif building is not None and (grid is None or building.grid_id != grid.pk):
        building = house = None
    if errors:
        raise ValidationError(errors)
    return house, building, grid


@transaction.atomic
def update_person(
    *,
    by: Any,
    person: Person,
    changes: dict[str, Any],
    expected_version: int | None = None,
    base: dict[str, Any] | None = None,
) -> Person:
    """Change a person's fields. ``expected_version``/``base``: what the editor saw; an edit that would
    overwrite someone else's newer change raises :class:`StaleEdit` naming the fields."""
    require(Person.objects, person, by, "change")
    locked = Person.objects.select_for_update().get(pk=person.pk)
    refuse_deregistered(locked, "edit")
    changes = {k: v for k, v in changes.items() if k in PERSON_FIELDS}
    check_version(locked, expected_version, changes, base or {})
    merged = {k: getattr(locked, k) for k in PERSON_FIELDS}
    for k in PROTECTED_FIELDS:
        merged[k] = merged[k].reveal() if merged[k] is not None else ""
    merged.update(changes)
    cleaned = clean_person(merged)
    for key in changes:
        setattr(locked, key, cleaned[key])
    for key in ("sex", "birth_date"):
        setattr(locked, key, cleaned[key])
    if {"house", "building", "grid"} & changes.keys():
        house, building, grid = moved_place(locked, {k: cleaned[k] for k in PLACE_FIELDS if k in changes})
        locked.house, locked.building, locked.grid, scope_code = place(house=house, building=building, grid=grid)
        if not scope_code:
            raise ValidationError({"grid": _("请指定现住房屋、楼栋或网格。")})
        require_scope_code(Person, by, "change", scope_code)
        locked.scope_code = scope_code
    locked.version += 1
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as exc:
        raise _duplicate_error() from exc
    if {"house", "building", "grid"} & changes.keys():
        follow_move([locked.pk])
    return locked


def follow_move(person_ids: Iterable[Any]) -> None:
    """What keeps a copy of a person's place follows them when they move (call it in the transaction that moved
    them: the forms, the API, the phone's person edit, a re-import): their tags — current and ended — and their
    current floating registration, so the old grid's worker loses them and the new grid's worker gets them."""
    from .places import sync_floating_place
    from .tags import sync_tag_scope

    ids = list(person_ids)
    sync_tag_scope(ids)
    sync_floating_place(ids)


@transaction.atomic
def deregister_person(*, by: Any, person: Person, on: dt.date, reason: str = "") -> Person:
    """Moved away or deceased: the person stays on record (their history and logs point at them), inactive, with
    the day and the reason. What kept them on someone's work list ends that day too: their current tags (the
    reason added to the tag's note) and their memberships of a household — except as its head: a household keeps
    its head until the household page changes it, so the head's household is not left without one."""
    from ..models import Household, Membership, PersonTag, Relation

    require(Person.objects, person, by, "change")
    reason = (reason or "").strip()
    if on > timezone.localdate():
        raise ValidationError({"on": _("注销日期不能晚于今天。")})
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if not locked.is_active:
        raise ValidationError(_("此人已于%(d)s注销。") % {"d": locked.left_on.isoformat() if locked.left_on else "-"})
    Person.objects.filter(pk=locked.pk, version=locked.version).update(
        is_active=False, left_on=on, left_reason=reason[:200], version=F("version") + 1, updated_at=timezone.now()
    )
    note = _("注销:%(r)s") % {"r": reason} if reason else _("注销")
    for tag in PersonTag.objects.select_for_update().filter(person=locked, valid_to__isnull=True):
        tag.valid_to = max(on, tag.valid_from)
        tag.note = f"{tag.note}\n{note}".strip()
        tag.save(update_fields=["valid_to", "note"])
    for membership in Membership.objects.select_for_update().filter(person=locked, valid_to__isnull=True):
        if membership.relation != Relation.HEAD:
            membership.valid_to = max(on, membership.valid_from)
            membership.save(update_fields=["valid_to"])
            Household.objects.filter(pk=membership.household_id).update(updated_at=timezone.now())  # the pull
    person.refresh_from_db()
    return person


def reveal(*, by: Any, person: Person, field: str, reason: str, ip: str | None = None) -> str:
    """The full value of one protected field, for a role allowed to ask, with a reason; written to the access
    log in the same transaction (no log row, no value)."""
    if field not in PROTECTED_FIELDS:
        raise ValidationError({"field": _("只能查看证件号码、电话或详细地址。")})
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": _("请填写查看事由(至少4个字)。")})
    if not Person.objects.visible_to(by, "reveal").filter(pk=person.pk).exists():
        if Person.objects.visible_to(by, "view").filter(pk=person.pk).exists():
            raise PermissionDenied(_("您的角色不能查看完整的个人信息。"))
        raise Person.DoesNotExist
    with transaction.atomic():
        AccessLog.objects.create(
            user=by,
            action=AccessAction.REVEAL,
            person=person,
            field=field,
            reason=reason,
            ip=ip,
            scope_code=person.scope_code,
        )
    value = getattr(person, field)
    return value.reveal() if value is not None else ""


def log_bulk_access(*, by: Any, action: str, rows: int, detail: str, reason: str = "", scope_code: str = "") -> None:
    """An export or import of people: who, how many, which list (filters), when."""
    AccessLog.objects.create(
        user=by, action=action, rows=rows, detail=detail[:400], reason=reason or "-", scope_code=scope_code
    )
