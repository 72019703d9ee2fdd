"""The dispatcher workbench: the queue of cases in the user's scope, filtered by the shared
:class:`~gridgov.cases.filters.CaseFilterSet`, overdue first then by due time, paginated, with a map of the listed
cases; htmx swaps the queue without a full reload. The Excel export applies the same filters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import BooleanField, F, Q, QuerySet, Value, When
from django.db.models import Case as DbCase
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core import crs as crs_mod
from gridgov.matters.models import MatterCategory
from gridgov.territory.views import tile_crs
from gridgov.units.models import Tier

from ..filters import CaseFilterSet
from ..models import Case, Source
from ..workflow import OPEN_STATUSES, Status

CASES_PER_PAGE = 25
#: The map shows at most this many of the filtered cases (the most urgent first).
MAP_MAX_POINTS = 500

#: Status colours on the map and in the badges (site.css uses the same: .status-<value>).
STATUS_COLOURS = {
    Status.REPORTED: "#dc2626",
    Status.ACCEPTED: "#ea580c",
    Status.RETURNED: "#c026d3",
    Status.DISPATCHED: "#ca8a04",
    Status.IN_PROGRESS: "#2563eb",
    Status.TO_VERIFY: "#0891b2",
    Status.CLOSED: "#16a34a",
    Status.REJECTED: "#64748b",
    Status.MERGED: "#94a3b8",
}


def late_q(now: Any) -> Q:
    return Q(status__in=sorted(OPEN_STATUSES)) & (Q(due_flagged=True) | Q(due_at__lt=now))


def with_overdue(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return queryset.annotate(
        is_overdue=DbCase(
            When(late_q(timezone.now()), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def filter_params(request: HttpRequest) -> QueryDict:
    """The query without empty values: the filter form sends every field, and "全部" is an empty choice, which a
    multiple-choice filter would otherwise refuse."""
    params = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        kept = [v for v in values if v.strip()]
        if kept:
            params.setlist(key, kept)
    return params


def queue(request: HttpRequest) -> tuple[CaseFilterSet, QuerySet[Case]]:
    """The filtered, scoped queue: overdue first, then the nearest deadline, closed cases (no deadline) last —
    unless the user chose an ordering."""
    base = Case.objects.visible_to(request.user).select_related("category", "current_unit")
    filterset = CaseFilterSet(filter_params(request) or None, queryset=base, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    qs = with_overdue(filterset.qs if valid else base.none())
    if not (filterset.is_bound and valid and filterset.form.cleaned_data.get("ordering")):
        qs = qs.order_by(F("is_overdue").desc(), F("due_at").asc(nulls_last=True), "-created_at", "-id")
    return filterset, qs


def case_points(cases: Iterable[Case], crs: crs_mod.CRS) -> list[dict[str, Any]]:
    points = []
    for c in cases:
        lon, lat = crs_mod.from_wgs84(c.lon, c.lat, crs)
        points.append(
            {
                "number": c.number,
                "lon": round(lon, 6),
                "lat": round(lat, 6),
                "status": c.status,
                "statusLabel": str(Status(c.status).label),
                "category": c.category.name,
                "overdue": bool(getattr(c, "is_overdue", False)),
                "url": reverse("cases:case", args=[c.number]),
            }
        )
    return points


def map_config(*, points: list[dict[str, Any]], grids: dict[str, Any] | None = None) -> dict[str, Any]:
    """What static/cases/cases.js needs (given through json_script)."""
    return {
        "points": points,
        "grids": grids,
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        "colours": {str(k): v for k, v in STATUS_COLOURS.items()},
        "labels": {
            "legend": _("图例"),
            "overdue": _("超期"),
            "statuses": {s.value: str(s.label) for s in Status},
        },
    }


def filter_choices() -> dict[str, Any]:
    return {
        "statuses": Status.choices,
        "tiers": [t for t in Tier.choices if t[0] != Tier.CITY],
        "sources": Source.choices,
        "categories": MatterCategory.objects.filter(is_active=True).order_by("code").only("code", "name", "parent_id"),
    }


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import render

    filterset, qs = queue(request)
    page = Paginator(qs, CASES_PER_PAGE).get_page(request.GET.get("page"))
    crs = tile_crs()
    listed = list(qs[:MAP_MAX_POINTS])
    query = filter_params(request)
    query.pop("page", None)
    context: dict[str, Any] = {
        "filterset": filterset,
        "page": page,
        "total": page.paginator.count,
        "map_config": map_config(points=case_points(listed, crs)),
        "map_capped": page.paginator.count > MAP_MAX_POINTS,
        "map_max": MAP_MAX_POINTS,
        "query": query.urlencode(),
        "selected": {
            "status": request.GET.getlist("status"),
            "tier": request.GET.getlist("tier"),
            "source": request.GET.getlist("source"),
            "category": request.GET.get("category", ""),
            "overdue": request.GET.get("overdue", ""),
            "grid": request.GET.get("grid", ""),
            "q": request.GET.get("q", ""),
        },
        "colours": STATUS_COLOURS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "cases/_queue.html", context)
    context.update(filter_choices())
    return render(request, "cases/workbench.html", context)


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The workbench's list (same scope, same filters) as an Excel file."""
    from ..export import export_cases_xlsx, export_filename

    _filterset, qs = queue(request)
    data = export_cases_xlsx(qs, request.user)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
    return response
