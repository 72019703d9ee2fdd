"""Validating and writing import rows, one chunk at a time.

An :class:`Importer` per kind turns a chunk of file rows into records to create, records to update and row errors.
Everything a row needs from the database — grids, buildings, houses, the records it may match — is loaded once
per chunk (and grids/buildings/houses are cached across chunks), so validation costs a few queries per chunk and
no query per row. :meth:`Importer.write` then creates and updates the chunk's records with ``bulk_create`` and
``bulk_update``; the caller wraps it in the chunk's transaction (:mod:`.jobs`).

Matching (re-importing updates, never duplicates): people on the ID number's blind index, households on 户号,
houses on building code + house number, organisations on the social credit code (without one: on the name within
the same grid). A cell left blank in a column the file has clears the value; a column the file does not have is
left untouched.

Every row's place (grid, building, house) must exist and lie within the importing user's change scope for the
kind (``person``, ``household``, ``house`` or ``organisation``); an existing record the row would update must
too. Error values of ID-number and phone columns are masked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.scope import scope_for
from gridgov.core import crypto
from gridgov.core.sensitive import MASKS, normalize
from gridgov.territory.models import Building, Grid, House

from ..models import (
    Household,
    ImportKind,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    Relation,
)
from ..services import clean_organisation, clean_person
from ..services.people import PERSON_DATA_FIELDS, follow_move, refuse_deregistered
from .columns import BUILDING, COLUMNS, GRID, HOUSE_NUMBER, Column, choice_value
from .fastwrite import insert_rows, update_rows
from .reader import Row

OUT_OF_SCOPE = "不在您的管辖范围内"


class CellError(Exception):
    pass


@dataclass(frozen=True)
class RowError:
    """One reason a row was rejected: the row as numbered in the file, the column's header, the cell's value
    (masked for ID numbers and phones) and the reason in the user's language."""

    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class Record:
    row: int
    key: str
    fields: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    #: the matched existing record's primary key (an update) or None (new)
    pk: Any = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """A chunk after validation: what to create, what to update, what was rejected."""

    rows: int = 0
    new: list[Record] = field(default_factory=list)
    update: list[Record] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_rows: int = 0


def display(column: Column, value: Any) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else str(value or "")
    if column.masked and text:
        return MASKS["idno" if column.kind == "idno" else "phone"](text)
    return text


_DATE_RE = re.compile(r"^(\d{4})\D?(\d{1,2})\D?(\d{1,2})\D?$")


def parse_date(text: str) -> dt.date:
    m = _DATE_RE.match(text.strip())
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise CellError(_("日期格式不正确,应为 YYYY-MM-DD(如 1980-05-17)。"))


