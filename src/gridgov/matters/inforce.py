"""The categories in force, read once per process and kept until the matter list moves.

Intake checks on every report that the category is in force; that answer changes only when a category is written
(which moves :class:`~gridgov.matters.models.MatterListState` in the same transaction) or when the date turns
(publication and end dates are calendar dates). So each process keeps ``{code: category}`` keyed by (version,
changed_at, today) and pays one primary-key read per call to know it is still right — the pattern of the
territory locator (``territory/locator/process.py``). Nothing here needs a restart, and nothing is process-local
that cannot be rebuilt (DESIGN "Scale").

The categories handed out are shared by every thread of the process: read them, never modify them.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Mapping
from types import MappingProxyType

from .models import MatterCategory, MatterListState, local_today

_lock = threading.Lock()
_current: tuple[tuple[object, ...], Mapping[str, MatterCategory]] | None = None


def list_token() -> tuple[int, str | None]:
    """The matter list's state: version and timestamp (a rolled back transaction or a fresh test database can
    reuse a version number; it cannot reuse both)."""
    row = MatterListState.objects.filter(pk=1).values_list("version", "changed_at").first()
    if row is None:
        return (0, None)
    return (int(row[0]), row[1].isoformat() if row[1] else None)


def in_force_by_code(on: datetime.date | None = None) -> Mapping[str, MatterCategory]:
    """``{code: category}`` of every category in force on ``on`` (default today, Asia/Shanghai), with its major
    category loaded. One small query when nothing changed."""
    global _current
    day = on or local_today()
    key = (*list_token(), day.isoformat())
    current = _current
    if current is not None and current[0] == key:
        return current[1]
    with _lock:
        current = _current
        if current is None or current[0] != key:
            rows = MatterCategory.objects.in_force(day).select_related("parent")
            current = (key, MappingProxyType({c.code: c for c in rows}))
            _current = current
    return current[1]


def reset() -> None:
    """Forget the process's cache (tests)."""
    global _current
    with _lock:
        _current = None
