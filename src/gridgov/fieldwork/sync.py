"""The record dispatcher of the phone app's sync (docs/fieldwork-sync.md, DESIGN rule 5).

Each record of a batch is handled on its own, in order, and answers with its own status:

- the envelope is checked (uuid, kind, ``made_at`` with a UTC offset and not in the future beyond
  ``FIELDWORK_CLOCK_SKEW_S``): 400 otherwise (``code: "clock_ahead"`` for the time ahead);
- a UUID already in the ledger (:class:`~gridgov.fieldwork.models.ClientRecord`) answers 200 with the stored result
  when user, kind and content are the same (a replay), 409 with the differing fields when not;
- a new record made more than ``FIELDWORK_MAX_OFFLINE_DAYS`` ago is a 400 on ``made_at`` (``code: "too_old"``);
- otherwise, in one transaction (a savepoint when the caller holds one), the ledger row is inserted first (it
  reserves the UUID: a concurrent send of the same record waits for this transaction, then answers as a replay),
  the kind's service runs and the row is completed with what the record became: 201. A ``ValidationError`` is a
  400 with field errors, ``PermissionDenied`` (or the case loop's refusal) a 403, "does not exist" (out of scope
  included) a 404, a stale person or rental edit a 409 with the conflicting fields and the server's version.

One bad record never stops the batch: its transaction is rolled back and the next record goes on.

The ledger keeps each record's content for the 409 comparison; values of the protected personal fields in a person
edit (ID number, phone, addresses) are kept as keyed hashes, never in plain text (DESIGN rule 4).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DRFValidationError

from gridgov.core import crypto
from gridgov.core.crs import CRS, to_wgs84

from . import services
from .api import sync_serializers as ss
from .models import ClientRecord, RecordKind
from .track import Point

log = logging.getLogger(__name__)

#: The ``code`` of a 400 on ``made_at`` (docs/fieldwork-sync.md): ahead of the server's clock, or too old.
CLOCK_AHEAD = "clock_ahead"
TOO_OLD = "too_old"


@dataclass
class Outcome:
    """The answer for one record (one element of the response's ``results``)."""

    uuid: str | None
    status: int
    result: dict[str, Any] | None = None
    fields: list[str] | None = None
    message: str | None = None
    errors: dict[str, Any] | None = None
    current_version: int | None = None
    #: Why a refusal the app treats apart (its message is for the worker, this for the app): ``clock_ahead`` a
    #: ``made_at`` ahead of the server's clock (the phone's clock is fast: may pass later, or re-dated),
    #: ``too_old`` one older than ``FIELDWORK_MAX_OFFLINE_DAYS`` (can only be discarded).
    code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"uuid": self.uuid, "status": self.status}
        for name in ("result", "fields", "message", "errors", "current_version", "code"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


@dataclass
class Record:
    uuid: uuid.UUID
    kind: str
    made_at: dt.datetime
    data: dict[str, Any]
    photos: list[str] = field(default_factory=list)


class _Refused(Exception):
    """A record answered without reaching a service (envelope errors, unknown references)."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        super().__init__(outcome.status)


# --- the batch -----------------------------------------------------------------------------------------------


def handle_batch(user: Any, records: Sequence[Any]) -> list[dict[str, Any]]:
    """Handle every record in order; the answers are in the same order."""
    return [handle_record(user, raw).as_dict() for raw in records]


def handle_record(user: Any, raw: Any) -> Outcome:
    try:
        record = parse_envelope(raw)
    except _Refused as exc:
        return exc.outcome
    key = str(record.uuid)
    content = ledger_content(record)
    digest = content_hash(content)
    existing = _ledger_row(record.uuid)
    if existing is not None:
        return _replay(user, existing, record, content, digest)
    too_old = _too_old(key, record)
    if too_old is not None:
        return too_old
    try:
        with transaction.atomic():
            # The UUID is reserved first: a second send of the same record arriving meanwhile (two tabs, a retry
            # racing the first send) waits on this row's key until this transaction ends, then finds it taken and
            # answers as a replay instead of running the kind's service a second time.
            ledger = ClientRecord.objects.create(
                uuid=record.uuid,
                kind=record.kind,
                user=user,
                content=content,
                content_hash=digest,
                made_at=record.made_at,
                photos_expected=record.photos,
            )
            try:
                result = HANDLERS[record.kind](user, record)
            except IntegrityError as exc:
                raise _HandlerIntegrityError from exc  # the service's own conflict, not the reservation
            ledger.result = encode_result(result)
            ledger.save(update_fields=["result"])
    except IntegrityError as exc:
        existing = _ledger_row(record.uuid)
        if existing is None:
            return _refusal(key, exc)
        return _replay(user, existing, record, content, digest)
    except _HandlerIntegrityError as exc:
        return _refusal(key, exc.__cause__ if isinstance(exc.__cause__, Exception) else exc)
    except Exception as exc:  # one bad record never stops the batch
        return _refusal(key, exc)
    return Outcome(key, 201, result=result)


class _HandlerIntegrityError(Exception):
    """An ``IntegrityError`` raised by a kind's service (told apart from the ledger row's own key)."""


def _too_old(key: str, record: Record) -> Outcome | None:
    """A new record made longer ago than ``FIELDWORK_MAX_OFFLINE_DAYS`` would change closed periods (a month's
    figures already reported): refused. A replay of one accepted in time is still a replay (checked before)."""
    days = settings.FIELDWORK_MAX_OFFLINE_DAYS
    if record.made_at >= timezone.now() - dt.timedelta(days=days):
        return None
    message = ngettext(
        "记录时间距今已超过 %(n)s 天(离线记录最长保留 %(n)s 天),服务器不再接收。请核对手机时间;确需补录请联系网格长。",
        "记录时间距今已超过 %(n)s 天(离线记录最长保留 %(n)s 天),服务器不再接收。请核对手机时间;确需补录请联系网格长。",
        days,
    )
    return Outcome(key, 400, errors={"made_at": [message % {"n": days}]}, code=TOO_OLD)


def _ledger_row(pk: uuid.UUID) -> ClientRecord | None:
    return ClientRecord.objects.filter(pk=pk).first()


def _replay(user: Any, existing: ClientRecord, record: Record, content: dict[str, Any], digest: str) -> Outcome:
    key = str(record.uuid)
    if existing.user_id != user.pk:
        # Someone else's record: say nothing of its content.
        return Outcome(key, 409, fields=["uuid"], message=_("该记录编号已被使用。"))
    if existing.kind == record.kind and existing.content_hash == digest:
        return Outcome(key, 200, result=decode_result(existing.result))
    differing = differing_fields(existing.kind, existing.content, record.kind, content)
    return Outcome(
        key,
        409,
        fields=differing,
        message=_("同一记录编号已用于内容不同的记录:%(f)s。") % {"f": ", ".join(differing)},
    )


def _refusal(key: str, exc: Exception) -> Outcome:
    from gridgov.cases.services import IdempotencyConflict, TransitionNotAllowed
    from gridgov.matters.services import NotAdmissible
    from gridgov.registry.services import StaleEdit

    if isinstance(exc, _Refused):
        return exc.outcome
    if isinstance(exc, StaleEdit):
        return Outcome(key, 409, fields=exc.fields, message=str(exc.message), current_version=exc.current_version)
    if isinstance(exc, IdempotencyConflict):
        return Outcome(key, 409, fields=exc.fields, message=str(exc.message))
    if isinstance(exc, NotAdmissible):
        return Outcome(key, 403, message=" ".join(exc.messages), errors=_errors(exc))
    if isinstance(exc, DjangoValidationError | DRFValidationError):
        return Outcome(key, 400, errors=_errors(exc))
    if isinstance(exc, PermissionDenied):
        return Outcome(key, 403, message=str(exc) or _("您没有权限进行此操作。"))
    if isinstance(exc, TransitionNotAllowed):
        return Outcome(key, 403, message=str(exc.message))
    if isinstance(exc, ObjectDoesNotExist | Http404):
        return Outcome(key, 404, message=_("记录所指的对象不存在或不在您的权限范围内。"))
    # A bug, not the record's fault: logged, answered for this record alone (the phone keeps it and retries).
    log.exception("sync record %s failed", key)
    return Outcome(key, 500, message=_("服务器处理该记录时出错,请稍后重试。"))


def _errors(exc: DjangoValidationError | DRFValidationError) -> dict[str, Any]:
    if isinstance(exc, DRFValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            return {k: _strings(v) for k, v in detail.items()}
        return {"non_field_errors": _strings(detail)}
    if hasattr(exc, "error_dict"):
        return {("non_field_errors" if k == NON_FIELD_ERRORS else k): v for k, v in exc.message_dict.items()}
    return {"non_field_errors": exc.messages}


def _strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v) for v in value]
    return str(value)


# --- the envelope and the ledger's content -------------------------------------------------------------------


def parse_envelope(raw: Any) -> Record:
    key = str(raw.get("uuid")) if isinstance(raw, dict) and raw.get("uuid") is not None else None
    if not isinstance(raw, dict):
        raise _Refused(Outcome(None, 400, errors={"non_field_errors": [_("每条记录应为一个 JSON 对象。")]}))
    s = ss.RecordSerializer(data=raw)
    if not s.is_valid():
        raise _Refused(Outcome(key, 400, errors=_strings(dict(s.errors))))
    v = s.validated_data
    made_at = parse_datetime(v["made_at"])
    if made_at is None or made_at.tzinfo is None:
        raise _Refused(Outcome(key, 400, errors={"made_at": [_("时间格式应为带时区偏移的 ISO 8601。")]}))
    skew = settings.FIELDWORK_CLOCK_SKEW_S
    if made_at > timezone.now() + dt.timedelta(seconds=skew):
        message = _("记录时间晚于服务器当前时间,请校准手机时间。")
        raise _Refused(Outcome(key, 400, errors={"made_at": [message]}, code=CLOCK_AHEAD))
    photos = [str(p) for p in v["photos"]]
    if len(photos) > ss.MAX_PHOTOS or len(set(photos)) != len(photos):
        raise _Refused(Outcome(key, 400, errors={"photos": [_("每条记录最多 9 张照片,编号不能重复。")]}))
    return Record(v["uuid"], v["kind"], made_at, dict(v["data"]), sorted(photos))


def _protected_fields() -> tuple[str, ...]:
    from gridgov.registry.services import PROTECTED_FIELDS

    return tuple(PROTECTED_FIELDS)


def _keyed(name: str, value: Any) -> str:
    mac = hmac.new(crypto.keyring().blind_key, f"sync:{name}:{value}".encode(), hashlib.sha256)
    return "hmac:" + mac.hexdigest()[:32]


def ledger_content(record: Record) -> dict[str, Any]:
    """What the ledger keeps of a record: the data (protected personal values as keyed hashes), the phone's time
    and the announced photos."""
    data = dict(record.data)
    if record.kind == RecordKind.PERSON_EDIT:
        for part in ("changes", "base"):
            values = data.get(part)
            if isinstance(values, dict):
                data[part] = {
                    k: (_keyed(k, v) if k in _protected_fields() and v not in (None, "") else v)
                    for k, v in values.items()
                }
    return {"data": data, "made_at": record.made_at.isoformat(), "photos": record.photos}


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def differing_fields(kind_a: str, a: dict[str, Any], kind_b: str, b: dict[str, Any]) -> list[str]:
    """The top-level keys of ``data`` that differ, plus ``kind``, ``made_at`` and ``photos`` when they do."""
    out = ["kind"] if kind_a != kind_b else []
    data_a, data_b = a.get("data", {}), b.get("data", {})
    out += sorted(k for k in set(data_a) | set(data_b) if data_a.get(k) != data_b.get(k))
    out += [k for k in ("made_at", "photos") if a.get(k) != b.get(k)]
    return out or ["content"]


# --- results -------------------------------------------------------------------------------------------------


def encode_result(result: dict[str, Any]) -> str:
    """``type:id`` (``case:id:number``, ``person:id:version``, ``rental:id:version``) — what the record became,
    kept in the ledger."""
    extra = result.get("number", result.get("version"))
    parts = [result["type"], str(result["id"])] + ([str(extra)] if extra is not None else [])
    return ":".join(parts)


def decode_result(text: str) -> dict[str, Any]:
    kind, _sep, rest = text.partition(":")
    ident, _sep, extra = rest.partition(":")
    out: dict[str, Any] = {"type": kind, "id": int(ident) if ident.isdigit() else ident}
    if kind == "case" and extra:
        out["number"] = extra
    elif kind in ("person", "rental") and extra:
        out["version"] = int(extra)
    return out


def record_target(record: ClientRecord) -> dict[str, Any]:
    return decode_result(record.result)


# --- the kinds -----------------------------------------------------------------------------------------------


def _valid(serializer_class: type[serializers.Serializer[Any]], data: dict[str, Any], user: Any = None) -> Any:
    s = serializer_class(data=data, context={"request": _RequestLike(user)})
    s.is_valid(raise_exception=True)
    return s.validated_data


@dataclass
class _RequestLike:
    """Enough of a request for serializers that look up related objects as the user may see them."""

    user: Any


def _parse_time(value: Any, name: str) -> dt.datetime:
    at = parse_datetime(str(value)) if value is not None else None
    if at is None or at.tzinfo is None:
        raise DjangoValidationError({name: _("时间格式应为带时区偏移的 ISO 8601。")})
    return at


def _patrol_start(user: Any, r: Record) -> dict[str, Any]:
    d = _valid(ss.PatrolStartData, r.data)
    patrol = services.start_patrol(by=user, patrol_id=d["patrol"], started_at=r.made_at, grid_code=d["grid"] or None)
    return {"type": "patrol", "id": str(patrol.pk)}


def _track(user: Any, r: Record) -> dict[str, Any]:
    d = _valid(ss.TrackData, r.data)
    crs: CRS = d["crs"]
    points = []
    for raw in d["points"]:
        try:
            t = _parse_time(raw[0], "points")
            lon, lat = float(raw[1]), float(raw[2])
            accuracy = float(raw[3]) if len(raw) > 3 and raw[3] is not None else None
        except (TypeError, ValueError) as exc:
            raise DjangoValidationError({"points": _("轨迹点应为 [时间, 经度, 纬度, 精度]。")}) from exc
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise DjangoValidationError({"points": _("轨迹点坐标无效。")})
        if crs != CRS.WGS84:
            lon, lat = to_wgs84(lon, lat, crs)
        points.append(Point(t, lon, lat, accuracy))
    patrol = services.add_points(by=user, patrol_id=d["patrol"], points=points)
    return {"type": "patrol", "id": str(patrol.pk)}


def _patrol_stop(user: Any, r: Record) -> dict[str, Any]:
    d = _valid(ss.PatrolRefData, r.data)
    patrol = services.stop_patrol(by=user, patrol_id=d["patrol"], ended_at=r.made_at)
    return {"type": "patrol", "id": str(patrol.pk)}


def _checkin(user: Any, r: Record) -> dict[str, Any]:
    d = _valid(ss.CheckInData, r.data)
    lon, lat = d["lon"], d["lat"]
    if (lon is None) != (lat is None):
        raise DjangoValidationError({"lon": _("经度和纬度应同时提供。")})
    if lon is not None and d["crs"] != CRS.WGS84:
        lon, lat = to_wgs84(lon, lat, d["crs"])
    checkin = services.check_in(
        by=user,
        checkin_id=r.uuid,
        building_code=d["building"],
        made_at=r.made_at,
        lon=lon,
        lat=lat,
        patrol_id=d["patrol"],
        note=d["note"],
    )
    return {"type": "checkin", "id": str(checkin.pk)}


def _visit(user: Any, r: Record) -> dict[str, Any]:
    from gridgov.registry.models import Household, Person, PersonTag

    d = _valid(ss.VisitData, r.data)
    person = Person.objects.visible_to(user, "view").get(pk=d["person"]) if d["person"] else None
    household = Household.objects.visible_to(user, "view").get(pk=d["household"]) if d["household"] else None
    tag = PersonTag.objects.visible_to(user, "view").select_related("person").get(pk=d["tag"]) if d["tag"] else None
    visit = services.record_visit(
        by=user,
        visit_id=r.uuid,
        made_at=r.made_at,
        situation=d["situation"],
        person=person,
        household=household,
        tag=tag,
        needs=d["needs"],
        next_visit_on=d["next_visit_on"],
    )
    return {"type": "visit", "id": str(visit.pk)}


def _case_report(user: Any, r: Record) -> dict[str, Any]:
    from gridgov.cases.api.serializers import CaseCreateSerializer
    from gridgov.cases.models import Source
    from gridgov.cases.services import IdempotencyConflict, report_case

    data = {k: v for k, v in r.data.items() if k not in ("photos", "client_uuid")}
    data.setdefault("source", Source.PATROL)
    d = _valid(CaseCreateSerializer, data, user)
    try:
        result = report_case(
            by=user,
            source=d["source"],
            category=d["category"],
            lon=d["lon"],
            lat=d["lat"],
            crs=d["crs"],
            description=d["description"],
            address=d["address"],
            urgency=d["urgency"],
            client_uuid=r.uuid,
        )
    except IdempotencyConflict as exc:
        if exc.fields == ["client_uuid"]:  # another user's case holds this UUID: as any UUID of theirs
            raise _Refused(Outcome(str(r.uuid), 409, fields=["uuid"], message=_("该记录编号已被使用。"))) from exc
        raise
    return {"type": "case", "id": result.case.pk, "number": result.case.number}


def _task_report(user: Any, r: Record) -> dict[str, Any]:
    from .models import Task

    d = _valid(ss.TaskReportData, r.data)
    task = Task.objects.visible_to(user, "view").get(pk=d["task"])
    task = services.report_task(by=user, task=task, report=d["report"], reported_at=r.made_at, record=r.uuid)
    return {"type": "task", "id": task.pk}


def _person_edit(user: Any, r: Record) -> dict[str, Any]:
    from gridgov.registry.api.serializers import PersonWriteSerializer
    from gridgov.registry.models import Person
    from gridgov.registry.services import update_person

    d = _valid(ss.PersonEditData, r.data)
    person = Person.objects.visible_to(user, "view").get(pk=d["person"])
    s = PersonWriteSerializer(data=d["changes"], partial=True, context={"request": _RequestLike(user)})
    if not s.is_valid():
        raise DRFValidationError({"changes": s.errors})
    unknown = sorted(set(d["changes"]) - set(s.fields))
    if unknown:
        raise DjangoValidationError({"changes": _("不能修改的字段:%(f)s。") % {"f": ", ".join(unknown)}})
    person = update_person(
        by=user, person=person, changes=dict(s.validated_data), expected_version=d["version"], base=d["base"]
    )
    return {"type": "person", "id": person.pk, "version": person.version}


def _rental_edit(user: Any, r: Record) -> dict[str, Any]:
    from gridgov.registry.models import RentalHouse
    from gridgov.registry.services import update_rental

    d = _valid(ss.RentalEditData, r.data)
    rental = RentalHouse.objects.visible_to(user, "view").get(pk=d["rental"])
    rental = update_rental(by=user, rental=rental, changes=d["changes"], expected_version=d["version"], base=d["base"])
    return {"type": "rental", "id": rental.pk, "version": rental.version}


HANDLERS: dict[str, Callable[[Any, Record], dict[str, Any]]] = {
    RecordKind.PATROL_START: _patrol_start,
    RecordKind.TRACK: _track,
    RecordKind.PATROL_STOP: _patrol_stop,
    RecordKind.CHECKIN: _checkin,
    RecordKind.VISIT: _visit,
    RecordKind.CASE_REPORT: _case_report,
    RecordKind.TASK_REPORT: _task_report,
    RecordKind.PERSON_EDIT: _person_edit,
    RecordKind.RENTAL_EDIT: _rental_edit,
}
