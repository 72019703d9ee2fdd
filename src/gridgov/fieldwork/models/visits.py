"""Home visits (走访) to people and households, especially tagged ones (visits due come from registry tags)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from gridgov.registry.models.base import RegistryQuerySet


class VisitQuerySet(RegistryQuerySet):
    scope_name = "visit"

    def readable_by(self, user: Any) -> VisitQuerySet:
        """The visits whose content (situation, needs, tag) ``user`` may read, on top of ``visible_to``: a visit
        about a special group or key youth — its tag is one, or its person has (or had) such a tag, since a visit
        without a tag moves all of them — only for roles in ``settings.SPECIAL_GROUP_ROLES``, within their scope
        (as the tags themselves, ``PersonTagQuerySet.visible_to``). A visit stays where it was made, but its
        person's tags follow them when they move: a sensitive visit is read only by whoever may also see those tags
        now, so the old grid's worker loses the visits of a special-group person who moved away. Figures count
        visits through ``visible_to`` alone: a count names nobody."""
        from gridgov.accounts.scope import scope_for
        from gridgov.core.scoping import prefix_q
        from gridgov.registry.models import RESTRICTED_KINDS, PersonTag

        special = scope_for(user, "specialgroup", "view")
        if special.everything:
            return self
        restricted = PersonTag.objects.filter(kind__in=RESTRICTED_KINDS)
        sensitive = Q(Exists(restricted.filter(pk=OuterRef("tag_id")))) | Q(
            Exists(restricted.filter(person_id=OuterRef("person_id")))
        )
        allowed = ~sensitive
        if not special.empty:
            elsewhere = restricted.exclude(prefix_q("scope_code", special.code_prefixes()))
            moved_away = Q(Exists(elsewhere.filter(pk=OuterRef("tag_id")))) | Q(
                Exists(elsewhere.filter(person_id=OuterRef("person_id")))
            )
            allowed |= self.scope_q(special) & ~moved_away
        return self.filter(allowed)


class Visit(models.Model):
    id = models.UUIDField(primary_key=True)  # made on the phone
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits", verbose_name=_("走访人")
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    tag = models.ForeignKey("registry.PersonTag", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    scope_code = models.CharField(max_length=24, db_index=True, editable=False)
    made_at = models.DateTimeField(_("走访时间(手机)"))
    received_at = models.DateTimeField(auto_now_add=True)
    situation = models.TextField(_("走访情况"))
    needs = models.TextField(_("发现的需求"), blank=True)
    next_visit_on = models.DateField(_("下次走访"), null=True, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        ordering = ["-made_at"]

    def __str__(self) -> str:
        return f"{self.made_at:%Y-%m-%d}"
