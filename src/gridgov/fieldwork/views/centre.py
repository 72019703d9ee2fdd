"""The centre's field-work pages under /field/: the workers' tracks of a day on a map, coverage per grid for a
month, home visits overdue, and tasks (list, assign, accept / redo / remind), each with its Excel export.

Grid heads and centres (and leaders, administrators) see the field work of their scope; a grid worker sees only
their own (``figures.own_only``). Every read goes through ``visible_to``; a task out of scope is a 404."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import numpy as np
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, F, Max, Q, QuerySet, Value, When, Window
from django.db.models import Case as DbCase
from django.db.models.functions import Mod, RowNumber
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.roles import Role
from gridgov.accounts.scope import scope_for
from gridgov.core import crs as crs_mod
from gridgov.core.scoping import get_visible_or_404, prefix_q
from gridgov.matters.models import MatterCategory
from gridgov.registry.models import PersonTag
from gridgov.territory.models import TERRITORIAL_KINDS, Grid
from gridgov.territory.views import grid_features, tile_crs

from .. import export
from .. import figures as fig
from ..models import OPEN_TASK_STATUSES, CheckIn, Patrol, Task, TaskKind, TaskStatus, TrackPoint
from ..services import assign_task, remind_task, review_task
from ..services.patrols import checkin_is_far
from ..services.photos import photo_response, task_photos, visible_photo

SHANGHAI = fig.SHANGHAI
#: One colour per worker on the tracks map (cycled).
PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563"]
#: At most this many points of a track are drawn (evenly thinned); the figures use all of them.
MAX_DRAWN_POINTS = 500
#: The tracks page draws and lists at most this many patrols of a day, and this many check-ins (a district's day
#: holds thousands of patrols and millions of points): beyond them, it asks for a grid.
MAX_DRAWN_PATROLS = 200
MAX_DRAWN_CHECKINS = 2000
MAP_MAX_GRIDS = 400
TASKS_PER_PAGE = 30


# --- helpers ----------------------------------------------------------------------------------------------


def _require_fieldwork(user: Any) -> None:
    """Field work is read by the roles that may view patrols; others (residents, department handlers) get 403."""
    if scope_for(user, "patrol", "view").empty:
        raise PermissionDenied(_("您没有查看外勤工作的权限。"))


def _today() -> dt.date:
    return timezone.localtime(timezone.now(), SHANGHAI).date()


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return _today()


def _month(request: HttpRequest) -> dt.date:
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return _today().replace(day=1)


def _grid_filter(request: HttpRequest) -> Grid | None:
    """The ``grid`` parameter: a grid the user may see, else 404."""
    code = request.GET.get("grid", "").strip()
    if not code:
        return None
    return get_visible_or_404(Grid.objects.all(), request.user, "view", code=code)  # type: ignore[arg-type]


def _visible_grids(request: HttpRequest, grid: Grid | None) -> QuerySet[Grid]:
    """The grids a page's figures are about: the one asked for, else the territorial grids in view (grid workers
    patrol comprehensive and special grids; micro-grids inside them would only add rows of zeros)."""
    if grid is not None:
        return Grid.objects.filter(pk=grid.pk)
    visible = Grid.objects.visible_to(request.user, "view").current()  # type: ignore[attr-defined]
    return visible.filter(kind__in=TERRITORIAL_KINDS)  # type: ignore[no-any-return]


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=export.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export.filename(name)}"'
    return response


def _map_base() -> dict[str, Any]:
    return {"tileUrl": settings.MAP_TILE_URL, "tileAttribution": settings.MAP_TILE_ATTRIBUTION}


# --- tracks of a day --------------------------------------------------------------------------------------


def day_patrols(request: HttpRequest, day: dt.date, grid: Grid | None) -> QuerySet[Patrol]:
    start, end = fig.day_bounds(day)
    qs = fig.scoped_patrols(request.user).filter(started_at__gte=start, started_at__lt=end)
    if grid is not None:
        qs = qs.filter(grid=grid)
    return qs.select_related("worker", "grid").order_by("worker__username", "started_at")


def latest_patrol_day(request: HttpRequest, grid: Grid | None) -> dt.date | None:
    """The latest day up to today (Beijing time) with a patrol the user may see, in ``grid`` if given."""
    _start, end = fig.day_bounds(_today())
    qs = fig.scoped_patrols(request.user).filter(started_at__lt=end)
    if grid is not None:
        qs = qs.filter(grid=grid)
    latest = qs.aggregate(m=Max("started_at"))["m"]
    return timezone.localtime(latest, SHANGHAI).date() if latest is not None else None


def drawn_points(patrols: list[Patrol]) -> QuerySet[TrackPoint]:
    """The points drawn of each patrol, thinned in the database: every k-th (k = its points ÷
    ``MAX_DRAWN_POINTS``, rounded up) and its last, so a day's page reads at most ``MAX_DRAWN_POINTS`` + 1 points a
    patrol however long the tracks (the figures use all of them)."""
    by_patrol = [F("patrol_id")]
    rows = TrackPoint.objects.filter(patrol__in=[p.pk for p in patrols]).annotate(
        rn=Window(RowNumber(), partition_by=by_patrol, order_by=F("t").asc()),
        n=Window(Count("id"), partition_by=by_patrol),
    )
    step = (F("n") + (MAX_DRAWN_POINTS - 1)) / MAX_DRAWN_POINTS  # integer division on both databases
    keep = Q(skip=0) | Q(rn=F("n"))
    return rows.annotate(skip=Mod(F("rn") - 1, step)).filter(keep).order_by("patrol", "t")


def tracks_config(patrols: list[Patrol], checkins: list[CheckIn], grids: QuerySet[Grid]) -> dict[str, Any]:
    crs = tile_crs()
    by_patrol: dict[Any, list[tuple[float, float]]] = {}
    for patrol_id, lon, lat in drawn_points(patrols).values_list("patrol_id", "lon", "lat"):
        by_patrol.setdefault(patrol_id, []).append((lon, lat))
    colours: dict[int, str] = {}
    for p in patrols:
        colours.setdefault(p.worker_id, PALETTE[len(colours) % len(PALETTE)])
    out = []
    for p in patrols:
        coords = np.asarray(by_patrol.get(p.pk, []), dtype=float).reshape(-1, 2)
        coords = crs_mod.from_wgs84_array(coords, crs) if len(coords) else coords
        local = timezone.localtime(p.started_at, SHANGHAI)
        out.append(
            {
                "id": str(p.pk),
                "worker": str(p.worker),
                "grid": p.grid.code,
                "colour": colours[p.worker_id],
                "flagged": p.flagged,
                "started": local.strftime("%H:%M"),
                "hours": round(p.duration_s / 3600, 2),
                "km": round(p.distance_m / 1000, 2),
                # Leaflet wants [lat, lon].
                "latlngs": [[round(float(lat), 6), round(float(lon), 6)] for lon, lat in coords],
            }
        )
    points = []
    for c in checkins:
        lon, lat = (c.lon, c.lat) if c.lon is not None and c.lat is not None else (c.building.lon, c.building.lat)
        lon, lat = crs_mod.from_wgs84(lon, lat, crs)
        points.append(
            {
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "building": str(c.building),
                "worker": str(c.worker),
                "colour": colours.get(c.worker_id, "#334155"),
                "time": timezone.localtime(c.made_at, SHANGHAI).strftime("%H:%M"),
                "far": checkin_is_far(c),
            }
        )
    return {
        **_map_base(),
        "patrols": out,
        "checkins": points,
        "grids": grid_features(
            Grid.objects.filter(pk__in=list(grids.values_list("pk", flat=True)[:MAP_MAX_GRIDS])), crs
        ),
        "labels": {
            "flagged": _("存疑巡查"),
            "checkin": _("打卡"),
            "far": _("距楼栋较远"),
            "legend": _("网格员"),
            "hours": _("小时"),
            "km": _("公里"),
        },
    }


@login_required
def tracks(request: HttpRequest) -> HttpResponse:
    _require_fieldwork(request.user)
    day, grid = _day(request), _grid_filter(request)
    patrols = list(day_patrols(request, day, grid)[: MAX_DRAWN_PATROLS + 1])
    if not patrols and "day" not in request.GET:
        # Asked for no day, and nobody has patrolled yet today (early morning, a day off, a demo built days ago):
        # open on the latest day with patrols, and say so, rather than on an empty map.
        latest = latest_patrol_day(request, grid)
        if latest is not None and latest != day:
            day = latest
            patrols = list(day_patrols(request, day, grid)[: MAX_DRAWN_PATROLS + 1])
            messages.info(request, _("今天还没有巡查记录,显示最近有巡查的一天:%(day)s。") % {"day": day.isoformat()})
    patrols_total, flagged_total = len(patrols), sum(p.flagged for p in patrols)
    if len(patrols) > MAX_DRAWN_PATROLS:
        # A wide scope's day: say how many there are, draw the first ones, and ask for a grid.
        counts = day_patrols(request, day, grid).aggregate(n=Count("id"), flagged=Count("id", filter=Q(flagged=True)))
        patrols_total, flagged_total = counts["n"], counts["flagged"]
        patrols = patrols[:MAX_DRAWN_PATROLS]
    for p in patrols:
        p.hours = round(p.duration_s / 3600, 2)  # type: ignore[attr-defined]
        p.km = round(p.distance_m / 1000, 2)  # type: ignore[attr-defined]
    start, end = fig.day_bounds(day)
    checkins = fig.scoped_checkins(request.user).filter(made_at__gte=start, made_at__lt=end)
    if grid is not None:
        checkins = checkins.filter(building__grid=grid)
    checkins_list = list(checkins.select_related("building", "worker").order_by("made_at")[: MAX_DRAWN_CHECKINS + 1])
    checkins_total = len(checkins_list)
    if checkins_total > MAX_DRAWN_CHECKINS:
        checkins_total = checkins.count()
        checkins_list = checkins_list[:MAX_DRAWN_CHECKINS]
    shown_grids = Grid.objects.filter(pk__in={p.grid_id for p in patrols} | ({grid.pk} if grid else set()))
    report = fig.for_day(request.user, day, grids=_visible_grids(request, grid))
    return render(
        request,
        "fieldwork/centre/tracks.html",
        {
            "nav_current": "fieldwork:tracks",
            "day": day,
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "grid": grid,
            "patrols": patrols,
            "patrols_total": patrols_total,
            "flagged_total": flagged_total,
            "checkins_total": checkins_total,
            "checkins_drawn": len(checkins_list),
            "rows": report.workers,
            "map_config": tracks_config(patrols, checkins_list, shown_grids),
        },
    )


@login_required
def tracks_export(request: HttpRequest) -> HttpResponse:
    _require_fieldwork(request.user)
    day, grid = _day(request), _grid_filter(request)
    return _xlsx(export.patrols_xlsx(day_patrols(request, day, grid), request.user, day), f"patrols-{day}")


# --- coverage of a month ----------------------------------------------------------------------------------


def _coverage_report(request: HttpRequest) -> tuple[dt.date, Grid | None, fig.Report]:
    month, grid = _month(request), _grid_filter(request)
    return month, grid, fig.for_month(request.user, month, grids=_visible_grids(request, grid))


def _shade(coverage: float | None) -> str:
    if coverage is None:
        return "none"
    if coverage >= 0.8:
        return "high"
    if coverage >= 0.5:
        return "mid"
    return "low"


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    _require_fieldwork(request.user)
    month, grid, report = _coverage_report(request)
    grid_rows = report.grids
    codes = [r.grid.code for r in grid_rows[:MAP_MAX_GRIDS]]
    config = {
        **_map_base(),
        "grids": grid_features(Grid.objects.filter(code__in=codes), tile_crs()),
        "coverage": {r.grid.code: r.figures.coverage for r in grid_rows},
        "labels": {
            "legend": _("巡查覆盖率"),
            "high": _("≥ 80%"),
            "mid": _("50%–80%"),
            "low": _("< 50%"),
            "none": _("无住户数据"),
        },
    }
    prev_month = (month - dt.timedelta(days=1)).replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "fieldwork/centre/coverage.html",
        {
            "nav_current": "fieldwork:coverage",
            "month": month,
            "prev_month": prev_month,
            "next_month": next_month,
            "grid": grid,
            "grid_rows": [(r, _shade(r.figures.coverage)) for r in grid_rows],
            "worker_rows": report.workers,
            "map_config": config,
            "map_capped": len(grid_rows) > MAP_MAX_GRIDS,
        },
    )


@login_required
def coverage_export(request: HttpRequest) -> HttpResponse:
    _require_fieldwork(request.user)
    month, _grid, report = _coverage_report(request)
    return _xlsx(export.coverage_xlsx(report, request.user, month), f"coverage-{month:%Y-%m}")


# --- home visits overdue ----------------------------------------------------------------------------------


def overdue_tags(request: HttpRequest, grid: Grid | None) -> QuerySet[PersonTag]:
    qs = (
        PersonTag.objects.visible_to(request.user, "view")
        .current()
        .filter(next_visit_due__lt=_today(), person__is_active=True)  # nobody visits the deceased or moved away
    )
    if grid is not None:
        qs = qs.filter(scope_code__startswith=grid.code)
    return qs.select_related("person", "responsible").order_by("scope_code", "next_visit_due", "id")


@login_required
def visits(request: HttpRequest) -> HttpResponse:
    _require_fieldwork(request.user)
    grid = _grid_filter(request)
    tags = list(overdue_tags(request, grid)[:2000])
    today = _today()
    names = dict(Grid.objects.filter(code__in={t.scope_code for t in tags}).values_list("code", "name"))
    groups: dict[str, dict[str, Any]] = {}
    for tag in tags:
        group = groups.setdefault(
            tag.scope_code, {"code": tag.scope_code, "name": names.get(tag.scope_code, ""), "tags": []}
        )
        group["tags"].append({"tag": tag, "days": (today - tag.next_visit_due).days})
    return render(
        request,
        "fieldwork/centre/visits.html",
        {
            "nav_current": "fieldwork:visits",
            "grid": grid,
            "groups": list(groups.values()),
            "total": len(tags),
            "today": today,
        },
    )


@login_required
def visits_export(request: HttpRequest) -> HttpResponse:
    _require_fieldwork(request.user)
    grid = _grid_filter(request)
    return _xlsx(export.visits_overdue_xlsx(overdue_tags(request, grid), request.user, _today()), "visits-overdue")


# --- tasks ------------------------------------------------------------------------------------------------


def scoped_tasks(user: Any) -> QuerySet[Task]:
    qs = Task.objects.visible_to(user, "view")
    return qs.filter(assignee=user) if fig.own_only(user) else qs


def task_list(request: HttpRequest) -> QuerySet[Task]:
    now = timezone.now()
    late = Q(status__in=OPEN_TASK_STATUSES) & (Q(overdue=True) | Q(due_at__lt=now))
    qs = scoped_tasks(request.user).annotate(
        is_late=DbCase(When(late, then=Value(True)), default=Value(False), output_field=BooleanField())
    )
    status = request.GET.get("status", "")
    if status in TaskStatus.values:
        qs = qs.filter(status=status)
    elif status == "open":
        qs = qs.filter(status__in=OPEN_TASK_STATUSES)
    if request.GET.get("overdue") == "1":
        qs = qs.filter(late)
    code = request.GET.get("grid", "").strip()
    if code:
        qs = qs.filter(grid=_grid_filter(request))
    return qs.select_related("category", "grid", "assignee", "assigned_by").order_by("-is_late", "due_at", "id")


def assignable_grids(user: Any) -> QuerySet[Grid]:
    scope = scope_for(user, "task", "add")
    if scope.empty:
        return Grid.objects.none()
    grids = Grid.objects.current()
    if not scope.everything:
        grids = grids.filter(Q(code__in=scope.grid_codes) | prefix_q("code", scope.region_prefixes))
    return grids.order_by("code")


class WorkerChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "display_name", "") or obj.get_username())


class AssignForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("事项"), queryset=MatterCategory.objects.all(), to_field_name="code"
    )
    kind = forms.ChoiceField(label=gettext_lazy("任务类型"), choices=TaskKind.choices)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=120)
    description = forms.CharField(label=gettext_lazy("要求"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    grid = forms.ModelChoiceField(label=gettext_lazy("网格"), queryset=Grid.objects.none(), to_field_name="code")
    assignee = WorkerChoice(label=gettext_lazy("网格员"), queryset=User.objects.none())
    due_at = forms.DateTimeField(
        label=gettext_lazy("完成时限"),
        required=False,
        help_text=gettext_lazy("留空则按事项时限(工作时间)计算。"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for bound in self.fields.values():
            bound.widget.attrs.setdefault("class", "field")
        grids = assignable_grids(user)
        grid_field = self.fields["grid"]
        assert isinstance(grid_field, forms.ModelChoiceField)
        grid_field.queryset = grids
        worker_ids = RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid__in=grids).values("user_id")
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, forms.ModelChoiceField)
        assignee_field.queryset = User.objects.filter(pk__in=worker_ids).order_by("username")
        # The list offers the matters admitted for grid workers; any other code is refused by admission (on the
        # field, with the reason) rather than by the choice list, so the reason is said.
        self.offered = MatterCategory.objects.grid_assignable().order_by("code")


def _tasks_context(request: HttpRequest, form: AssignForm | None) -> dict[str, Any]:
    qs = task_list(request)
    page = Paginator(qs, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    photos = task_photos([t.pk for t in page])
    for t in page:
        t.field_photos = photos[t.pk]  # type: ignore[attr-defined]
    may_assign = not scope_for(request.user, "task", "add").empty
    may_review = not scope_for(request.user, "task", "review").empty
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "nav_current": "fieldwork:tasks",
        "page": page,
        "total": page.paginator.count,
        "statuses": TaskStatus.choices,
        "selected": {k: request.GET.get(k, "") for k in ("status", "overdue", "grid")},
        "query": query.urlencode(),
        "may_assign": may_assign,
        "may_review": may_review,
        "open_statuses": [str(s) for s in OPEN_TASK_STATUSES],
        "form": form if form is not None else (AssignForm(user=request.user) if may_assign else None),
    }


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    _require_fieldwork(request.user)
    return render(request, "fieldwork/centre/tasks.html", _tasks_context(request, None))


@login_required
def tasks_export(request: HttpRequest) -> HttpResponse:
    _require_fieldwork(request.user)
    return _xlsx(export.tasks_xlsx(task_list(request), request.user), "tasks")


@login_required
@require_POST
def task_assign(request: HttpRequest) -> HttpResponse:
    if scope_for(request.user, "task", "add").empty:
        raise PermissionDenied(_("您没有派发任务的权限。"))
    form = AssignForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        due = data["due_at"]
        if due is not None and timezone.is_naive(due):
            due = timezone.make_aware(due, SHANGHAI)
        try:
            task = assign_task(
                by=request.user,
                category=data["category"],
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                grid=data["grid"],
                assignee=data["assignee"],
                due_at=due,
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error("grid", str(exc))
        else:
            messages.success(request, _("任务“%(t)s”已派发。") % {"t": task.title})
            return redirect("fieldwork:tasks")
    response = render(request, "fieldwork/centre/tasks.html", _tasks_context(request, form))
    response.status_code = 400
    return response


@login_required
@require_POST
def task_act(request: HttpRequest, pk: int) -> HttpResponse:
    _require_fieldwork(request.user)
    task = scoped_tasks(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")
    try:
        if action == "accept":
            review_task(by=request.user, task=task, accept=True, note=note)
            messages.success(request, _("任务已验收。"))
        elif action == "redo":
            review_task(by=request.user, task=task, accept=False, note=note)
            messages.success(request, _("任务已退回重做。"))
        elif action == "remind":
            remind_task(by=request.user, task=task)
            messages.success(request, _("已催办。"))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(str(m) for msgs in exc.message_dict.values() for m in msgs))
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    return redirect(reverse("fieldwork:tasks"))


@login_required
def field_photo(request: HttpRequest, photo_uuid: uuid.UUID) -> FileResponse:
    """A photo of a task report, visit or check-in, to whoever may see that record (else 404)."""
    _require_fieldwork(request.user)
    return photo_response(visible_photo(request.user, photo_uuid))
