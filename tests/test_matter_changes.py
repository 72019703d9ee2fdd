"""Changes to the matter list are proposed, reviewed and published on their effective date, with each
category's history kept as versions."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gridgov.matters.models import ChangeStatus, MatterCategory, MatterChange, MatterKind, MatterVersion
from gridgov.matters.services import (
    approve_change,
    category_as_of,
    propose_change,
    publish_change,
    publish_due_changes,
    record_version,
    reject_change,
)

from .factories import MiniCity

pytestmark = pytest.mark.django_db

DAY0 = datetime.date(2025, 3, 3)


@pytest.fixture
def rubbish(city: MiniCity) -> MatterCategory:
    major = MatterCategory.objects.create(code="01", name="城市管理事件", published_on=DAY0)
    category = MatterCategory.objects.create(
        code="0101",
        name="暴露垃圾",
        parent=major,
        handle_limit=4,
        handle_limit_unit="hours",
        grid_assignable=True,
        published_on=DAY0,
    )
    record_version(category, DAY0)
    return category


def future(days: int) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=days)


def test_an_approved_change_waits_for_its_effective_date_then_applies_and_keeps_history(
    city: MiniCity, rubbish: MatterCategory
) -> None:
    effective = future(10)
    change = propose_change(
        by=city.users["district"],
        category=rubbish,
        fields={"handle_limit": 2, "name": "暴露垃圾(加急)"},
        reason="夏季高温,缩短时限",
        effective_on=effective,
    )
    assert change.status == ChangeStatus.PROPOSED
    change = approve_change(change, by=city.users["admin"], note="同意")
    assert change.status == ChangeStatus.APPROVED and change.reviewer == city.users["admin"]

    assert publish_due_changes(effective - datetime.timedelta(days=1)) == []
    rubbish.refresh_from_db()
    assert rubbish.handle_limit == 4 and rubbish.name == "暴露垃圾"

    assert [c.pk for c in publish_due_changes(effective)] == [change.pk]
    rubbish.refresh_from_db()
    assert rubbish.handle_limit == 2 and rubbish.name == "暴露垃圾(加急)"
    change.refresh_from_db()
    assert change.status == ChangeStatus.PUBLISHED and change.published_at is not None

    versions = list(MatterVersion.objects.filter(category=rubbish).order_by("valid_from"))
    assert [(v.valid_from, v.valid_to) for v in versions] == [(DAY0, effective), (effective, None)]
    old = category_as_of(rubbish, effective - datetime.timedelta(days=1))
    new = category_as_of(rubbish, effective)
    assert old is not None and old.data["handle_limit"] == 4 and old.data["name"] == "暴露垃圾"
    assert new is not None and new.data["handle_limit"] == 2 and new.change == change
    assert category_as_of(rubbish, DAY0 - datetime.timedelta(days=1)) is None

    assert publish_due_changes(effective) == []  # nothing published twice


def test_a_rejected_change_never_applies(city: MiniCity, rubbish: MatterCategory) -> None:
    change = propose_change(
        by=city.users["district"],
        category=rubbish,
        fields={"handle_limit": 40},
        reason="人手不足",
        effective_on=future(0),
    )
    reject_change(change, by=city.users["admin"], note="时限过长,不符合规定")
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED and change.review_note == "时限过长,不符合规定"
    assert publish_due_changes(future(365)) == []
    rubbish.refresh_from_db()
    assert rubbish.handle_limit == 4
    with pytest.raises(ValidationError):
        publish_change(change)
    with pytest.raises(ValidationError) as info:
        approve_change(change, by=city.users["admin"])
    assert "已审核" in info.value.message_dict["status"][0]


def test_rejecting_needs_a_note(city: MiniCity, rubbish: MatterCategory) -> None:
    change = propose_change(
        by=city.users["district"], category=rubbish, fields={"handle_limit": 3}, reason="x", effective_on=future(1)
    )
    with pytest.raises(ValidationError) as info:
        reject_change(change, by=city.users["admin"], note=" ")
    assert "review_note" in info.value.message_dict


def test_a_change_effective_today_is_published_on_approval(city: MiniCity, rubbish: MatterCategory) -> None:
    change = propose_change(
        by=city.users["district"], category=rubbish, fields={"sign_limit": 2}, reason="提速", effective_on=future(0)
    )
    change = approve_change(change, by=city.users["admin"])
    assert change.status == ChangeStatus.PUBLISHED
    rubbish.refresh_from_db()
    assert rubbish.sign_limit == 2


def test_a_new_category_is_created_when_published(city: MiniCity, rubbish: MatterCategory) -> None:
    effective = future(3)
    change = propose_change(
        by=city.users["district"],
        fields={"code": "0110", "name": "共享单车乱停放", "parent": "01", "kind": "ordinary", "grid_assignable": True},
        reason="新增事项",
        effective_on=effective,
    )
    approve_change(change, by=city.users["admin"])
    assert not MatterCategory.objects.filter(code="0110").exists()
    publish_due_changes(effective)
    created = MatterCategory.objects.get(code="0110")
    assert created.parent == rubbish.parent and created.published_on == effective and created.grid_assignable
    change.refresh_from_db()
    assert change.category == created
    assert category_as_of(created, effective) is not None


def test_a_temporary_matter_gets_its_reviewer_as_approver(city: MiniCity, rubbish: MatterCategory) -> None:
    change = propose_change(
        by=city.users["district"],
        fields={
            "code": "0111",
            "name": "防汛临时巡查",
            "parent": "01",
            "kind": "inspection",
            "grid_assignable": True,
            "is_temporary": True,
            "ends_on": future(30).isoformat(),
        },
        reason="汛期",
        effective_on=future(0),
    )
    approve_change(change, by=city.users["admin"])
    created = MatterCategory.objects.get(code="0111")
    assert created.is_temporary and created.approved_by == city.users["admin"] and created.ends_on == future(30)


def test_a_temporary_matter_proposed_without_an_end_date_is_refused(city: MiniCity, rubbish: MatterCategory) -> None:
    with pytest.raises(ValidationError) as info:
        propose_change(
            by=city.users["district"],
            fields={"code": "0112", "name": "临时", "parent": "01", "is_temporary": True},
            reason="汛期",
            effective_on=future(0),
        )
    assert "临时事项必须有截止日期" in info.value.message_dict["ends_on"][0]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"colour": "red"}, "colour", "不能通过变更申请修改"),
        ({"code": "0199"}, "code", "编码不能修改"),
        ({"parent": "77"}, "parent", "不存在"),
        ({"handle_limit": 0}, "handle_limit", "大于 0"),
        ({"kind": "bogus"}, "kind", ""),
        ({"ends_on": "next week"}, "ends_on", "YYYY-MM-DD"),
    ],
)
def test_validation_errors_name_the_field(
    city: MiniCity, rubbish: MatterCategory, fields: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as info:
        propose_change(by=city.users["district"], category=rubbish, fields=fields, reason="x", effective_on=future(1))
    assert field in info.value.message_dict
    assert words in info.value.message_dict[field][0]


def test_a_proposal_needs_a_reason_and_a_date_not_in_the_past(city: MiniCity, rubbish: MatterCategory) -> None:
    with pytest.raises(ValidationError) as info:
        propose_change(
            by=city.users["district"], category=rubbish, fields={"sign_limit": 2}, reason="", effective_on=future(1)
        )
    assert "reason" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        propose_change(
            by=city.users["district"], category=rubbish, fields={"sign_limit": 2}, reason="x", effective_on=future(-1)
        )
    assert "effective_on" in info.value.message_dict


def test_a_grid_worker_or_resident_cannot_propose_and_only_administrators_review(
    city: MiniCity, rubbish: MatterCategory
) -> None:
    for username in ("worker", "resident", "nobody"):
        with pytest.raises(PermissionDenied):
            propose_change(
                by=city.users[username], category=rubbish, fields={"sign_limit": 2}, reason="x", effective_on=future(1)
            )
    change = propose_change(
        by=city.users["community"], category=rubbish, fields={"sign_limit": 2}, reason="x", effective_on=future(1)
    )
    for username in ("worker", "community", "district"):
        with pytest.raises(PermissionDenied):
            approve_change(change, by=city.users[username])
    change.refresh_from_db()
    assert change.status == ChangeStatus.PROPOSED
    assert MatterChange.objects.count() == 1


def test_a_kind_change_cannot_sneak_a_grid_assignable_matter_into_penalties(
    city: MiniCity, rubbish: MatterCategory
) -> None:
    with pytest.raises(ValidationError) as info:
        propose_change(
            by=city.users["district"],
            category=rubbish,
            fields={"kind": MatterKind.PENALTY},
            reason="改为处罚事项",
            effective_on=future(1),
        )
    assert "grid_assignable" in info.value.message_dict


def test_the_periodic_task_publishes_what_is_due_today(city: MiniCity, rubbish: MatterCategory) -> None:
    from gridgov.matters.tasks import publish_due

    change = propose_change(
        by=city.users["district"], category=rubbish, fields={"verify_limit": 2}, reason="x", effective_on=future(0)
    )
    MatterChange.objects.filter(pk=change.pk).update(status=ChangeStatus.APPROVED, reviewer=city.users["admin"])
    assert publish_due() == {"published": 1, "lapsed": 0}
    rubbish.refresh_from_db()
    assert rubbish.verify_limit == 2
