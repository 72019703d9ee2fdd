"""Rental houses, floating-population registrations, organisations and facilities."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
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
from .base import place, require, require_scope_code


@transaction.atomic
def register_rental(*, by: Any, house: Any, on: dt.date, landlord: Person | None = None, rooms: int = 1) -> RentalHouse:
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
def register_floating(
    *, by: Any, person: Person, on: dt.date, expires_on: dt.date, house: Any = None, reason: str = "work"
) -> FloatingRegistration:
    require(Person.objects, person, by, "change")
    if expires_on <= on:
        raise ValidationError({"expires_on": _("有效期应晚于登记日期。")})
    house = house or person.house
    _h, _b, grid, scope_code = place(house=house, grid=person.grid)
    reg = FloatingRegistration(person=person, house=house, reason=reason, registered_on=on, expires_on=expires_on)
    reg.grid, reg.scope_code = grid, scope_code or person.scope_code
    reg.save()
    return reg


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
    require(Organisation.objects, organisation, by, "change")
    organisation.fire_safety = result
    organisation.fire_checked_on = on
    organisation.version += 1
    organisation.save(update_fields=["fire_safety", "fire_checked_on", "version", "updated_at"])
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
