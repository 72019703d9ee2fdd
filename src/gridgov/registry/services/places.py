"""Rental houses, floating-population registrations, organisations and facilities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ..models import (
    Facility,
    FloatingRegistration,
    Organisation,
    OrganisationKind,
    Person,
    RentalHouse,
)
from ..validation import clean_phone, clean_uscc
from .base import check_version, place, require, require_scope_code
from .people import require_active

#: What an edit of a rental house may change (the API's PATCH and the phone's ``rental_edit``).
RENTAL_FIELDS = ("rooms", "safety_checked_on", "is_active")
#: The number of rooms let: at least one, at most this many.
MAX_RENTAL_ROOMS = 999


def clean_rental(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise a rental house's editable fields (only those present in ``changes``). Raises a
    ValidationError naming each bad field: rooms a whole number 1..999, the safety check a date (``YYYY-MM-DD``
    accepted) not after today or empty, ``is_active`` true or false."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    unknown = sorted(set(changes) - set(RENTAL_FIELDS))
    if unknown:
        errors["changes"] = _("不能修改的字段:%(f)s。") % {"f": ", ".join(unknown)}
    if "rooms" in changes:
        rooms = changes["rooms"]
        if isinstance(rooms, bool) or not isinstance(rooms, int) or not 1 <= rooms <= MAX_RENTAL_ROOMS:
            errors["rooms"] = _("出租间数应为 1 到 %(max)d 之间的整数。") % {"max": MAX_RENTAL_ROOMS}
        else:
            out["rooms"] = rooms
    if "safety_checked_on" in changes:
        try:
            checked = _date_or_none(changes["safety_checked_on"])
        except ValueError:
            errors["safety_checked_on"] = _("安全检查日期格式应为 YYYY-MM-DD。")
        else:
            if checked is not None and checked > timezone.localdate():
                errors["safety_checked_on"] = _("安全检查日期不能晚于今天。")
            else:
                out["safety_checked_on"] = checked
    if "is_active" in changes:
        if not isinstance(changes["is_active"], bool):
            errors["is_active"] = _("“在租”应为是或否(true/false)。")
        else:
            out["is_active"] = changes["is_active"]
    if errors:
        raise ValidationError(errors)
    return out


def _date_or_none(value: Any) -> dt.date | None:
    """A date, an ISO ``YYYY-MM-DD`` string, or empty (``None``/``""``); ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    parsed = parse_date(value) if isinstance(value, str) else None  # ValueError for a date that does not exist
    if parsed is None:
        raise ValueError(value)
    return parsed


@transaction.atomic
def register_rental(*, by: Any, house: Any, on: dt.date, landlord: Person | None = None, rooms: int = 1) -> RentalHouse:
    clean_rental({"rooms": rooms})
    _h, _b, grid, scope_code = place(house=house)
    require_scope_code(RentalHouse, by, "change", scope_code)
    if landlord is not None:
        require(Person.objects, landlord, by, "view")
    rental = RentalHouse(house=house, landlord=landlord, rooms=rooms, registered_on=on)
    rental.grid, rental.scope_code = grid, scope_code
    try:
        with transaction.atomic():
            rental.save()
    except IntegrityError as exc:
        raise ValidationError({"house": _("该房屋已登记为出租屋。")}) from exc
    return rental


@transaction.atomic
def update_rental(
    *,
    by: Any,
    rental: RentalHouse,
    changes: dict[str, Any],
    expected_version: int | None = None,
    base: dict[str, Any] | None = None,
) -> RentalHouse:
    """Change a rental house's rooms, last safety check or whether it is still let (:data:`RENTAL_FIELDS`).
    ``expected_version``/``base``: what the editor saw; an edit that would overwrite someone else's newer change
    raises :class:`~.base.StaleEdit` naming the fields. Saves only the fields changed, with the version bumped."""
    require(RentalHouse.objects, rental, by, "change")
    locked = RentalHouse.objects.select_for_update().get(pk=rental.pk)
    if not changes:
        raise ValidationError({"changes": _("没有要修改的字段。")})
    check_version(locked, expected_version, {k: v for k, v in changes.items() if k in RENTAL_FIELDS}, base or {})
    cleaned = clean_rental(changes)
    for key, value in cleaned.items():
        setattr(locked, key, value)
    locked.version += 1
    locked.save(update_fields=[*cleaned, "version", "updated_at"])
    return locked


@transaction.atomic
def register_floating(
    *, by: Any, person: Person, on: dt.date, expires_on: dt.date, house: Any = None, reason: str = "work"
) -> FloatingRegistration:
    require(Person.objects, person, by, "change")
    require_active(person, "floating")
    if expires_on <= on:
        raise ValidationError({"expires_on": _("有效期应晚于登记日期。")})
    house = house or person.house
    _h, _b, grid, scope_code = place(house=house, grid=person.grid)
    reg = FloatingRegistration(person=person, house=house, reason=reason, registered_on=on, expires_on=expires_on)
    reg.grid, reg.scope_code = grid, scope_code or person.scope_code
    reg.save()
    return reg


