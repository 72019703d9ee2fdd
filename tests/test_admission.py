"""Admission (准入制): only a matter that is on the list, published, in force and grid-assignable may be given
to a grid worker; a temporary matter needs an approver and an end date and lapses by itself after it."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gridgov.matters.models import MatterCategory, MatterKind
from gridgov.matters.services import NotAdmissible, assert_grid_assignable, is_grid_assignable

from .factories import MiniCity

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def listed(**kwargs: object) -> MatterCategory:
    defaults: dict[str, object] = {
        "code": "08",
        "name": "政策宣传",
        "kind": MatterKind.PUBLICITY,
        "grid_assignable": True,
    }
    defaults.update(kwargs)
    return MatterCategory.objects.create(**defaults)


def test_a_listed_published_matter_is_admissible() -> None:
    category = listed()
    assert_grid_assignable(category)
    assert is_grid_assignable(category)


def test_it_refuses_a_matter_not_on_the_grid_list() -> None:
    category = listed(grid_assignable=False)
    with pytest.raises(NotAdmissible) as info:
        assert_grid_assignable(category)
    assert "未列入网格事项清单" in info.value.message_dict["category"][0]


def test_it_refuses_an_unlisted_inactive_matter() -> None:
    category = listed(is_active=False)
    with pytest.raises(NotAdmissible) as info:
        assert_grid_assignable(category)
    assert "已停用" in info.value.message_dict["category"][0]


def test_it_refuses_a_matter_not_yet_published() -> None:
    today = datetime.date(2025, 3, 3)
    category = listed(published_on=today + datetime.timedelta(days=1))
    with pytest.raises(NotAdmissible) as info:
        assert_grid_assignable(category, today)
    assert "尚未发布" in info.value.message_dict["category"][0]
    assert_grid_assignable(category, today + datetime.timedelta(days=1))
    never = listed(code="09", published_on=None)
    with pytest.raises(NotAdmissible):
        assert_grid_assignable(never)


def test_not_admissible_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        assert_grid_assignable(listed(grid_assignable=False))


def test_a_temporary_matter_lapses_by_itself_after_its_end_date(city: MiniCity) -> None:
    with time_machine.travel(datetime.datetime(2025, 6, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        category = listed(
            code="0899",
            name="防汛临时排查",
            is_temporary=True,
            approved_by=city.users["admin"],
            ends_on=datetime.date(2025, 6, 30),
        )
        assert_grid_assignable(category)
        assert MatterCategory.objects.in_force().filter(pk=category.pk).exists()
    with time_machine.travel(datetime.datetime(2025, 6, 30, 23, 59, tzinfo=SHANGHAI), tick=False):
        assert_grid_assignable(category)  # the end date itself is still in force
    # 00:30 on 1 July in Shanghai is still 30 June in UTC: the local date decides.
    with time_machine.travel(datetime.datetime(2025, 7, 1, 0, 30, tzinfo=SHANGHAI), tick=False):
        with pytest.raises(NotAdmissible) as info:
            assert_grid_assignable(category)
        assert "到期失效" in info.value.message_dict["category"][0]
        assert not MatterCategory.objects.in_force().filter(pk=category.pk).exists()
        category.refresh_from_db()
        assert category.is_active  # nothing had to run for it to lapse


def test_an_explicit_time_is_judged_by_its_shanghai_date(city: MiniCity) -> None:
    category = listed(
        code="0899",
        name="临时",
        is_temporary=True,
        approved_by=city.users["admin"],
        ends_on=datetime.date(2025, 6, 30),
        published_on=datetime.date(2025, 6, 1),
    )
    assert_grid_assignable(category, datetime.datetime(2025, 6, 30, 15, 59, tzinfo=datetime.UTC))
    with pytest.raises(NotAdmissible):
        assert_grid_assignable(category, datetime.datetime(2025, 6, 30, 16, 1, tzinfo=datetime.UTC))


def test_a_temporary_matter_without_approver_or_end_date_is_refused(city: MiniCity) -> None:
    for missing in ({"approved_by": None}, {"ends_on": None}):
        fields: dict[str, object] = {
            "code": "0898",
            "name": "临时",
            "is_temporary": True,
            "approved_by": city.users["admin"],
            "ends_on": datetime.date(2025, 6, 30),
        }
        fields.update(missing)
        category = MatterCategory(**fields)
        with pytest.raises(ValidationError) as info:
            category.full_clean()
        field = next(iter(missing))
        assert field in info.value.message_dict
        assert "临时事项必须有" in info.value.message_dict[field][0]
        with pytest.raises(ValidationError):
            category.save()
    assert not MatterCategory.objects.filter(code="0898").exists()


def test_the_database_refuses_a_temporary_matter_without_an_end_date(city: MiniCity) -> None:
    category = listed(
        code="0899", name="临时", is_temporary=True, approved_by=city.users["admin"], ends_on=datetime.date(2025, 6, 30)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        MatterCategory.objects.filter(pk=category.pk).update(ends_on=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatterCategory.objects.filter(pk=category.pk).update(approved_by=None)


def test_an_ordinary_matter_takes_no_end_date() -> None:
    with pytest.raises(ValidationError) as info:
        MatterCategory(code="0897", name="x", ends_on=datetime.date(2025, 1, 1)).full_clean()
    assert "ends_on" in info.value.message_dict


def test_the_sweep_marks_lapsed_temporary_matters_inactive(city: MiniCity) -> None:
    from gridgov.matters.services import lapse_expired_temporaries

    category = listed(
        code="0899", name="临时", is_temporary=True, approved_by=city.users["admin"], ends_on=datetime.date(2025, 6, 30)
    )
    assert lapse_expired_temporaries(datetime.date(2025, 6, 30)) == 0
    assert lapse_expired_temporaries(datetime.date(2025, 7, 1)) == 1
    category.refresh_from_db()
    assert not category.is_active
