"""Writes to the matter list: proposing, reviewing and publishing changes, and the admission check.

Every change goes propose → approve (or reject) → publish on its effective date; publishing applies the fields
and writes a :class:`~gridgov.matters.models.MatterVersion`, in one transaction per change, so the history of
each category is complete and ``category_as_of`` can answer for any past date.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.scope import scope_for

from .models import (
    ChangeStatus,
    LimitUnit,
    MatterCategory,
    MatterChange,
    MatterKind,
    MatterVersion,
    local_today,
)

log = logging.getLogger(__name__)

#: Fields a change may set. ``code`` only for a new category; ``parent`` is given as the major category's code.
PROPOSABLE_FIELDS = (
    "code",
    "name",
    "parent",
    "kind",
    "owner_unit_kind",
    "default_tier",
    "grid_assignable",
    "self_settle_allowed",
    "accept_limit",
    "accept_limit_unit",
    "sign_limit",
    "sign_limit_unit",
    "handle_limit",
    "handle_limit_unit",
    "verify_limit",
    "verify_limit_unit",
    "is_active",
    "is_temporary",
    "ends_on",
)

#: Fields kept in a version snapshot.
SNAPSHOT_FIELDS = (*PROPOSABLE_FIELDS, "approved_by", "published_on")


class NotAdmissible(ValidationError):
    """A matter that may not be assigned to a grid worker (not on the list, not in force, or not admissible)."""


# --- reading ---------------------------------------------------------------------------------------------


def _as_date(at: datetime.date | datetime.datetime | None) -> datetime.date:
    if at is None:
        return local_today()
    if isinstance(at, datetime.datetime):
        return timezone.localdate(at) if timezone.is_aware(at) else at.date()
    return at


def snapshot(category: MatterCategory) -> dict[str, Any]:
    """The category's listed fields as JSON-ready values."""
    data: dict[str, Any] = {}
    for name in SNAPSHOT_FIELDS:
        if name == "parent":
            data[name] = category.parent.code if category.parent_id and category.parent else None
        elif name == "approved_by":
            data[name] = category.approved_by_id
        else:
            value = getattr(category, name)
            data[name] = value.isoformat() if isinstance(value, datetime.date) else value
    return data


def category_as_of(category: MatterCategory, on: datetime.date | datetime.datetime) -> MatterVersion | None:
    """The version of a category in force on a date (``None`` before its first publication)."""
    day = _as_date(on)
    return MatterVersion.objects.filter(category=category, valid_from__lte=day).order_by("-valid_from", "-id").first()


def assert_grid_assignable(category: MatterCategory, at: datetime.date | datetime.datetime | None = None) -> None:
    """Raise :class:`NotAdmissible` unless grid workers may be tasked with ``category`` at ``at`` (default now):
    it must be on the list (active), published by then, not a lapsed temporary matter, and grid-assignable."""
    day = _as_date(at)
    name = str(category)
    if not category.is_active:
        raise NotAdmissible(
            {"category": [_("事项“%(name)s”不在事项清单内(已停用),不能派给网格员。") % {"name": name}]},
            code="inactive",
        )
    if category.published_on is None or category.published_on > day:
        raise NotAdmissible(
            {"category": [_("事项“%(name)s”尚未发布生效,不能派给网格员。") % {"name": name}]}, code="unpublished"
        )
    if category.lapsed(day):
        raise NotAdmissible(
            {
                "category": [
                    _("临时事项“%(name)s”已于 %(date)s 到期失效,不能派给网格员。")
                    % {"name": name, "date": category.ends_on}
                ]
            },
            code="lapsed",
        )
    if not category.grid_assignable:
        raise NotAdmissible(
            {"category": [_("事项“%(name)s”未列入网格事项清单(准入制),不能派给网格员。") % {"name": name}]},
            code="not_listed",
        )


def is_grid_assignable(category: MatterCategory, at: datetime.date | datetime.datetime | None = None) -> bool:
    try:
        assert_grid_assignable(category, at)
    except NotAdmissible:
        return False
    return True


