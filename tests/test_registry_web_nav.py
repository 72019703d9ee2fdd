"""The registry's tabs offer the import wizard only to those who may import."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gridgov.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_the_import_tab_is_offered_to_importers_only(client, city) -> None:
    city.grant("leader", Role.LEADER, region="441300")
    import_url = reverse("registry:import")
    client.force_login(city.users["community"])
    page = client.get(reverse("registry:people"))
    assert page.status_code == 200 and f'href="{import_url}"' in page.content.decode()
    client.force_login(city.users["leader"])
    page = client.get(reverse("registry:people"))
    assert page.status_code == 200 and f'href="{import_url}"' not in page.content.decode()
