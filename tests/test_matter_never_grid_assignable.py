"""Licensing, penalty and enforcement matters can never be made grid-assignable: not through the model, a
service, the admin form, the API, nor a bulk ``.update()`` (the database refuses)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from gridgov.matters.models import NEVER_GRID_ASSIGNABLE, MatterCategory, MatterChange, MatterKind
from gridgov.matters.services import propose_change

from .factories import MiniCity, UserFactory

pytestmark = pytest.mark.django_db

FORBIDDEN = sorted(k.value for k in NEVER_GRID_ASSIGNABLE)


def forbidden_category(kind: str) -> MatterCategory:
    major = MatterCategory.objects.get_or_create(code="90", defaults={"name": "行政执法"})[0]
    return MatterCategory.objects.create(code=f"90{FORBIDDEN.index(kind) + 1:02d}", name=kind, parent=major, kind=kind)


@pytest.mark.parametrize("kind", FORBIDDEN)
def test_the_model_clean_refuses_a_grid_assignable_licensing_penalty_or_enforcement_matter(kind: str) -> None:
    category = MatterCategory(code="9001", name="x", kind=kind, grid_assignable=True)
    with pytest.raises(ValidationError) as info:
        category.full_clean()
    assert "grid_assignable" in info.value.message_dict
    assert "不得列入网格事项清单" in info.value.message_dict["grid_assignable"][0]


@pytest.mark.parametrize("kind", FORBIDDEN)
def test_save_refuses_it_even_without_clean(kind: str) -> None:
    category = forbidden_category(kind)
    category.grid_assignable = True
    with pytest.raises(ValidationError) as info:
        category.save()
    assert "grid_assignable" in info.value.message_dict
    category.refresh_from_db()
    assert not category.grid_assignable


@pytest.mark.parametrize("kind", FORBIDDEN)
def test_the_database_refuses_it_through_a_bulk_update(kind: str) -> None:
    category = forbidden_category(kind)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatterCategory.objects.filter(pk=category.pk).update(grid_assignable=True)
    category.refresh_from_db()
    assert not category.grid_assignable


def test_the_database_refuses_changing_the_kind_of_a_grid_assignable_matter_by_update() -> None:
    category = MatterCategory.objects.create(
        code="91", name="政策宣传", kind=MatterKind.PUBLICITY, grid_assignable=True
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        MatterCategory.objects.filter(pk=category.pk).update(kind=MatterKind.PENALTY)


def test_an_ordinary_matter_may_be_grid_assignable() -> None:
    category = MatterCategory(code="92", name="信息采集", kind=MatterKind.INFORMATION, grid_assignable=True)
    category.full_clean()
    category.save()
    assert MatterCategory.objects.get(code="92").grid_assignable


@pytest.mark.parametrize("kind", FORBIDDEN)
def test_a_proposed_change_cannot_make_it_grid_assignable(city: MiniCity, kind: str) -> None:
    category = forbidden_category(kind)
    with pytest.raises(ValidationError) as info:
        propose_change(
            by=city.users["district"],
            category=category,
            fields={"grid_assignable": True},
            reason="想让网格员代为执法",
            effective_on=timezone.localdate() + datetime.timedelta(days=3),
        )
    assert "grid_assignable" in info.value.message_dict
    assert not MatterChange.objects.exists()


def test_a_proposed_new_penalty_matter_cannot_be_grid_assignable(city: MiniCity) -> None:
    with pytest.raises(ValidationError) as info:
        propose_change(
            by=city.users["district"],
            fields={"code": "93", "name": "罚款", "kind": "penalty", "grid_assignable": True},
            reason="新增",
            effective_on=timezone.localdate(),
        )
    assert "grid_assignable" in info.value.message_dict


def test_the_admin_form_refuses_it_with_the_message(city: MiniCity) -> None:
    category = forbidden_category("licensing")
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    url = f"/admin/matters/mattercategory/{category.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"grid_assignable": "on", "parent": category.parent_id, "approved_by": ""})
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data["published_on"] = category.published_on.isoformat() if category.published_on else ""
    response = client.post(url, data)
    assert response.status_code == 200  # the form is shown again with the error
    assert "不得列入网格事项清单" in response.content.decode()
    category.refresh_from_db()
    assert not category.grid_assignable


def test_the_api_refuses_a_change_that_makes_it_grid_assignable(city: MiniCity, api: APIClient) -> None:
    category = forbidden_category("enforcement")
    api.force_authenticate(city.users["district"])
    response = api.post(
        "/api/v1/matter-changes/",
        {
            "category": category.code,
            "fields": {"grid_assignable": True},
            "reason": "试试",
            "effective_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "不得列入网格事项清单" in response.json()["grid_assignable"][0]
    category.refresh_from_db()
    assert not category.grid_assignable
