"""The report form (上报): a grid worker or a resident picks a category from the matter list and a point on the map,
describes what they saw, adds photos and submits. The page calls ``services.report_case`` and nothing else writes.

The page generates a client UUID (``crypto.randomUUID``) once per form, so a double submit, a retry after a lost
response or a reload that re-posts is the same report: the service returns the first case.

Duplicate suggestions come before the submit: when a category and a point are chosen, the page asks
:func:`report_duplicates` (htmx) for open cases of that category nearby, and offers "me too" on them
(:func:`report_me_too`) instead of a second report.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.accounts.roles import Role
from gridgov.accounts.scope import assignments_of, roles_of
from gridgov.core import crs as crs_mod
from gridgov.matters.models import MatterCategory
from gridgov.territory import geojson
from gridgov.territory.models import Grid, Region
from gridgov.territory.views import grid_features, tile_crs

from .. import services
from ..models import Case, Source, Urgency
from ..selectors import possible_duplicates

#: Who may use the form, and the source their reports carry (a resident's report is 居民上报, a patrol's 巡查).
REPORT_SOURCES: dict[str, str] = {
    Role.GRID_WORKER: Source.PATROL,
    Role.GRID_HEAD: Source.PATROL,
    Role.RESIDENT: Source.RESIDENT,
}
ACCEPTED_IMAGES = "image/jpeg,image/png,image/webp"
MAX_PHOTOS = 9


def case_url(number: str) -> str:
    """The case page (built beside the workbench)."""
    return reverse("cases:case", args=[number])


def report_source(user: Any) -> str | None:
    """The source of this user's reports, or ``None`` when they hold no role that reports through this form."""
    roles = roles_of(user)
    for role, source in REPORT_SOURCES.items():
        if role in roles:
            return source
    return None


def categories_in_force() -> QuerySet[MatterCategory]:
    return MatterCategory.objects.in_force().select_related("parent").order_by("code")


