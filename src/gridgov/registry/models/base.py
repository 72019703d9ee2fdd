"""What every registry model shares: where it is (grid, scope code) and a version for stale-edit detection."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.scoping import Scope, ScopedQuerySet, prefix_q


class RegistryQuerySet(ScopedQuerySet[Any]):
    """Scope by ``scope_code``: the grid's code when the record has a grid, else its community's code. Both are
    prefixes in the territory tree, so a role on a region (its prefix) and a role on a grid (its code) both match."""

    def scope_q(self, scope: Scope) -> Q:
        return prefix_q("scope_code", scope.code_prefixes())


class Placed(models.Model):
    """A record that lives in a grid (or only in a community when its grid is not known yet).

    ``scope_code`` is derived (:meth:`place`) and is what ``visible_to`` filters on; ``version`` goes up on every
    change through a service, so an edit made against an older copy (a phone offline) is detected."""

    grid = models.ForeignKey(
        "territory.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("网格")
    )
    scope_code = models.CharField(_("辖区编码"), max_length=24, db_index=True, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def place(self, grid: Any = None, region_code: str = "") -> None:
        """Set grid and scope code: the grid's code, else the community code given."""
        self.grid = grid
        self.scope_code = grid.code if grid is not None else region_code
