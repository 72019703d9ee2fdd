"""Households (户) and their dated memberships. Exactly one current head per household is a database rule."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import Placed, RegistryQuerySet


class HouseholdKind(models.TextChoices):
    FAMILY = "family", _("家庭户")
    COLLECTIVE = "collective", _("集体户")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER_RELATIVE = "other_relative", _("其他亲属")
    NON_RELATIVE = "non_relative", _("非亲属")


class HouseholdQuerySet(RegistryQuerySet):
    scope_name = "household"


class Household(Placed):
    number = models.CharField(_("户号"), max_length=32, unique=True)
    kind = models.CharField(_("户别"), max_length=12, choices=HouseholdKind.choices, default=HouseholdKind.FAMILY)
    house = models.ForeignKey(
        "territory.House",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("住址房屋"),
    )

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number

    def current_members(self) -> models.QuerySet[Membership]:
        return self.memberships.filter(valid_to__isnull=True).select_related("person")


class Membership(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices)
    valid_from = models.DateField(_("入户日期"))
    valid_to = models.DateField(_("离户日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("户成员")
        verbose_name_plural = _("户成员")
        ordering = ["household", "valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="head", valid_to__isnull=True),
                name="one_current_head_per_household",
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(valid_to__isnull=True), name="one_current_household_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.person_id}({self.relation})"
