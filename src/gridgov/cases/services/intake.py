"""Intake: a report becomes a case (idempotent on the client's UUID), with duplicate suggestions; merging
duplicates and "me too"."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.scope import roles_of
from gridgov.core.crs import to_wgs84
from gridgov.territory.locator import get_locator
from gridgov.territory.models import Grid
from gridgov.units.models import Tier

from ..models import Case, CaseEvent, CaseSequence, MeToo, Source, Urgency
from ..photos import CheckedPhoto
from ..selectors import possible_duplicates
from ..workflow import OPEN_STATUSES, Status, TransitionNotAllowed
from .base import IdempotencyConflict, begin, checked_photos, finish, save_photos, set_stage_deadline, tell_users

#: Fields compared when a client UUID comes back (the order is the order of the conflict message).
CONTENT_FIELDS = ("source", "category", "lon", "lat", "description", "address", "urgency", "photos")


@dataclass
class IntakeResult:
    case: Case
    created: bool
    #: (case, metres) of open cases of the same category nearby, for "is this the same as …?"
    duplicates: list[tuple[Case, float]] = field(default_factory=list)


def _content(
    source: str,
    category_id: int,
    lon: float,
    lat: float,
    description: str,
    address: str,
    urgency: str,
    photos: list[str],
) -> dict[str, Any]:
    return {
        "source": source,
        "category": category_id,
        "lon": round(lon, 7),
        "lat": round(lat, 7),
        "description": description,
        "address": address,
        "urgency": urgency,
        "photos": sorted(photos),
    }


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _stored_content(case: Case) -> dict[str, Any]:
    photos = list(case.attachments.filter(event__action="report").values_list("sha256", flat=True))
    return _content(
        case.source, case.category_id, case.lon, case.lat, case.description, case.address, case.urgency, photos
    )


def _check_replay(existing: Case, content: dict[str, Any], by: Any) -> None:
    if existing.reporter_id != by.pk:
        # Another user's report: never answered as a replay (that would hand over their case), and nothing of its
        # content is compared or named.
        conflict = IdempotencyConflict(["client_uuid"], existing)
        conflict.message = str(_("该客户端编号已被使用。"))
        raise conflict
    if existing.content_hash == content_hash(content):
        return
    stored = _stored_content(existing)
    differing = [name for name in CONTENT_FIELDS if stored[name] != content[name]]
    raise IdempotencyConflict(differing or ["content"], existing)


def next_number(now: Any) -> str:
    """Year (Asia/Shanghai) + a 7-digit sequence, e.g. 20260000042.

    One statement takes the number: an upsert that creates the year's counter at 1 or adds one to it, and returns
    the new value (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, PostgreSQL ≥ 9.5 and SQLite ≥ 3.35). The
    counter row is locked by the write until the caller's transaction ends, so two reports never share a number
    and a rolled back report gives its number back; on SQLite writers are serialised by the database lock."""
    return take_numbers(now, 1)[0]


def take_numbers(now: Any, count: int) -> list[str]:
    """``count`` consecutive case numbers of ``now``'s year, in one statement (see :func:`next_number`); bulk
    writers (the demo's history) take their block here so that the services' numbers never collide with theirs."""
    if count < 1:
        return []
    year = timezone.localtime(now).year
    q = connection.ops.quote_name
    table, year_column, last = q(CaseSequence._meta.db_table), q("year"), q("last")
    sql = (
        f"INSERT INTO {table} ({year_column}, {last}) VALUES (%s, %s) "
        f"ON CONFLICT ({year_column}) DO UPDATE SET {last} = {table}.{last} + %s RETURNING {last}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [year, count, count])
        row = cursor.fetchone()
    top = int(row[0])
    return [f"{year}{n:07d}" for n in range(top - count + 1, top + 1)]


#: (territory token, {grid code: grid id}) — the current grids' ids, rebuilt when the territory moves.
_grid_ids: tuple[object, dict[str, int]] | None = None
_grid_ids_lock = threading.Lock()


def _grid_id(locator: Any, code: str) -> int | None:
    """The id of the current grid with ``code``, from a per-process map kept with the locator's token (any write
    to a grid moves it), rather than one query per report."""
    global _grid_ids
    current = _grid_ids
    if current is None or current[0] != locator.token:
        with _grid_ids_lock:
            current = _grid_ids
            if current is None or current[0] != locator.token:
                current = (locator.token, dict(Grid.objects.current().values_list("code", "pk")))
                _grid_ids = current
    return current[1].get(code)


def report_case(
    *,
    by: Any,
    source: str,
    category: Any,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    description: str,
    address: str = "",
    urgency: str = Urgency.NORMAL,
    client_uuid: uuid.UUID | str | None = None,
    photos: Sequence[Any] = (),
) -> IntakeResult:
    """上报: locate the point (outside every grid is refused), number the case, start the acceptance clock, write
    the first timeline row and the photos; tell the community centre. The same ``client_uuid`` with the same
    content returns the first case (``created=False``); with different content, :class:`IdempotencyConflict`."""
    if by is None or not by.is_authenticated or not (by.is_superuser or roles_of(by)):
        raise TransitionNotAllowed(_("您没有上报案件的角色。"), action="report", rule="role")
    if source not in Source.values:
        raise ValidationError({"source": _("来源无效。")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("紧急程度无效。")})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("请填写案件描述。")})
    if not category.is_active:
        raise ValidationError({"category": _("该事项类别已停用。")})
    checked: list[CheckedPhoto] = checked_photos(photos)
    wlon, wlat = to_wgs84(float(lon), float(lat), crs)
    client = uuid.UUID(str(client_uuid)) if client_uuid else None
    content = _content(
        source, category.pk, wlon, wlat, description, address.strip(), urgency, [p.original_sha256 for p in checked]
    )
    if client is not None:
        existing = Case.objects.filter(client_uuid=client).first()
        if existing is not None:
            _check_replay(existing, content, by)
            return IntakeResult(existing, False)
    locator = get_locator()
    location = locator.locate(wlon, wlat)
    if location is None or location.grid_code is None:
        raise ValidationError({"location": _("不在任何网格内")})
    grid_id = _grid_id(locator, location.grid_code)
    duplicates = possible_duplicates(category, wlon, wlat)
    try:
        with transaction.atomic():
            case = _create(by, source, category, content, location, grid_id, client, checked)
    except IntegrityError:
        # Another request with the same client UUID won the race: answer as the replay it is.
        existing = Case.objects.filter(client_uuid=client).first() if client else None
        if existing is None:
            raise
        _check_replay(existing, content, by)
        return IntakeResult(existing, False)
    return IntakeResult(case, True, duplicates)


def _create(
    by: Any,
    source: str,
    category: Any,
    content: dict[str, Any],
    location: Any,
    grid_id: int | None,
    client: uuid.UUID | None,
    photos: list[CheckedPhoto],
) -> Case:
    from .transitions import centre_users

    now = timezone.now()
    case = Case(
        number=next_number(now),
        source=source,
        category=category,
        lon=content["lon"],
        lat=content["lat"],
        grid_id=grid_id,
        grid_code=location.grid_code,
        community_code=location.community_code or "",
        subdistrict_code=location.subdistrict_code or "",
        district_code=location.district_code or "",
        address=content["address"],
        description=content["description"],
        reporter=by,
        urgency=content["urgency"],
        current_tier=Tier.COMMUNITY if category.default_tier == Tier.GRID else category.default_tier,
        status=Status.REPORTED,
        client_uuid=client,
        content_hash=content_hash(content),
    )
    set_stage_deadline(case, now)
    case.save()
    event = CaseEvent.objects.create(
        case=case, actor=by, at=now, action="report", to_status=Status.REPORTED, data={"source": source}
    )
    save_photos(case, event, photos, by=by)
    text = _("新上报案件 %(n)s:%(c)s") % {"n": case.number, "c": category.name}
    tell_users(centre_users(case, case.current_tier), case, verb="case_reported", text=text)
    return case


@transaction.atomic
def merge_duplicate(case: Case, *, into: Case, by: Any, note: str = "") -> Case:
    """合并: ``case`` repeats ``into``; it leaves the loop and its reporter is told where to follow it."""
    if into.pk == case.pk:
        raise TransitionNotAllowed(_("不能把案件合并到它自己。"), action="merge", rule="self")
    target = Case.objects.visible_to(by, "view").filter(pk=into.pk).first()
    if target is None:
        raise Case.DoesNotExist
    if not target.is_open or target.duplicate_of_id is not None:
        raise TransitionNotAllowed(_("只能合并到未结案的案件。"), action="merge", rule="target_open")
    step = begin(case, by=by, action="merge")
    c = step.case
    c.duplicate_of = target
    finish(step, note=note, data={"into": target.pk, "into_number": target.number})
    Case.objects.filter(pk=target.pk).update(me_too_count=F("me_too_count") + 1)
    text = _("您上报的案件 %(n)s 与案件 %(m)s 重复,已合并办理。") % {"n": c.number, "m": target.number}
    tell_users([c.reporter], c, verb="case_merged", text=text)
    return c


def me_too(case: Case, *, by: Any) -> bool:
    """附议: "me too" on an open case; counted once per user. Returns whether it counted."""
    if by is None or not by.is_authenticated:
        raise TransitionNotAllowed(_("请先登录。"), action="me_too", rule="role")
    with transaction.atomic():
        if not Case.objects.filter(pk=case.pk, status__in=sorted(OPEN_STATUSES)).exists():
            raise TransitionNotAllowed(_("只能附议未结案的案件。"), action="me_too", rule="open")
        try:
            with transaction.atomic():
                MeToo.objects.create(case_id=case.pk, user=by)
        except IntegrityError:
            return False
        Case.objects.filter(pk=case.pk).update(me_too_count=F("me_too_count") + 1)
        CaseEvent.objects.create(case_id=case.pk, actor=by, at=timezone.now(), action="me_too")
    case.me_too_count += 1
    return True