# --- writing ---------------------------------------------------------------------------------------------


def record_version(
    category: MatterCategory, valid_from: datetime.date, change: MatterChange | None = None
) -> MatterVersion:
    """Close the version in force and open a new one from ``valid_from`` with the category's current fields."""
    later = MatterVersion.objects.filter(category=category, valid_to__isnull=True, valid_from__lte=valid_from)
    later.update(valid_to=valid_from)
    return MatterVersion.objects.create(
        category=category, data=snapshot(category), valid_from=valid_from, change=change
    )


def _field_error(field: str, message: Any) -> ValidationError:
    return ValidationError({field: [message]})


def _apply(category: MatterCategory, fields: dict[str, Any], *, new: bool) -> MatterCategory:
    """Set proposed values on a category (in memory), converting JSON values; errors name the field."""
    for name, value in fields.items():
        if name not in PROPOSABLE_FIELDS:
            raise _field_error(name, _("字段“%(name)s”不能通过变更申请修改。") % {"name": name})
        if name == "code" and not new and value != category.code:
            raise _field_error("code", _("已有事项的编码不能修改;请停用后新增。"))
        if name == "parent":
            if value in (None, ""):
                category.parent = None
            else:
                parent = MatterCategory.objects.filter(code=str(value)).first()
                if parent is None:
                    raise _field_error("parent", _("大类编码“%(code)s”不存在。") % {"code": value})
                category.parent = parent
        elif name == "ends_on":
            if value in (None, ""):
                category.ends_on = None
            else:
                try:
                    category.ends_on = datetime.date.fromisoformat(str(value))
                except ValueError:
                    raise _field_error("ends_on", _("截止日期应为 YYYY-MM-DD 格式。")) from None
        else:
            setattr(category, name, value)
    return category


