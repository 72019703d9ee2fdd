"""notify() writes one in-app notification per distinct active recipient and returns them."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from gridgov.core.models import Notification
from gridgov.core.notify import notify
from gridgov.territory.models import Region

from .factories import MiniCity


def test_notify_writes_one_row_per_distinct_active_user_with_its_target(city: MiniCity) -> None:
    worker, community, nobody = city.users["worker"], city.users["community"], city.users["nobody"]
    nobody.is_active = False
    nobody.save()
    region = Region.objects.get(code="441302001001")
    rows = notify(
        [worker, community, worker, nobody], verb="case.whistled", text="吹哨:请报到", target=region, url="/x/"
    )
    assert sorted(n.recipient.username for n in rows) == ["community", "worker"]
    assert all(n.pk for n in rows)
    stored = Notification.objects.get(recipient=worker)
    assert (stored.verb, stored.text, stored.url) == ("case.whistled", "吹哨:请报到", "/x/")
    assert stored.target_content_type == ContentType.objects.get_for_model(Region)
    assert stored.target_object_id == str(region.pk)
    assert stored.read_at is None


def test_notify_with_nobody_writes_nothing(city: MiniCity) -> None:
    assert notify([], verb="x", text="y") == []
    assert not Notification.objects.exists()
