"""The registry's lists, each defined once: who may open it (model and action in ``accounts.roles``), its scoped
base queryset, its filterset and its default filters. The list pages and the Excel exports both read these, so an
export holds exactly the rows its page lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from ..filters import (
    AccessLogFilterSet,
    FacilityFilterSet,
    FloatingRegistrationFilterSet,
    OrganisationFilterSet,
    PersonFilterSet,
    PersonTagFilterSet,
    RentalHouseFilterSet,
)
from ..models import (
    OPEN_KINDS,
    RESTRICTED_KINDS,
    AccessLog,
    Facility,
    FloatingRegistration,
    Organisation,
    Person,
    PersonTag,
    RentalHouse,
)
from .common import filter_params, may, request_data


@dataclass(frozen=True)
class RegistryList:
    name: str
    title: Any
    permission: str  # model name in PERMISSIONS
    action: str  # needed to open the page
    export_action: str  # needed to export
    #: (user, action) → the rows the user may open (action "view") or export (the list's ``export_action``)
    base: Callable[[Any, str], QuerySet[Any]]
    filterset: Any
    defaults: dict[str, str] = field(default_factory=dict)
    personal: bool = False  # rows are about people: exports are logged as access to personal data
    #: Joined again after filtering: a filter method may rebuild the queryset and drop the base's joins.
    related: tuple[str, ...] = ()

    def allowed(self, user: Any, action: str | None = None) -> bool:
        return may(user, self.permission, action or self.action)

    def params(self, request: HttpRequest) -> QueryDict:
        params = filter_params(request)
        given = request_data(request)
        for key, value in self.defaults.items():
            if key not in given:
                params[key] = value
        return params

    def filter(self, request: HttpRequest, action: str | None = None) -> tuple[Any, QuerySet[Any]]:
        """The filterset and its rows; 404 for a user who may not open this list (hidden lists stay hidden)."""
        user = request.user
        if not self.allowed(user, action):
            raise Http404
        base = self.base(user, action or self.action)
        filterset = self.filterset(self.params(request) or None, queryset=base, request=request)
        valid = not filterset.is_bound or filterset.is_valid()
        qs = filterset.qs if valid else base.none()
        return filterset, (qs.select_related(*self.related) if self.related else qs)


def _tags(kinds: list[str]) -> Callable[[Any, str], QuerySet[Any]]:
    def base(user: Any, action: str) -> QuerySet[Any]:
        return (
            PersonTag.objects.visible_to(user, action)
            .filter(kind__in=kinds, person__is_active=True)  # the deceased and moved away are off the lists
            .select_related("person__grid", "person__building", "responsible")
        )

    return base


LISTS: dict[str, RegistryList] = {
    item.name: item
    for item in [
        RegistryList(
            "people",
            _("人员"),
            "person",
            "view",
            "export",
            lambda u, a: Person.objects.visible_to(u, a).select_related("grid", "building", "house__building"),
            PersonFilterSet,
            personal=True,
        ),
        RegistryList(
            "special",
            _("特殊人群和重点青少年"),
            "specialgroup",
            "view",
            "export",
            _tags(RESTRICTED_KINDS),
            PersonTagFilterSet,
            {"current": "true"},
            personal=True,
        ),
        RegistryList(
            "care",
            _("关爱对象"),
            "persontag",
            "view",
            "export",
            _tags(OPEN_KINDS),
            PersonTagFilterSet,
            {"current": "true"},
            personal=True,
        ),
        RegistryList(
            "floating",
            _("流动人口登记"),
            "floatingregistration",
            "view",
            "export",
            lambda u, a: FloatingRegistration.objects.visible_to(u, a).select_related(
                "person", "house__building", "grid"
            ),
            FloatingRegistrationFilterSet,
            {"expiring_within": str(settings.FLOATING_EXPIRY_NOTICE_DAYS)},
            personal=True,
            related=("person", "house__building", "grid"),
        ),
        RegistryList(
            "rentals",
            _("出租屋"),
            "rentalhouse",
            "view",
            "export",
            lambda u, a: RentalHouse.objects.visible_to(u, a).select_related("house__building", "landlord", "grid"),
            RentalHouseFilterSet,
            {"active": "true"},
            personal=True,
        ),
        RegistryList(
            "organisations",
            _("组织和三小场所"),
            "organisation",
            "view",
            "export",
            lambda u, a: Organisation.objects.visible_to(u, a).select_related("grid", "building"),
            OrganisationFilterSet,
        ),
        RegistryList(
            "facilities",
            _("部件"),
            "facility",
            "view",
            "view",
            lambda u, a: Facility.objects.visible_to(u, a).select_related("grid", "owner_unit"),
            FacilityFilterSet,
        ),
        RegistryList(
            "access-log",
            _("个人信息访问日志"),
            "accesslog",
            "view",
            "view",
            lambda u, a: AccessLog.objects.visible_to(u, a).select_related("user", "person"),
            AccessLogFilterSet,
        ),
    ]
}