def grouped_category_choices(categories: Sequence[MatterCategory]) -> list[tuple[Any, Any]]:
    """Minor categories under their major (an optgroup); a major without minors in force is a choice itself."""
    by_parent: dict[int, list[MatterCategory]] = {}
    for c in categories:
        if c.parent_id is not None:
            by_parent.setdefault(c.parent_id, []).append(c)
    choices: list[tuple[Any, Any]] = [("", _("请选择事项类别"))]
    majors = [c for c in categories if c.parent_id is None]
    seen_parents = {c.pk for c in majors}
    for major in majors:
        minors = by_parent.get(major.pk)
        if minors:
            choices.append((f"{major.code} {major.name}", [(m.pk, f"{m.code} {m.name}") for m in minors]))
        else:
            choices.append((major.pk, f"{major.code} {major.name}"))
    # A minor whose major is not in force any more is still on the list, under its major's name.
    for parent_id, minors in by_parent.items():
        if parent_id not in seen_parents:
            parent = minors[0].parent
            label = f"{parent.code} {parent.name}" if parent else ""
            choices.append((label, [(m.pk, f"{m.code} {m.name}") for m in minors]))
    return choices


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one input; each is checked by the service (type by content, size, decodable)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": ACCEPTED_IMAGES, "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS})
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    category = forms.TypedChoiceField(
        label=_("事项类别"), coerce=int, error_messages={"required": _("请选择事项类别。")}
    )
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    crs = forms.ChoiceField(widget=forms.HiddenInput, choices=[(c.value, c.value) for c in crs_mod.CRS], required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    description = forms.CharField(
        label=_("问题描述"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写问题描述。")},
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    photos = MultipleImageField(label=_("现场照片"), required=False)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, categories: Sequence[MatterCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {c.pk: c for c in categories}
        self.fields["category"].choices = grouped_category_choices(categories)  # type: ignore[attr-defined]
        self.fields["category"].error_messages["invalid_choice"] = _("该事项类别不在现行事项清单中。")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("lon") is None or data.get("lat") is None:
            self.add_error("lon", _("请在地图上点选位置,或使用“我的位置”。"))
        if not data.get("crs"):
            data["crs"] = crs_mod.CRS.WGS84.value
        return data


def _map_config(user: Any) -> dict[str, Any]:
    """The report map: the user's own grids (a grid worker's), or the community a resident is registered in."""
    crs = tile_crs()
    grids = Grid.objects.visible_to(user).current()  # type: ignore[attr-defined]
    grid_codes = {g for role, _r, _l, g in assignments_of(user) if g and role in REPORT_SOURCES}
    config: dict[str, Any] = {
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        "crs": crs.value,
        "grids": grid_features(grids.filter(code__in=grid_codes), crs) if grid_codes else None,
        "regions": None,
        "labels": {
            "locating": str(_("正在获取位置…")),
            "noGeolocation": str(_("此浏览器不能获取位置,请在地图上点选。")),
            "geolocationFailed": str(_("获取位置失败,请在地图上点选。")),
            "picked": str(_("已选位置")),
        },
    }
    if Role.RESIDENT in roles_of(user):
        # Residents do not see the territory; the community they are registered in is their own assignment.
        own = user.role_assignments.filter(role=Role.RESIDENT, region__isnull=False).values("region_id")
        config["regions"] = geojson.feature_collection(Region.objects.filter(pk__in=own), crs=crs)
    return config


def _location_error(exc: ValidationError) -> bool:
    return hasattr(exc, "error_dict") and "location" in exc.error_dict


def _apply_service_error(form: ReportForm, exc: ValidationError) -> None:
    """Put the service's refusals next to the fields they are about (a refused location under the map)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = {"location": "lon", "source": None}.get(field, field)
            if target is not None and target not in form.fields:
                target = None
            for error in errors:
                form.add_error(target, error.messages[0] if hasattr(error, "messages") else str(error))
        return
    # A photo's refusal has no field name (``check_photo`` raises plain messages).
    form.add_error("photos", exc.messages[0])


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    source = report_source(request.user)
    if source is None:
        raise PermissionDenied(_("您没有上报案件的角色。"))
    categories = list(categories_in_force())
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, categories=categories)
        if form.is_valid():
            response = _submit(request, form, source)
            if response is not None:
                return response
        status = 400
    else:
        form = ReportForm(categories=categories)
        status = 200
    context = {
        "form": form,
        "map_config": _map_config(request.user),
        "accepted_images": ACCEPTED_IMAGES,
        "duplicates_url": reverse("cases:report-duplicates"),
    }
    return render(request, "cases/report.html", context, status=status)


def _submit(request: HttpRequest, form: ReportForm, source: str) -> HttpResponse | None:
    data = form.cleaned_data
    category = form.categories[data["category"]]
    try:
        result = services.report_case(
            by=request.user,
            source=source,
            category=category,
            lon=data["lon"],
            lat=data["lat"],
            crs=data["crs"],
            description=data["description"],
            address=data["address"],
            urgency=data["urgency"],
            client_uuid=data["client_uuid"] or uuid.uuid4(),
            photos=data["photos"],
        )
    except services.TransitionNotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except services.IdempotencyConflict as exc:
        form.add_error(None, exc.message)
        return None
    except ValidationError as exc:
        _apply_service_error(form, exc)
        return None
    case = result.case
    if result.created:
        messages.success(request, _("案件 %(n)s 已上报。") % {"n": case.number})
        if result.duplicates:
            numbers = "、".join(c.number for c, _m in result.duplicates[:5])
            messages.info(
                request,
                _("附近有同类未结案件:%(numbers)s。调度员会核对是否重复。") % {"numbers": numbers},
            )
    else:
        messages.info(request, _("这份上报已经提交过,案件编号 %(n)s。") % {"n": case.number})
    return redirect(case_url(case.number))


# --- duplicate suggestions and "me too" ---------------------------------------------------------------------------


def _point_and_category(request: HttpRequest, params: Any) -> tuple[MatterCategory, float, float] | None:
    """The category (in force) and the WGS-84 point a duplicate check is about, or ``None`` if incomplete."""
    try:
        category_id = int(params.get("category") or "")
        lon = float(params.get("lon") or "")
        lat = float(params.get("lat") or "")
        crs = crs_mod.parse_crs(params.get("crs") or "wgs84")
    except ValueError:
        return None
    category = categories_in_force().filter(pk=category_id).first()
    if category is None:
        return None
    wlon, wlat = crs_mod.to_wgs84(lon, lat, crs)
    return category, wlon, wlat


def _duplicates_context(request: HttpRequest, params: Any) -> dict[str, Any]:
    found = _point_and_category(request, params)
    if found is None:
        return {"duplicates": [], "checked": False}
    category, lon, lat = found
    # Reporters see only what possible_duplicates is for: the number, how far, how many said "me too".
    chosen = {k: params.get(k, "") for k in ("category", "lon", "lat", "crs")}
    rows = [
        {
            "number": c.number,
            "metres": round(m),
            "status": c.get_status_display(),
            "me_too": c.me_too_count,
            # The suggestions sit inside the report form, so "me too" posts with htmx values, not a nested form.
            "vals": json.dumps({**chosen, "number": c.number}),
        }
        for c, m in possible_duplicates(category, lon, lat)
    ]
    return {"duplicates": rows, "checked": True, "me_too_url": reverse("cases:report-me-too")}


@login_required
@require_GET
def report_duplicates(request: HttpRequest) -> HttpResponse:
    """htmx: open cases of the chosen category near the chosen point (a partial)."""
    if report_source(request.user) is None:
        raise PermissionDenied
    return render(request, "cases/_report_duplicates.html", _duplicates_context(request, request.GET))


@login_required
@require_POST
def report_me_too(request: HttpRequest) -> HttpResponse:
    """附议 one of the suggestions. Only a case the same check offers for this category and point can be chosen,
    so a number typed by hand reaches nothing the reporter was not shown."""
    if report_source(request.user) is None:
        raise PermissionDenied
    found = _point_and_category(request, request.POST)
    number = request.POST.get("number", "")
    if found is None:
        raise Http404
    category, lon, lat = found
    offered = {c.number: c for c, _m in possible_duplicates(category, lon, lat)}
    case: Case | None = offered.get(number)
    if case is None:
        raise Http404
    try:
        counted = services.me_too(case, by=request.user)
    except services.TransitionNotAllowed as exc:
        return render(request, "cases/_report_me_too.html", {"number": number, "error": exc.message}, status=409)
    return render(
        request,
        "cases/_report_me_too.html",
        {"number": number, "counted": counted, "me_too": case.me_too_count},
    )
