"""Floating-population registrations expiring soon, rental houses, organisations and small venues (with the
fire-safety inspection), and facilities on a map and in a list."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gridgov.core import crs as crs_mod
from gridgov.core.scoping import get_visible_or_404
from gridgov.territory.models import Grid
from gridgov.territory.views import grid_features, tile_crs

from .. import services
from ..forms import InspectionForm
from ..models import (
    FacilityClass,
    FacilityStatus,
    FireSafety,
    Organisation,
    OrganisationKind,
    VenueKind,
)
from .common import list_context, may, render_page
from .lists import LISTS

#: The facility map shows at most this many of the filtered facilities.
MAP_MAX_POINTS = 2000
MAX_GRID_OUTLINES = 200


def _list(request: HttpRequest, name: str, template: str, **extra: Any) -> HttpResponse:
    spec = LISTS[name]
    filterset, qs = spec.filter(request)
    context = list_context(request, filterset, qs)
    context["query"] = spec.params(request).urlencode()
    context.update({"title": spec.title, "list_name": name, "today": timezone.localdate()})
    context["may_export"] = spec.allowed(request.user, spec.export_action)
    context["selected"] = {k: request.GET.get(k, spec.defaults.get(k, "")) for k in request.GET} | {
        k: v for k, v in spec.defaults.items() if k not in request.GET
    }
    context["selected_lists"] = {k: request.GET.getlist(k) for k in request.GET}
    context.update(extra)
    if name == "floating":
        for row in context["page"]:
            row.days_left = (row.expires_on - context["today"]).days
    return render_page(request, template, context)


@require_GET
@login_required
def floating_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "floating", "registry/floating_list.html", notice_days=settings.FLOATING_EXPIRY_NOTICE_DAYS)


@require_GET
@login_required
def rentals_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "rentals", "registry/rental_list.html")


@require_GET
@login_required
def organisations_list(request: HttpRequest) -> HttpResponse:
    return _list(
        request,
        "organisations",
        "registry/organisation_list.html",
        kinds=OrganisationKind.choices,
        venue_kinds=VenueKind.choices,
        fire_choices=FireSafety.choices,
        inspection_form=InspectionForm(initial={"on": timezone.localdate()}),
        may_inspect=may(request.user, "organisation", "change"),
        may_export=may(request.user, "organisation", "export"),
    )


@require_POST
@login_required
def organisation_inspect(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_visible_or_404(Organisation.objects.all(), request.user, pk=pk)
    form = InspectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择检查结果并填写检查日期。"))
    else:
        try:
            services.record_fire_inspection(
                by=request.user,
                organisation=organisation,
                result=form.cleaned_data["result"],
                on=form.cleaned_data["on"],
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已记录 %(n)s 的消防检查。") % {"n": organisation.name})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("registry:organisations")
    return redirect(target)


@require_GET
@login_required
def facilities(request: HttpRequest) -> HttpResponse:
    spec = LISTS["facilities"]
    _filterset, qs = spec.filter(request)
    crs = tile_crs()
    points = []
    listed = list(qs[:MAP_MAX_POINTS])
    for f in listed:
        lon, lat = crs_mod.from_wgs84(f.lon, f.lat, crs)
        points.append(
            {
                "code": f.code,
                "name": f.name,
                "lon": round(lon, 6),
                "lat": round(lat, 6),
                "status": f.status,
                "statusLabel": str(f.get_status_display()),
                "cls": str(f.get_major_class_display()),
            }
        )
    # The outlines of the grids the listed facilities are in (a page's few grids, inline).
    codes = sorted({f.scope_code for f in listed})[:MAX_GRID_OUTLINES]
    grids = Grid.objects.current().visible_to(request.user).filter(code__in=codes)
    config = {
        "points": points,
        "grids": grid_features(grids, crs) if codes else None,
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        "colours": {"normal": "#16a34a", "damaged": "#ea580c", "lost": "#dc2626", "removed": "#64748b"},
        "labels": {"legend": _("图例"), "statuses": {s.value: str(s.label) for s in FacilityStatus}},
    }
    return _list(
        request,
        "facilities",
        "registry/facility_list.html",
        map_config=config,
        classes=FacilityClass.choices,
        statuses=FacilityStatus.choices,
        map_max=MAP_MAX_POINTS,
    )