class Importer:
    """Validation and writing shared by every kind. Subclasses say how a row becomes a record, how records are
    matched with what is already registered, and how they are written."""

    kind: str = ""
    model: type[models.Model]
    #: Whose ``change`` scope the rows must lie in (``accounts.roles.PERMISSIONS``): the kind's own model's.
    scope_name = "person"
    #: Must a row say where it is (grid or building)?
    place_required = True
    #: Does a house number in a place name an existing house (people, households) — not for the house kind.
    house_must_exist = True

    def __init__(self, by: Any, headers: Iterable[str] | None = None) -> None:
        self.by = by
        self.columns: list[Column] = COLUMNS[self.kind]
        self.by_header = {c.header: c for c in self.columns}
        self.by_field = {c.field: c for c in self.columns}
        present = set(headers) if headers is not None else {c.header for c in self.columns}
        self.present = [c for c in self.columns if c.header in present]
        self.present_fields = {c.field for c in self.present}
        self.scope = scope_for(by, self.scope_name, "change")
        self._covers: dict[str, bool] = {}
        self.grids: dict[str, Grid | None] = {}
        self.buildings: dict[str, Building | None] = {}
        self.houses: dict[tuple[int, str], House | None] = {}
        #: key → first row with it, over the whole file (duplicates within the file)
        self.seen: dict[str, int] = {}
        self.defaults = self._defaults()

    # --- the file's header ---------------------------------------------------------------------------------

    def missing_columns(self) -> list[str]:
        missing = [c.header for c in self.columns if c.required and c.field not in self.present_fields]
        if self.place_required and not ({"grid", "building"} & self.present_fields):
            missing.append(f"{GRID.header}/{BUILDING.header}")
        return missing

    # --- cells ---------------------------------------------------------------------------------------------

    def _defaults(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for col in self.columns:
            try:
                f = self.model._meta.get_field(col.field)
            except FieldDoesNotExist:  # a column that is not a model field (house number, head's ID number)
                out[col.field] = ""
                continue
            assert isinstance(f, models.Field)
            if f.has_default() and not callable(f.default):
                out[col.field] = f.default
            elif isinstance(f, (models.CharField, models.TextField)) and not f.null:
                out[col.field] = ""
            else:
                out[col.field] = None
        return out

    def convert(self, col: Column, cell: Any) -> Any:
        if col.kind == "date":
            if isinstance(cell, dt.date):
                return cell
            return parse_date(str(cell))
        text = cell.isoformat() if isinstance(cell, dt.date) else str(cell).strip()
        if col.choices is not None:
            value = choice_value(col, text)
            if value is None:
                raise CellError(
                    _("“%(v)s”不是有效选项,可选:%(c)s。") % {"v": text, "c": "、".join(col.choice_labels())}
                )
            return value
        if col.kind == "int":
            try:
                number = int(float(text))
            except (ValueError, OverflowError):
                number = -1
            if number < 0 or float(text) != number:
                raise CellError(_("应为不小于0的整数。"))
            return number
        if col.kind == "decimal":
            try:
                return float(text)
            except ValueError:
                raise CellError(_("应为数字。")) from None
        if col.kind == "code":
            return text.replace(" ", "")
        if col.max_length and len(text) > col.max_length:
            raise CellError(_("不能超过%(n)d个字符。") % {"n": col.max_length})
        return text

    def parse(self, number: int, raw: dict[str, Any]) -> tuple[dict[str, Any], list[RowError]]:
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        for col in self.present:
            cell = raw.get(col.header, "")
            if cell == "" or cell is None:
                if col.required:
                    errors.append(RowError(number, col.header, "", _("此项为必填项。")))
                values[col.field] = self.defaults[col.field]
                continue
            try:
                values[col.field] = self.convert(col, cell)
            except CellError as exc:
                errors.append(RowError(number, col.header, display(col, cell), str(exc)))
        return values, errors

    def error(self, number: int, fieldname: str, raw: dict[str, Any], reason: str) -> RowError:
        col = self.by_field.get(fieldname)
        if col is None:
            return RowError(number, "", "", reason)
        return RowError(number, col.header, display(col, raw.get(col.header, "")), reason)

    # --- place and scope -----------------------------------------------------------------------------------

    def covers(self, code: str) -> bool:
        hit = self._covers.get(code)
        if hit is None:
            hit = self._covers[code] = self.scope.covers_code(code)
        return hit

    def preload_places(self, parsed: Sequence[tuple[int, dict[str, Any], dict[str, Any], list[RowError]]]) -> None:
        grid_codes = {v["grid"] for _n, _r, v, _e in parsed if v.get("grid")} - self.grids.keys()
        if grid_codes:
            found = {g.code: g for g in Grid.objects.current().filter(code__in=grid_codes)}
            for code in grid_codes:
                self.grids[code] = found.get(code)
        building_codes = {v["building"] for _n, _r, v, _e in parsed if v.get("building")} - self.buildings.keys()
        if building_codes:
            found_b = {b.code: b for b in Building.objects.filter(code__in=building_codes).select_related("grid")}
            for code in building_codes:
                self.buildings[code] = found_b.get(code)
        if not self.house_must_exist:
            return
        wanted: set[tuple[int, str]] = set()
        for _n, _r, v, _e in parsed:
            building = self.buildings.get(v.get("building") or "")
            if building is not None and v.get("house_number"):
                wanted.add((building.pk, v["house_number"]))
        wanted -= self.houses.keys()
        if wanted:
            found_h = {
                (h.building_id, h.number): h
                for h in House.objects.filter(building_id__in={b for b, _ in wanted}, number__in={n for _, n in wanted})
            }
            for key in wanted:
                self.houses[key] = found_h.get(key)

    def resolve_place(
        self, number: int, raw: dict[str, Any], values: dict[str, Any], errors: list[RowError]
    ) -> tuple[House | None, Building | None, Grid | None]:
        """The row's house, building and grid; appends errors (unknown code, out of scope) to ``errors``."""
        grid = building = house = None
        bad = False
        if values.get("grid"):
            grid = self.grids.get(values["grid"])
            if grid is None:
                errors.append(self.error(number, "grid", raw, _("网格编码不存在。")))
                bad = True
        if values.get("building"):
            building = self.buildings.get(values["building"])
            if building is None:
                errors.append(self.error(number, "building", raw, _("楼栋编码不存在。")))
                bad = True
            elif grid is not None and building.grid_id != grid.pk:
                errors.append(self.error(number, "building", raw, _("楼栋不在所填网格内。")))
                bad = True
            else:
                grid = building.grid
        if self.house_must_exist and values.get("house_number"):
            if not values.get("building"):
                errors.append(self.error(number, "house_number", raw, _("填写房号时须同时填写楼栋编码。")))
                bad = True
            elif building is not None:
                house = self.houses.get((building.pk, values["house_number"]))
                if house is None:
                    errors.append(self.error(number, "house_number", raw, _("该楼栋下没有此房号。")))
                    bad = True
        if bad:
            return None, None, None
        if grid is None:
            if self.place_required:
                errors.append(self.error(number, "grid", raw, _("请填写网格编码或楼栋编码。")))
            return None, None, None
        if not self.covers(grid.code):
            where = "building" if values.get("building") else "grid"
            errors.append(self.error(number, where, raw, _("不在您的管辖范围内。")))
            return None, None, None
        return house, building, grid

    # --- a chunk -------------------------------------------------------------------------------------------

    def run_chunk(self, rows: Sequence[Row]) -> Outcome:
        """Validate a chunk: parse every row, load what the rows refer to, check each, find duplicates within the
        file and the records they match. Writes nothing."""
        outcome = Outcome(rows=len(rows))
        parsed = []
        for number, raw in rows:
            values, errors = self.parse(number, raw)
            parsed.append((number, raw, values, errors))
        self.preload_places(parsed)
        self.preload(parsed)
        records: list[Record] = []
        for number, raw, values, errors in parsed:
            record = self.prepare(number, raw, values, errors)
            if record is not None:
                record.raw = raw
            if record is not None and record.key:
                first = self.seen.setdefault(record.key, number)
                if first != number:
                    errors.append(self.duplicate_error(number, raw, first))
            if errors:
                outcome.errors.extend(errors)
                outcome.error_rows += 1
            elif record is not None:
                records.append(record)
        matches = self.existing(records)
        for record in records:
            errors = []
            self.match(record, matches.get(record.key), errors)
            if errors:
                outcome.errors.extend(errors)
                outcome.error_rows += 1
            elif record.pk is None:
                outcome.new.append(record)
            else:
                outcome.update.append(record)
        return outcome

    # --- what each kind says -------------------------------------------------------------------------------

    def preload(self, parsed: Sequence[tuple[int, dict[str, Any], dict[str, Any], list[RowError]]]) -> None:
        """Load what this kind's rows refer to beyond places (e.g. households' heads)."""

    def prepare(
        self, number: int, raw: dict[str, Any], values: dict[str, Any], errors: list[RowError]
    ) -> Record | None:
        raise NotImplementedError

    def duplicate_error(self, number: int, raw: dict[str, Any], first: int) -> RowError:
        raise NotImplementedError

    def existing(self, records: list[Record]) -> dict[str, Any]:
        """key → what is registered under it (one query per chunk)."""
        raise NotImplementedError

    def match(self, record: Record, found: Any, errors: list[RowError]) -> None:
        """Set ``record.pk`` when it updates ``found``; refuse what it may not update."""
        if found is None:
            return
        pk, scope_code = found[0], found[1]
        if not self.covers(scope_code):
            errors.append(self.error(record.row, self.key_field, record.raw, self.registered_elsewhere()))
            return
        record.pk = pk

    key_field = ""

    def registered_elsewhere(self) -> str:
        return _("已在其他辖区登记,不在您的管辖范围内。")

    def write(self, outcome: Outcome) -> tuple[int, int]:
        """Create and update the chunk's records (the caller holds the transaction). Returns (created, updated)."""
        raise NotImplementedError

    def update_fields(self, always: Iterable[str]) -> list[str]:
        model_fields = {f.name for f in self.model._meta.concrete_fields}
        fields = [f for f in self.present_fields if f in model_fields]
        return sorted(set(fields) | set(always))


def _place_fields(house: House | None, building: Building | None, grid: Grid | None) -> dict[str, Any]:
    return {"house": house, "building": building, "grid": grid, "scope_code": grid.code if grid is not None else ""}


def _pk(fields: dict[str, Any], name: str) -> Any:
    if f"{name}_id" in fields:
        return fields[f"{name}_id"]
    target = fields.get(name)
    return target.pk if target is not None else None


def keep_place(
    fields: dict[str, Any], present: set[str], *, grid_id: Any, building_id: Any = None, house_id: Any = None
) -> None:
    """On update, a place column the file does not have leaves the registered value alone — as any other absent
    column does — unless the row moves the record out of it: without 楼栋编码 the building stays while the grid
    is the same, without 房号 the house stays while the building (households: the grid) is the same. A blank
    cell in a column the file has still clears the value."""
    if "building" in fields and "building" not in present:
        fields.pop("building")
        fields["building_id"] = building_id if _pk(fields, "grid") == grid_id else None
    if "house" in fields and "house_number" not in present:
        fields.pop("house")
        same = _pk(fields, "building") == building_id if "building_id" in fields or "building" in fields else None
        if same is None:  # a household has no building: the house stays while the grid is the same
            same = _pk(fields, "grid") == grid_id
        fields["house_id"] = house_id if same else None


class PersonImporter(Importer):
    kind = ImportKind.PERSON
    model = Person
    key_field = "id_number"
    FIELDS = PERSON_DATA_FIELDS

    def prepare(
        self, number: int, raw: dict[str, Any], values: dict[str, Any], errors: list[RowError]
    ) -> Record | None:
        failed = {self.by_header[e.column].field for e in errors if e.column in self.by_header}
        data = {k: values[k] for k in self.FIELDS if k in values and k not in failed}
        for optional in ("sex", "birth_date"):
            if not data.get(optional):
                data.pop(optional, None)
        data.setdefault("doc_type", values.get("doc_type") or "ric")
        key = ""
        try:
            cleaned = clean_person(data)
        except ValidationError as exc:
            cleaned = {}
            found = exc.message_dict
            id_failed = "id_number" in failed or "id_number" in found
            for name, messages in found.items():
                if name in failed:
                    continue
                if id_failed and name in ("sex", "birth_date") and not data.get(name):
                    continue  # they would have come from the ID number: its error says it all
                errors.append(self.error(number, name, raw, messages[0]))
        if cleaned.get("id_number") and "id_number" not in failed:
            key = crypto.blind_index("idno", cleaned["id_number"])
        house, building, grid = self.resolve_place(number, raw, values, errors)
        if errors:
            return Record(number, key, {})
        fields = {
            k: cleaned[k]
            for k in self.FIELDS
            if k in cleaned and (k in self.present_fields or k in ("sex", "birth_date", "doc_type"))
        }
        fields.update(_place_fields(house, building, grid))
        fields["id_number_index"] = key
        return Record(number, key, fields)

    def duplicate_error(self, number: int, raw: dict[str, Any], first: int) -> RowError:
        return self.error(number, "id_number", raw, _("与第%(row)d行的证件号码重复。") % {"row": first})

    def existing(self, records: list[Record]) -> dict[str, Any]:
        keys = [r.key for r in records]
        if not keys:
            return {}
        rows = Person.objects.filter(id_number_index__in=keys).values_list(
            "id_number_index", "pk", "scope_code", "grid_id", "building_id", "house_id", "is_active", "left_on"
        )
        return {index: rest for index, *rest in rows}

    def match(self, record: Record, found: Any, errors: list[RowError]) -> None:
        super().match(record, found, errors)
        if record.pk is not None and not found[5]:  # deregistered: a record of the past, not updated
            try:
                refuse_deregistered(Person(is_active=False, left_on=found[6]), "edit")
            except ValidationError as exc:
                errors.append(self.error(record.row, self.key_field, record.raw, exc.messages[0]))
            return
        if record.pk is not None:
            keep_place(record.fields, self.present_fields, grid_id=found[2], building_id=found[3], house_id=found[4])

    def registered_elsewhere(self) -> str:
        return _("该证件号码已在其他辖区登记,不在您的管辖范围内。")

    def write(self, outcome: Outcome) -> tuple[int, int]:
        insert_rows(Person, [r.fields for r in outcome.new])
        fields = self.update_fields(("sex", "birth_date", "house", "building", "grid", "scope_code"))
        update_rows(Person, [(r.pk, r.fields) for r in outcome.update], fields, bump_version=True)
        follow_move([r.pk for r in outcome.update])  # tags and floating registrations follow the people moved
        return len(outcome.new), len(outcome.update)


class HouseholdImporter(Importer):
    kind = ImportKind.HOUSEHOLD
    model = Household
    scope_name = "household"
    key_field = "number"
    place_required = False

    def __init__(self, by: Any, headers: Iterable[str] | None = None) -> None:
        super().__init__(by, headers)
        self.heads: dict[str, tuple[int, str, int | None]] = {}
        self.head_households: dict[int, str] = {}
        self.head_seen: dict[int, int] = {}

    def preload(self, parsed: Sequence[tuple[int, dict[str, Any], dict[str, Any], list[RowError]]]) -> None:
        indexes = {
            crypto.blind_index("idno", normalize("idno", v["head_id_number"]))
            for _n, _r, v, _e in parsed
            if v.get("head_id_number")
        }
        self.heads = {
            index: (pk, scope_code, grid_id)
            for index, pk, scope_code, grid_id in Person.objects.filter(id_number_index__in=indexes).values_list(
                "id_number_index", "pk", "scope_code", "grid_id"
            )
        }
        self.head_households = dict(
            Membership.objects.filter(
                person_id__in=[h[0] for h in self.heads.values()], valid_to__isnull=True
            ).values_list("person_id", "household__number")
        )

    def prepare(
        self, number: int, raw: dict[str, Any], values: dict[str, Any], errors: list[RowError]
    ) -> Record | None:
        key = values.get("number") or ""
        head = None
        if values.get("head_id_number"):
            head = self.heads.get(crypto.blind_index("idno", normalize("idno", values["head_id_number"])))
            if head is None or not self.covers(head[1]):
                errors.append(
                    self.error(
                        number, "head_id_number", raw, _("户主证件号码未登记或不在您的管辖范围内(请先导入人员)。")
                    )
                )
                head = None
        house, _building, grid = self.resolve_place(number, raw, values, errors)
        if head is not None:
            first = self.head_seen.setdefault(head[0], number)
            if first != number:
                errors.append(
                    self.error(number, "head_id_number", raw, _("与第%(row)d行的户主相同。") % {"row": first})
                )
        if errors or head is None:
            return Record(number, key, {})
        fields: dict[str, Any] = {"number": key, "house": house}
        if "kind" in self.present_fields:
            fields["kind"] = values["kind"]
        if grid is not None:
            fields["grid_id"], fields["scope_code"] = grid.pk, grid.code
        else:
            fields["grid_id"], fields["scope_code"] = head[2], head[1]
        return Record(number, key, fields, extra={"head": head[0], "valid_from": values.get("valid_from")})

    def duplicate_error(self, number: int, raw: dict[str, Any], first: int) -> RowError:
        return self.error(number, "number", raw, _("与第%(row)d行的户号重复。") % {"row": first})

    def existing(self, records: list[Record]) -> dict[str, Any]:
        keys = [r.key for r in records]
        if not keys:
            return {}
        found = {
            n: [pk, sc, None, grid_id, house_id, house_grid_id]
            for n, pk, sc, grid_id, house_id, house_grid_id in Household.objects.filter(number__in=keys).values_list(
                "number", "pk", "scope_code", "grid_id", "house_id", "house__building__grid_id"
            )
        }
        for n, person_id in Membership.objects.filter(
            household__number__in=keys, relation=Relation.HEAD, valid_to__isnull=True
        ).values_list("household__number", "person_id"):
            found[n][2] = person_id
        return found

    def registered_elsewhere(self) -> str:
        return _("该户号已在其他辖区登记,不在您的管辖范围内。")

    def match(self, record: Record, found: Any, errors: list[RowError]) -> None:
        super().match(record, found, errors)
        if errors:
            return
        if record.pk is not None:
            keep_place(record.fields, self.present_fields, grid_id=found[5], house_id=found[4])
        head = record.extra["head"]
        current = self.head_households.get(head)
        if found is not None and found[2] is not None and found[2] != head:
            errors.append(
                self.error(
                    record.row, "head_id_number", record.raw, _("户主与已登记的不一致;变更户主请在户的页面办理。")
                )
            )
        elif current is not None and current != record.key:
            errors.append(
                self.error(
                    record.row,
                    "head_id_number",
                    record.raw,
                    _("户主已是另一户(户号 %(n)s)的在册成员。") % {"n": current},
                )
            )

    def write(self, outcome: Outcome) -> tuple[int, int]:
        today = timezone.localdate()
        if outcome.new:
            households = Household.objects.bulk_create([Household(**r.fields) for r in outcome.new])
            Membership.objects.bulk_create(
                [
                    Membership(
                        household_id=h.pk,
                        person_id=r.extra["head"],
                        relation=Relation.HEAD,
                        valid_from=r.extra["valid_from"] or today,
                    )
                    for h, r in zip(households, outcome.new, strict=True)
                ]
            )
        fields = self.update_fields(("house", "grid", "scope_code"))
        update_rows(Household, [(r.pk, r.fields) for r in outcome.update], fields, bump_version=True)
        return len(outcome.new), len(outcome.update)


class HouseImporter(Importer):
    kind = ImportKind.HOUSE
    model = House
    scope_name = "house"
    key_field = "house_number"
    house_must_exist = False

    def prepare(
        self, number: int, raw: dict[str, Any], values: dict[str, Any], errors: list[RowError]
    ) -> Record | None:
        house_number = values.get("house_number") or ""
        key = f"{values.get('building') or ''}\x00{house_number}" if house_number else ""
        _h, building, _g = self.resolve_place(number, raw, values, errors)
        if errors or building is None:
            return Record(number, key, {})
        fields: dict[str, Any] = {"building": building, "number": house_number}
        for name in ("floor", "area_m2"):
            if name in self.present_fields:
                fields[name] = values[name]
        return Record(number, key, fields)

    def duplicate_error(self, number: int, raw: dict[str, Any], first: int) -> RowError:
        return self.error(number, "house_number", raw, _("与第%(row)d行的楼栋和房号重复。") % {"row": first})

    def existing(self, records: list[Record]) -> dict[str, Any]:
        if not records:
            return {}
        buildings = {r.fields["building"].pk: r.fields["building"] for r in records}
        numbers = {r.fields["number"] for r in records}
        return {
            f"{buildings[b].code}\x00{n}": (pk, buildings[b].grid.code)
            for pk, b, n in House.objects.filter(building_id__in=buildings, number__in=numbers).values_list(
                "pk", "building_id", "number"
            )
        }

    def write(self, outcome: Outcome) -> tuple[int, int]:
        insert_rows(House, [r.fields for r in outcome.new])
        fields = [f for f in ("floor", "area_m2") if f in self.present_fields]
        if fields:
            update_rows(House, [(r.pk, r.fields) for r in outcome.update], fields, bump_version=False)
        return len(outcome.new), len(outcome.update)


class OrganisationImporter(Importer):
    kind = ImportKind.ORGANISATION
    model = Organisation
    scope_name = "organisation"
    key_field = "uscc"
    FIELDS = (
        "kind",
        "venue_kind",
        "name",
        "uscc",
        "legal_representative",
        "contact_phone",
        "address",
        "employees",
        "fire_safety",
    )

    def prepare(
        self, number: int, raw: dict[str, Any], values: dict[str, Any], errors: list[RowError]
    ) -> Record | None:
        failed = {self.by_header[e.column].field for e in errors if e.column in self.by_header}
        data = {k: values[k] for k in self.FIELDS if k in values and k not in failed}
        cleaned: dict[str, Any] = {}
        try:
            cleaned = clean_organisation(data)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name not in failed:
                    errors.append(self.error(number, name, raw, messages[0]))
        _h, building, grid = self.resolve_place(number, raw, values, errors)
        uscc = cleaned.get("uscc") or ""
        if uscc:
            key = f"u:{uscc}"
        elif cleaned.get("name") and grid is not None:
            key = f"n:{grid.code}:{cleaned['name']}"
        else:
            key = ""
        if errors or grid is None:
            return Record(number, key, {})
        fields = {k: cleaned[k] for k in self.FIELDS if k in cleaned and k in self.present_fields}
        if cleaned.get("kind") != OrganisationKind.SMALL_VENUE:
            fields["venue_kind"] = ""
        fields.update(building=building, grid=grid, scope_code=grid.code)
        if building is not None:
            fields.update(lon=building.lon, lat=building.lat)
        return Record(number, key, fields)

    def duplicate_error(self, number: int, raw: dict[str, Any], first: int) -> RowError:
        if raw.get("统一社会信用代码"):
            return self.error(number, "uscc", raw, _("与第%(row)d行的统一社会信用代码重复。") % {"row": first})
        return self.error(number, "name", raw, _("与第%(row)d行的名称和网格重复。") % {"row": first})

    def existing(self, records: list[Record]) -> dict[str, Any]:
        codes = [r.key[2:] for r in records if r.key.startswith("u:")]
        names = {r.fields["name"] for r in records if r.key.startswith("n:")}
        found: dict[str, Any] = {}
        if codes:
            for uscc, *rest in Organisation.objects.filter(uscc__in=codes).values_list(
                "uscc", "pk", "scope_code", "grid_id", "building_id"
            ):
                found[f"u:{uscc}"] = rest
        if names:
            grids = {r.fields["scope_code"] for r in records if r.key.startswith("n:")}
            for name, *rest in Organisation.objects.filter(uscc="", name__in=names, scope_code__in=grids).values_list(
                "name", "pk", "scope_code", "grid_id", "building_id"
            ):
                found.setdefault(f"n:{rest[1]}:{name}", rest)
        return found

    def match(self, record: Record, found: Any, errors: list[RowError]) -> None:
        super().match(record, found, errors)
        if record.pk is not None:
            keep_place(record.fields, self.present_fields, grid_id=found[2], building_id=found[3])

    def registered_elsewhere(self) -> str:
        return _("该统一社会信用代码已在其他辖区登记,不在您的管辖范围内。")

    def write(self, outcome: Outcome) -> tuple[int, int]:
        insert_rows(Organisation, [r.fields for r in outcome.new])
        fields = self.update_fields(("building", "grid", "scope_code", "venue_kind"))
        # Rows without a building keep their coordinates; rows with one take the building's.
        with_point = [(r.pk, r.fields) for r in outcome.update if "lon" in r.fields]
        without = [(r.pk, r.fields) for r in outcome.update if "lon" not in r.fields]
        update_rows(Organisation, with_point, [*fields, "lon", "lat"], bump_version=True)
        update_rows(Organisation, without, fields, bump_version=True)
        return len(outcome.new), len(outcome.update)


IMPORTERS: dict[str, type[Importer]] = {
    ImportKind.PERSON: PersonImporter,
    ImportKind.HOUSEHOLD: HouseholdImporter,
    ImportKind.HOUSE: HouseImporter,
    ImportKind.ORGANISATION: OrganisationImporter,
}


def importer_for(kind: str, by: Any, headers: Iterable[str] | None = None) -> Importer:
    """The importer of ``kind`` for user ``by``; ``headers``: the file's header row (None: every column)."""
    return IMPORTERS[kind](by, headers)


__all__ = [
    "HOUSE_NUMBER",
    "IMPORTERS",
    "OUT_OF_SCOPE",
    "Importer",
    "Outcome",
    "Record",
    "RowError",
    "importer_for",
]
