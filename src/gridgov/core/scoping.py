"""The one way governed data reaches a user (DESIGN rule 1).

Every governed model's manager is built from :class:`ScopedQuerySet` and implements ``scope_q(scope)``; every
list, detail, API, map layer and export calls ``Model.objects.visible_to(user, action)``. Out of scope is
"does not exist": :func:`get_visible_or_404` raises ``Http404`` for missing and not-yours alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Q
from django.http import Http404

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gridgov.accounts.models import User


@dataclass(frozen=True)
class Scope:
    """What one user may reach for one action: everything, or nodes of the territory tree.

    ``region_prefixes`` are scope prefixes of regions (see ``core.regioncodes``); ``grid_codes`` are codes of
    grids the user holds a grid-level role on (a grid code is also the prefix of its micro-grids and buildings).
    """

    everything: bool = False
    region_prefixes: frozenset[str] = field(default_factory=frozenset)
    grid_codes: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not self.everything and not self.region_prefixes and not self.grid_codes

    def code_prefixes(self) -> list[str]:
        return sorted(self.region_prefixes | self.grid_codes)

    def covers_code(self, code: str) -> bool:
        return self.everything or any(code.startswith(p) for p in self.code_prefixes())


def prefix_q(field_name: str, prefixes: list[str] | set[str] | frozenset[str]) -> Q:
    """``field__startswith`` any of ``prefixes``; an always-false Q when there are none."""
    q = Q(pk__in=[])
    for prefix in sorted(prefixes):
        q |= Q(**{f"{field_name}__startswith": prefix})
    return q


M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[M]):
    #: The model's name in ``accounts.roles.PERMISSIONS``.
    scope_name: str = ""

    def scope_q(self, scope: Scope) -> Q:  # pragma: no cover - each model says
        raise NotImplementedError

    def visible_to(self, user: User | AnonymousUser, action: str = "view") -> ScopedQuerySet[M]:
        from gridgov.accounts.scope import scope_for

        scope = scope_for(user, self.scope_name or self.model._meta.model_name or "", action)
        if scope.everything:
            return self
        if scope.empty:
            return self.none()
        return self.filter(self.scope_q(scope))


def get_visible_or_404(queryset: ScopedQuerySet[Any], user: Any, action: str = "view", **lookup: Any) -> Any:
    try:
        return queryset.visible_to(user, action).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
