"""The matter list's admin: approve and reject actions go through the services; versions are read-only."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from gridgov.matters.models import ChangeStatus, MatterCategory, MatterChange, MatterVersion
from gridgov.matters.services import propose_change

from .factories import MiniCity, UserFactory

pytestmark = pytest.mark.django_db


def test_the_admin_approves_and_rejects_through_the_services(city: MiniCity) -> None:
    category = MatterCategory.objects.create(code="01", name="城市管理事件")
    later = timezone.localdate() + datetime.timedelta(days=2)
    first = propose_change(
        by=city.users["district"], category=category, fields={"sign_limit": 2}, reason="a", effective_on=later
    )
    second = propose_change(
        by=city.users["district"], category=category, fields={"sign_limit": 3}, reason="b", effective_on=later
    )
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    url = "/admin/matters/matterchange/"
    client.post(url, {"action": "approve", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == ChangeStatus.APPROVED and first.reviewer == root
    response = client.post(url, {"action": "reject", "_selected_action": [second.pk]}, follow=True)
    assert "驳回必须填写审核意见" in response.content.decode()
    second.refresh_from_db()
    assert second.status == ChangeStatus.PROPOSED  # no note, no rejection
    MatterChange.objects.filter(pk=second.pk).update(review_note="理由不足")
    client.post(url, {"action": "reject", "_selected_action": [second.pk]})
    second.refresh_from_db()
    assert second.status == ChangeStatus.REJECTED


def test_versions_are_read_only_in_the_admin(city: MiniCity) -> None:
    category = MatterCategory.objects.create(code="01", name="城市管理事件")
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    client.post(
        f"/admin/matters/mattercategory/{category.pk}/change/",
        {
            "code": "01",
            "name": "城市管理事件(新)",
            "kind": "ordinary",
            "default_tier": "community",
            "is_active": "on",
            "published_on": "2025-01-01",
            "accept_limit": 2,
            "accept_limit_unit": "hours",
            "sign_limit": 4,
            "sign_limit_unit": "hours",
            "handle_limit": 7,
            "handle_limit_unit": "days",
            "verify_limit": 1,
            "verify_limit_unit": "days",
            "children-TOTAL_FORMS": 0,
            "children-INITIAL_FORMS": 0,
        },
    )
    category.refresh_from_db()
    assert category.name == "城市管理事件(新)"
    version = MatterVersion.objects.get(category=category)
    assert version.data["name"] == "城市管理事件(新)"
    assert client.get(f"/admin/matters/matterversion/{version.pk}/change/").status_code == 200
    assert client.post(f"/admin/matters/matterversion/{version.pk}/delete/", {"post": "yes"}).status_code == 403
    assert MatterVersion.objects.filter(pk=version.pk).exists()
