"""Rental houses (出租屋) and floating-population registrations (流动人口登记)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import Placed, RegistryQuerySet


class RentalHouseQuerySet(RegistryQuerySet):
    scope_name = "rentalhouse"


class RentalHouse(Placed):
    house = models.OneToOneField(
        "territory.House", on_delete=models.PROTECT, related_name="rental", verbose_name=_("房屋")
    )
    landlord = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rentals_owned",
        verbose_name=_("房东"),
    )
    rooms = models.PositiveSmallIntegerField(_("出租间数"), default=1)
    registered_on = models.DateField(_("登记日期"))
    safety_checked_on = models.DateField(_("最近安全检查"), null=True, blank=True)
    is_active = models.BooleanField(_("在租"), default=True)

    objects = RentalHouseQuerySet.as_manager()

    class Meta:
        verbose_name = _("出租屋")
        verbose_name_plural = _("出租屋")
        ordering = ["scope_code", "id"]

    def __str__(self) -> str:
        return str(self.house)


class FloatingRegistrationQuerySet(RegistryQuerySet):
    scope_name = "floatingregistration"

    def current(self, on: dt.date) -> FloatingRegistrationQuerySet:
        return self.filter(expires_on__gte=on)

    def expiring(self, on: dt.date, within_days: int = 30) -> FloatingRegistrationQuerySet:
        return self.filter(expires_on__gte=on, expires_on__lte=on + dt.timedelta(days=within_days))


class FloatingReason(models.TextChoices):
    WORK = "work", _("务工")
    BUSINESS = "business", _("经商")
    STUDY = "study", _("就学")
    FAMILY = "family", _("投亲靠友")
    OTHER = "other", _("其他")


class FloatingRegistration(Placed):
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="floating_registrations", verbose_name=_("人员")
    )
    house = models.ForeignKey(
        "territory.House",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("居住房屋"),
    )
    reason = models.CharField(_("来此事由"), max_length=12, choices=FloatingReason.choices, default=FloatingReason.WORK)
    registered_on = models.DateField(_("登记日期"))
    expires_on = models.DateField(_("有效期至"), db_index=True)

    objects = FloatingRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("流动人口登记")
        verbose_name_plural = _("流动人口登记")
        ordering = ["expires_on", "id"]

    def __str__(self) -> str:
        return f"{self.person_id}→{self.expires_on}"
