"""What the registry's services share: permission checks, placing a record, stale-edit detection."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from gridgov.territory.models import Building, Grid, House


class StaleEdit(Exception):
    """The record changed since the editor read it (``expected_version``); ``fields`` lists what the editor
    wanted to change that someone else changed too — the phone app shows them to the worker to resolve."""

    def __init__(self, fields: list[str], current_version: int) -> None:
        self.fields = fields
        self.current_version = current_version
        self.message = _("该记录已被他人修改,请核对以下字段后重试:%(f)s。") % {"f": ", ".join(fields)}
        super().__init__(str(self.message))


def require(queryset: Any, obj: Any, by: Any, action: str) -> None:
    """Out of the user's view scope: 404. Visible but not allowed ``action``: 403."""
    if not queryset.visible_to(by, action).filter(pk=obj.pk).exists():
        if queryset.visible_to(by, "view").filter(pk=obj.pk).exists():
            raise PermissionDenied(_("您没有权限进行此操作。"))
        raise Http404


def require_scope_code(model: Any, by: Any, action: str, scope_code: str) -> None:
    """For a record about to be created at ``scope_code``: the user must hold ``action`` there."""
    from gridgov.accounts.scope import scope_for

    scope = scope_for(by, model._meta.model_name, action)
    if not scope.covers_code(scope_code):
        raise PermissionDenied(_("您没有权限在该网格登记此类信息。"))


def place(
    *, house: House | None = None, building: Building | None = None, grid: Grid | None = None, region_code: str = ""
) -> tuple[House | None, Building | None, Grid | None, str]:
    """Fill in building and grid from the house (and grid from the building); the scope code is the grid's code,
    else the community's code."""
    if house is not None:
        building = house.building
    if building is not None:
        grid = building.grid
    scope_code = grid.code if grid is not None else region_code
    return house, building, grid, scope_code


def check_version(obj: Any, expected_version: int | None, changes: dict[str, Any], base: dict[str, Any]) -> None:
    """Refuse an edit made against an older version when it changes a field that has moved since.

    ``base`` holds the values the editor saw (the phone sends them); a field missing from ``base`` counts as
    moved. When nothing the editor touches has moved, the edit is merged onto the newer version."""
    if expected_version is None or expected_version == obj.version:
        return
    conflicting = sorted(k for k in changes if k not in base or _value(getattr(obj, k, None)) != _value(base[k]))
    if conflicting:
        raise StaleEdit(conflicting, obj.version)


def _value(v: Any) -> Any:
    from gridgov.core.sensitive import Sensitive

    if isinstance(v, Sensitive):
        return v.reveal()
    if hasattr(v, "pk"):
        return v.pk
    return "" if v is None else (v if not hasattr(v, "isoformat") else v.isoformat())