def validate_proposal(change_category: MatterCategory | None, fields: dict[str, Any]) -> MatterCategory:
    """The category as it would be after the change, fully validated. A temporary matter's approver is the
    reviewer, set on approval, so it is not required yet."""
    new = change_category is None
    if new:
        if not fields.get("code"):
            raise _field_error("code", _("新增事项必须填写编码。"))
        if not fields.get("name"):
            raise _field_error("name", _("新增事项必须填写名称。"))
        if MatterCategory.objects.filter(code=fields["code"]).exists():
            raise _field_error("code", _("编码“%(code)s”已存在。") % {"code": fields["code"]})
        candidate = MatterCategory()
    else:
        assert change_category is not None
        candidate = MatterCategory.objects.get(pk=change_category.pk)
    _apply(candidate, fields, new=new)
    errors: dict[str, list[Any]] = {}
    try:
        candidate.clean_fields(exclude=["approved_by", "published_on", "parent"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for part in (candidate.rule_errors(require_approver=False), candidate.structure_errors()):
        for name, messages in part.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return candidate


def _may(user: Any, action: str) -> bool:
    return not scope_for(user, "matterchange", action).empty


def _normalized(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif hasattr(value, "value") and isinstance(value, (MatterKind, LimitUnit)):
            value = value.value
        out[name] = value
    return out


def propose_change(
    *,
    by: Any,
    fields: dict[str, Any],
    reason: str,
    effective_on: datetime.date,
    category: MatterCategory | None = None,
    unit: Any = None,
) -> MatterChange:
    """A department (or centre) applies to add a matter to the list or change one. Validated now as the
    category would be after the change, so a licensing matter made grid-assignable is refused here too."""
    if not _may(by, "add"):
        raise PermissionDenied(_("您没有提出事项变更申请的权限。"))
    if not reason or not reason.strip():
        raise _field_error("reason", _("请填写申请理由。"))
    if not fields:
        raise _field_error("fields", _("请至少填写一项拟变更内容。"))
    if effective_on < local_today():
        raise _field_error("effective_on", _("生效日期不能早于今天。"))
    fields = _normalized(fields)
    validate_proposal(category, fields)
    return MatterChange.objects.create(
        category=category,
        fields=fields,
        reason=reason.strip(),
        proposer=by,
        proposer_unit=unit,
        effective_on=effective_on,
    )


def _review(change: MatterChange, *, by: Any, status: str, note: str) -> MatterChange:
    if not _may(by, "review"):
        raise PermissionDenied(_("只有管理员可以审核事项变更申请。"))
    with transaction.atomic():
        claimed = MatterChange.objects.filter(pk=change.pk, status=ChangeStatus.PROPOSED).update(
            status=status, reviewer=by, reviewed_at=timezone.now(), review_note=note
        )
        if claimed != 1:
            raise _field_error("status", _("该申请已审核,不能重复审核。"))
        change.refresh_from_db()
    return change


def approve_change(change: MatterChange, *, by: Any, note: str = "") -> MatterChange:
    """Approve a proposed change; it is published on its effective date (at once if that is today)."""
    validate_proposal(change.category, change.fields)
    change = _review(change, by=by, status=ChangeStatus.APPROVED, note=note)
    if change.effective_on <= local_today():
        publish_change(change)
        change.refresh_from_db()
    return change


def reject_change(change: MatterChange, *, by: Any, note: str) -> MatterChange:
    """Reject a proposed change, with the reason; it never applies."""
    if not note or not note.strip():
        raise _field_error("review_note", _("驳回必须填写审核意见。"))
    return _review(change, by=by, status=ChangeStatus.REJECTED, note=note.strip())


def publish_change(change: MatterChange) -> MatterCategory:
    """Apply one approved change and record the new version, in one transaction. Claims the change with a
    conditional update, so two workers never publish it twice."""
    with transaction.atomic():
        claimed = MatterChange.objects.filter(pk=change.pk, status=ChangeStatus.APPROVED).update(
            status=ChangeStatus.PUBLISHED, published_at=timezone.now()
        )
        if claimed != 1:
            raise _field_error("status", _("只有已批准且未发布的申请可以发布。"))
        change.refresh_from_db()
        new = change.category_id is None
        category = (
            MatterCategory() if new else MatterCategory.objects.select_for_update().get(pk=change.category_id or 0)
        )
        _apply(category, change.fields, new=new)
        if category.is_temporary and category.approved_by_id is None:
            category.approved_by_id = change.reviewer_id
        if new or category.published_on is None:
            category.published_on = change.effective_on
        category.full_clean()
        category.save()
        if new:
            change.category = category
            change.save(update_fields=["category"])
        record_version(category, change.effective_on, change)
        _cancel_tasks_not_admitted([category.pk])
    return category


def publish_due_changes(today: datetime.date | None = None) -> list[MatterChange]:
    """Publish every approved change whose effective date has come (oldest first). A change that no longer
    validates (say its major category was removed meanwhile) stays approved and is logged."""
    today = today or local_today()
    published = []
    due = MatterChange.objects.filter(status=ChangeStatus.APPROVED, effective_on__lte=today).order_by(
        "effective_on", "id"
    )
    for change in due:
        try:
            publish_change(change)
        except ValidationError as exc:
            log.warning("matter change %s not published: %s", change.pk, exc.messages)
            continue
        published.append(change)
    return published


def lapse_expired_temporaries(today: datetime.date | None = None) -> int:
    """Mark temporary matters past their end date inactive (a lapsed matter is out of force by its date alone;
    this keeps lists tidy) and cancel the grid workers' open tasks of those matters."""
    today = today or local_today()
    with transaction.atomic():
        expired = MatterCategory.objects.filter(is_temporary=True, is_active=True, ends_on__lt=today)
        ids = list(expired.values_list("pk", flat=True))
        lapsed = expired.update(is_active=False)
        _cancel_tasks_not_admitted(ids)
    return lapsed


def _cancel_tasks_not_admitted(category_ids: list[int]) -> None:
    """Open grid-worker tasks of a matter that left the list (or lapsed) are cancelled with it (准入制)."""
    from gridgov.fieldwork.services import cancel_tasks_not_admitted

    cancel_tasks_not_admitted(category_ids)