def sync_floating_place(person_ids: Iterable[Any], on: dt.date | None = None) -> int:
    """A floating registration keeps a copy of where its person lives (house, grid, ``scope_code``: who sees and
    renews it). Call this in the transaction that moves people, next to ``tags.sync_tag_scope``: their current
    registrations (not expired on ``on``, default today) take the person's house, grid and code, with the version
    bumped. An expired registration stays where it was made: it records a stay at that place. Returns the
    registrations changed."""
    on = on or timezone.localdate()
    ids = list(person_ids)
    now = timezone.now()
    changed = 0
    for start in range(0, len(ids), 500):
        places = {
            pk: (house_id, grid_id, code)
            for pk, house_id, grid_id, code in Person.objects.filter(pk__in=ids[start : start + 500]).values_list(
                "pk", "house_id", "grid_id", "scope_code"
            )
        }
        stale = [
            reg
            for reg in FloatingRegistration.objects.select_for_update()
            .filter(person_id__in=places)
            .current(on)
            .only("pk", "person_id", "house_id", "grid_id", "scope_code")
            if (reg.house_id, reg.grid_id, reg.scope_code) != places[reg.person_id]
        ]
        for reg in stale:
            reg.house_id, reg.grid_id, reg.scope_code = places[reg.person_id]
            FloatingRegistration.objects.filter(pk=reg.pk).update(
                house_id=reg.house_id,
                grid_id=reg.grid_id,
                scope_code=reg.scope_code,
                version=F("version") + 1,
                updated_at=now,
            )
        changed += len(stale)
    return changed


def clean_organisation(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    errors: dict[str, str] = {}
    if not (out.get("name") or "").strip():
        errors["name"] = _("名称为必填项。")
    if out.get("uscc"):
        try:
            out["uscc"] = clean_uscc(str(out["uscc"]))
        except ValidationError as exc:
            errors["uscc"] = exc.messages[0]
    if out.get("contact_phone"):
        try:
            out["contact_phone"] = clean_phone(str(out["contact_phone"]))
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages[0]
    if out.get("kind") == OrganisationKind.SMALL_VENUE and not out.get("venue_kind"):
        errors["venue_kind"] = _("三小场所须注明类型(小商店、小餐饮、小娱乐场所)。")
    if out.get("kind") != OrganisationKind.SMALL_VENUE:
        out["venue_kind"] = ""
    if errors:
        raise ValidationError(errors)
    return out


ORGANISATION_FIELDS = (
    "kind",
    "venue_kind",
    "name",
    "uscc",
    "legal_representative",
    "contact_phone",
    "address",
    "building",
    "lon",
    "lat",
    "employees",
    "fire_safety",
    "fire_checked_on",
)


@transaction.atomic
def register_organisation(*, by: Any, data: dict[str, Any], grid: Any = None) -> Organisation:
    data = clean_organisation(data)
    building = data.get("building")
    _h, building, grid, scope_code = place(building=building, grid=grid)
    if not scope_code:
        raise ValidationError({"building": _("请指定所在楼栋或网格。")})
    require_scope_code(Organisation, by, "change", scope_code)
    org = Organisation(**{k: v for k, v in data.items() if k in ORGANISATION_FIELDS})
    if building is not None and org.lon is None:
        org.lon, org.lat = building.lon, building.lat
    org.grid, org.scope_code = grid, scope_code
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:
        raise ValidationError({"uscc": _("该统一社会信用代码已登记。")}) from exc
    return org


@transaction.atomic
def record_fire_inspection(*, by: Any, organisation: Organisation, result: str, on: dt.date) -> Organisation:
    """The result of a fire-safety inspection on a day (not in the future). The row is locked, so the version goes
    up once per inspection even when two are recorded at once; an inspection older than the one on record does
    not replace it."""
    require(Organisation.objects, organisation, by, "change")
    if on > timezone.localdate():
        raise ValidationError({"on": _("检查日期不能晚于今天。")})
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if locked.fire_checked_on is not None and on < locked.fire_checked_on:
        raise ValidationError(
            {"on": _("已有%(d)s的检查记录,不能以更早的检查覆盖。") % {"d": locked.fire_checked_on.isoformat()}}
        )
    locked.fire_safety = result
    locked.fire_checked_on = on
    locked.version += 1
    locked.save(update_fields=["fire_safety", "fire_checked_on", "version", "updated_at"])
    for name in ("fire_safety", "fire_checked_on", "version", "updated_at"):
        setattr(organisation, name, getattr(locked, name))
    return organisation


@transaction.atomic
def register_facility(*, by: Any, data: dict[str, Any]) -> Facility:
    """``data``: code, major_class, minor_class, name, lon, lat, status, owner_unit; the grid is located."""
    from gridgov.territory.locator import locate

    code = str(data.get("code", "")).strip()
    major = str(data.get("major_class", ""))
    if not (code.isdigit() and len(code) >= 12 and code[6:8] == major):
        raise ValidationError({"code": _("部件编码应为6位区县代码+2位大类代码(与所选大类一致)+小类代码+流水号。")})
    hit = locate(float(data["lon"]), float(data["lat"]))
    if hit is None or hit.grid_code is None:
        raise ValidationError({"lon": _("该位置不在任何网格内。")})
    from gridgov.territory.models import Grid

    grid = Grid.objects.current().get(code=hit.grid_code)
    require_scope_code(Facility, by, "change", grid.code)
    facility = Facility(**{k: data[k] for k in ("major_class", "minor_class", "name", "lon", "lat") if k in data})
    facility.code = code
    facility.status = data.get("status") or facility.status
    facility.owner_unit = data.get("owner_unit")
    facility.grid, facility.scope_code = grid, grid.code
    try:
        with transaction.atomic():
            facility.save()
    except IntegrityError as exc:
        raise ValidationError({"code": _("部件编码已存在。")}) from exc
    return facility
