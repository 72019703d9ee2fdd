"""Households and their memberships. One current head per household: the database enforces it
(``one_current_head_per_household``); these functions keep it true in every change they make."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Household, Membership, Person, Relation
from .base import place, require, require_scope_code
from .people import require_active


class HeadConflict(Exception):
    """Two changes of the same household's head at once: one wins, the other must reload."""


def _touch(household: Household, *people: Any) -> None:
    """A membership change changes what the phone shows of the household and of each person (their current
    household): mark them changed, so the incremental pull (``updated_at`` after its cursor) sends them."""
    now = timezone.now()
    Household.objects.filter(pk=household.pk).update(updated_at=now)
    Person.objects.filter(pk__in=[p.pk if isinstance(p, Person) else p for p in people]).update(updated_at=now)


@transaction.atomic
def create_household(
    *, by: Any, number: str, head: Person, on: dt.date, house: Any = None, kind: str = "family"
) -> Household:
    """A household always has a head: it is created with one."""
    require(Person.objects, head, by, "view")
    require_active(head, "household")
    _h, _b, grid, scope_code = place(house=house, grid=head.grid)
    scope_code = scope_code or head.scope_code
    require_scope_code(Household, by, "change", scope_code)
    number = number.strip()
    if not number:
        raise ValidationError({"number": _("户号为必填项。")})
    household = Household(number=number, kind=kind, house=house)
    household.grid, household.scope_code = grid, scope_code
    try:
        with transaction.atomic():
            household.save()
            Membership.objects.create(household=household, person=head, relation=Relation.HEAD, valid_from=on)
            _touch(household, head)
    except IntegrityError as exc:
        if Household.objects.filter(number=number).exists():
            raise ValidationError({"number": _("户号已存在。")}) from exc
        raise ValidationError({"head": _("此人已是另一户的在册成员,请先办理离户。")}) from exc
    return household


@transaction.atomic
def add_member(*, by: Any, household: Household, person: Person, relation: str, on: dt.date) -> Membership:
    require(Household.objects, household, by, "change")
    if relation == Relation.HEAD:
        raise ValidationError({"relation": _("一户只能有一名户主;更换户主请使用“变更户主”。")})
    require_active(person, "household")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(household=household, person=person, relation=relation, valid_from=on)
            _touch(household, person)
            return membership
    except IntegrityError as exc:
        raise ValidationError({"person": _("此人已是另一户的在册成员,请先办理离户。")}) from exc


@transaction.atomic
def change_head(
    *, by: Any, household: Household, new_head: Person, on: dt.date, old_head_relation: str = Relation.OTHER_RELATIVE
) -> Membership:
    """The new head must already be a current member; the old head stays in the household with a new relation.
    The household row is locked, so two concurrent changes queue; the database constraint is the last word."""
    require(Household.objects, household, by, "change")
    Household.objects.select_for_update().filter(pk=household.pk).first()
    current = list(household.memberships.select_for_update().filter(valid_to__isnull=True))
    new = next((m for m in current if m.person_id == new_head.pk), None)
    if new is None:
        raise ValidationError({"new_head": _("新户主必须是本户在册成员。")})
    if new.relation == Relation.HEAD:
        return new
    old = next((m for m in current if m.relation == Relation.HEAD), None)
    try:
        with transaction.atomic():
            for m in (old, new):
                if m is not None:
                    m.valid_to = on
                    m.save(update_fields=["valid_to"])
            if old is not None:
                Membership.objects.create(
                    household=household, person_id=old.person_id, relation=old_head_relation, valid_from=on
                )
            head = Membership.objects.create(
                household=household, person=new_head, relation=Relation.HEAD, valid_from=on
            )
            _touch(household, new_head, *([old.person_id] if old is not None else []))
            return head
    except IntegrityError as exc:
        raise HeadConflict from exc


@transaction.atomic
def end_membership(*, by: Any, membership: Membership, on: dt.date) -> Membership:
    require(Household.objects, membership.household, by, "change")
    if (
        membership.relation == Relation.HEAD
        and membership.household.memberships.filter(valid_to__isnull=True).exclude(pk=membership.pk).exists()
    ):
        raise ValidationError({"membership": _("户主离户前请先变更户主。")})
    membership.valid_to = on
    membership.save(update_fields=["valid_to"])
    _touch(membership.household, membership.person_id)
    return membership
