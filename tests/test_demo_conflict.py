"""``build_demo()`` refuses to build over accounts it did not create, and writes nothing when it refuses."""

from __future__ import annotations

import io

import pytest

from gridgov.accounts.models import User
from gridgov.demo.build import DemoConflict, build_demo, demo_state
from gridgov.territory.models import Region


@pytest.mark.django_db
def test_it_refuses_when_a_demo_username_belongs_to_someone_else() -> None:
    User.objects.create_user(username="admin", password="Someone-Elses-2025", email="ops@example.org")
    with pytest.raises(DemoConflict, match="admin"):
        build_demo(progress=False, stdout=io.StringIO())
    assert demo_state() == "absent"
    assert not Region.objects.exists()
    assert User.objects.get(username="admin").email == "ops@example.org"
