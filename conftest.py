"""Shared fixtures: the territory (``tests/factories``), users with roles, API clients."""

from __future__ import annotations

import os

os.environ.setdefault("GRIDGOV_TESTING", "1")
