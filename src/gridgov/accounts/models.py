from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """A person who logs in. Failed logins are counted here (not in a cache) so that lockout holds across
    every app server."""

    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    failed_logins = models.PositiveIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """A role held on one node: a region (covering its subtree), a grid, or a unit (membership of a
    department, force or centre; its territorial scope is the unit's region). With none, the role holds
    everywhere (a system administrator)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "territory.Region",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("区划"),
    )
    grid = models.ForeignKey(
        "territory.Grid",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("网格"),
    )
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("单位"),
    )
    part_time = models.BooleanField(_("兼职"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=True, grid__isnull=True)
                | Q(region__isnull=True, unit__isnull=True)
                | Q(grid__isnull=True, unit__isnull=True),
                name="role_on_one_node",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"], condition=Q(grid__isnull=True), name="uniq_role_on_region"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "grid"], condition=Q(grid__isnull=False), name="uniq_role_on_grid"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"], condition=Q(unit__isnull=False), name="uniq_role_on_unit"
            ),
        ]
        indexes = [models.Index(fields=["role", "grid"])]

    def __str__(self) -> str:
        node = self.grid or self.region or self.unit or _("全部")
        return f"{self.user} · {self.get_role_display()} · {node}"

    def clean(self) -> None:
        if self.role in (Role.GRID_WORKER, Role.GRID_HEAD) and self.grid is None:
            raise ValidationError({"grid": _("网格员和网格长必须分配到网格。")})
        if sum(node is not None for node in (self.region_id, self.grid_id, self.unit_id)) > 1:
            raise ValidationError({"unit": _("角色只能分配到区划、网格或单位中的一个。")})
