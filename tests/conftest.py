from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from .case_factories import cc  # noqa: F401  (the case loop's fixture)
from .factories import MiniCity, build_mini_city


@pytest.fixture
def city(db: None) -> MiniCity:
    return build_mini_city()


@pytest.fixture
def api() -> APIClient:
    return APIClient()
