"""The case page: facts, deadlines, timeline, photos, summonses, mediation, rating — and only the actions this user
may take now (``workflow.allowed_actions``), each with its form, all posting to :func:`case_act`, which calls the
service and nothing else. Out of scope is a 404, for the page, the photos and the actions alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from gridgov.core.scoping import get_visible_or_404
from gridgov.territory.models import Grid
from gridgov.territory.views import grid_features, tile_crs

from .. import services, workflow
from ..forms import ACTION_FORMS, ActionForm
from ..models import Case, CaseEvent, Mediation, ReturnReason
from ..selectors import timeline
from ..workflow import STAGE_LIMIT_FIELD, STAGE_OF_STATUS, Stage, Status
from .workbench import case_points, map_config

#: The stages of the loop in order, with the statuses that come after each (to tell done from pending).
STAGE_ORDER = [Stage.ACCEPT, Stage.DISPATCH, Stage.SIGN, Stage.HANDLE, Stage.VERIFY]
LIMIT_UNIT_LABEL = {"hours": gettext_lazy("工作小时"), "days": gettext_lazy("工作日")}


def case_or_404(request: HttpRequest, number: str) -> Case:
    cases = Case.objects.select_related(
        "category", "current_unit", "grid", "reporter", "duplicate_of", "last_returned_unit"
    )
    try:
        return get_visible_or_404(cases, request.user, number=number)  # type: ignore[no-any-return]
    except Http404:
        # Notifications link to /cases/<id>/; a case number is 11 digits, an id is shorter.
        if number.isdigit() and len(number) < 11:
            found = get_visible_or_404(cases, request.user, pk=int(number))
            raise Redirect(reverse("cases:case", args=[found.number])) from None
        raise


class Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


# --- what the page shows -------------------------------------------------------------------------------------


@dataclass
class StageRow:
    stage: Stage
    limit: str
    state: str  # "done" | "current" | "pending" | "skipped"
    due_at: Any
    overdue: bool


def stage_rows(case: Case) -> list[StageRow]:
    current = STAGE_OF_STATUS.get(case.status)
    now = timezone.now()
    reached = STAGE_ORDER.index(current) if current in STAGE_ORDER else len(STAGE_ORDER)
    rows = []
    for index, stage in enumerate(STAGE_ORDER):
        field = STAGE_LIMIT_FIELD[stage]
        amount = getattr(case.category, field)
        unit = getattr(case.category, f"{field}_unit")
        limit = f"{amount} {LIMIT_UNIT_LABEL.get(unit, unit)}"
        frozen = bool(case.overdue_stages.get(str(stage)))
        if stage == current:
            late = frozen or case.due_flagged or (case.due_at is not None and case.due_at < now)
            rows.append(StageRow(stage, limit, "current", case.due_at, late))
        else:
            state = "done" if index < reached else "pending"
            if case.status in (Status.REJECTED, Status.MERGED) and index > 0:
                state = "skipped"
            rows.append(StageRow(stage, limit, state, None, frozen))
    return rows


def show_reporter(case: Case, user: Any) -> bool:
    """The reporter's identity: to the centres over the case (and the reporter), the one rule in disclosure.py."""
    from ..disclosure import sees_reporter

    return sees_reporter(case, user)


@dataclass
class EventView:
    event: CaseEvent
    actor: str
    details: list[str]


def _event_details(event: CaseEvent) -> list[str]:
    data = event.data or {}
    out: list[str] = []
    if data.get("unit_name"):
        out.append(_("处置单位:%(u)s") % {"u": data["unit_name"]})
    if event.action == "return" and data.get("reason") in ReturnReason.values:
        out.append(_("退回理由:%(r)s") % {"r": ReturnReason(data["reason"]).label})
    if data.get("from_tier") and data.get("to_tier"):
        from gridgov.units.models import Tier

        out.append(_("层级:%(a)s → %(b)s") % {"a": Tier(data["from_tier"]).label, "b": Tier(data["to_tier"]).label})
    if data.get("amount") and data.get("unit") in LIMIT_UNIT_LABEL:
        out.append(_("延期:%(n)s %(u)s") % {"n": data["amount"], "u": LIMIT_UNIT_LABEL[data["unit"]]})
    if data.get("into_number"):
        out.append(_("合并到:%(n)s") % {"n": data["into_number"]})
    if data.get("rating"):
        from ..models import Rating

        if data["rating"] in Rating.values:
            out.append(_("评价:%(r)s") % {"r": Rating(data["rating"]).label})
    if data.get("late"):
        out.append(_("逾期报到"))
    return out


def _unit_names(events: list[CaseEvent]) -> dict[int, str]:
    from gridgov.units.models import Unit

    ids: set[int] = set()
    for event in events:
        data = event.data or {}
        ids.update(u for u in data.get("units", []) if isinstance(u, int))
        if isinstance(data.get("unit"), int) and not data.get("unit_name"):
            ids.add(data["unit"])
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def event_views(case: Case, user: Any, reporter_visible: bool) -> list[EventView]:
    rows = []
    events = list(timeline(case))
    units = _unit_names(events)
    for event in events:
        if event.actor is None:
            actor = _("系统")
        elif not reporter_visible and event.actor_id == case.reporter_id:
            actor = _("上报人")
        else:
            actor = str(event.actor)
        details = _event_details(event)
        data = event.data or {}
        if event.action == "summon" and data.get("units"):
            names = [units.get(u, "?") for u in data["units"]]
            details.insert(0, _("召集单位:%(u)s") % {"u": pgettext("list separator", "、").join(names)})
        elif event.action in ("report_in", "finish_part") and data.get("unit") in units:
            details.insert(0, _("单位:%(u)s") % {"u": units[data["unit"]]})
        rows.append(EventView(event, actor, details))
    return rows


def action_forms(case: Case, user: Any, bound: ActionForm | None = None) -> list[tuple[str, Any, ActionForm]]:
    """(action, label, form) for each action the user may take now; mediation shows the form its stage needs."""
    allowed = workflow.allowed_actions(case, user)
    out: list[tuple[str, Any, ActionForm]] = []
    mediation = Mediation.objects.filter(case=case).first()
    for name, form_class in ACTION_FORMS.items():
        if form_class.transition not in allowed:
            continue
        if name == "mediate_register" and mediation is not None:
            continue
        if name in ("mediate_session", "mediate_advance") and mediation is None:
            continue
        if name in ("report_in", "finish_part"):
            form = form_class(case=case, user=user)
            if not form.fields["unit"].queryset.exists():  # type: ignore[attr-defined]
                continue  # nothing left for this user's units at this step
        label = MEDIATION_LABELS.get(name) or workflow.TRANSITIONS[form_class.transition].label
        if bound is not None and bound.action_name() == name:
            out.append((name, label, bound))
        else:
            out.append((name, label, form_class(case=case, user=user)))
    return out


#: Guards worth explaining when they hold an action back (the others would only be noise on most cases).
EXPLAINED_GUARDS = frozenset(
    {
        "summons_complete",
        "not_own_settlement",
        "no_pending_extension",
        "category_allows_self_settle",
        "below_top_tier",
        "within_reopen_days",
    }
)


def blocked_actions(case: Case, user: Any) -> list[tuple[Any, Any]]:
    """(label, why) for actions the user's role and the case's state allow but a rule holds back for now."""
    out = []
    for name, transition in workflow.TRANSITIONS.items():
        try:
            workflow.check(case, user, name)
        except workflow.TransitionNotAllowed as exc:
            if exc.rule in EXPLAINED_GUARDS:
                out.append((transition.label, exc.message))
    return out


MEDIATION_LABELS = {
    "mediate_register": gettext_lazy("登记调解"),
    "mediate_session": gettext_lazy("记录调解"),
    "mediate_advance": gettext_lazy("推进调解阶段"),
}


def case_context(request: HttpRequest, case: Case, bound: ActionForm | None = None) -> dict[str, Any]:
    user = request.user
    reporter_visible = show_reporter(case, user)
    crs = tile_crs()
    grid = Grid.objects.filter(pk=case.grid_id) if case.grid_id else Grid.objects.none()
    config = map_config(points=case_points([case], crs), grids=grid_features(grid, crs))
    mediation = Mediation.objects.filter(case=case).prefetch_related("parties", "mediators", "sessions").first()
    forms = action_forms(case, user, bound)
    return {
        "case": case,
        "now": timezone.now(),
        "stages": stage_rows(case),
        "events": event_views(case, user, reporter_visible),
        "photos": list(case.attachments.select_related("event").order_by("id")),
        "summonses": list(case.summonses.select_related("unit").order_by("id")),
        "mediation": mediation,
        "mediation_stages": workflow_stage_list(mediation),
        "show_reporter": reporter_visible,
        "forms": forms,
        "blocked": blocked_actions(case, user),
        "open_action": bound.action_name() if bound is not None else "",
        "map_config": config,
    }


def workflow_stage_list(mediation: Mediation | None) -> list[tuple[Any, str]]:
    from ..models import MEDIATION_STAGE_ORDER

    if mediation is None:
        return []
    reached = MEDIATION_STAGE_ORDER.index(mediation.stage)  # type: ignore[arg-type]
    return [
        (stage.label, "done" if i < reached else "current" if i == reached else "pending")
        for i, stage in enumerate(MEDIATION_STAGE_ORDER)
    ]


@login_required
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    try:
        case = case_or_404(request, number)
    except Redirect as r:
        return redirect(r.url)
    return render(request, "cases/case.html", case_context(request, case))


# --- acting ------------------------------------------------------------------------------------------------------

Service = Callable[[Case, Any, dict[str, Any]], Any]

SERVICES: dict[str, Service] = {
    "accept": lambda c, u, d: services.accept_case(c, by=u, note=d["note"]),
    "reject": lambda c, u, d: services.reject_case(c, by=u, reason=d["reason"]),
    "self_settle": lambda c, u, d: services.self_settle(c, by=u, result=d["result"], photos=d["photos"]),
    "dispatch": lambda c, u, d: services.dispatch_case(c, to=d["unit"], by=u, note=d["note"]),
    "sign": lambda c, u, d: services.sign_case(c, by=u, note=d["note"]),
    "return": lambda c, u, d: services.return_case(c, by=u, reason=d["reason"], note=d["note"]),
    "handle": lambda c, u, d: services.handle_case(c, by=u, result=d["result"], photos=d["photos"]),
    "verify": lambda c, u, d: services.verify_case(c, by=u, note=d["note"], photos=d["photos"]),
    "redo": lambda c, u, d: services.redo_case(c, by=u, reason=d["reason"], photos=d["photos"]),
    "escalate": lambda c, u, d: services.escalate_case(c, by=u, reason=d["reason"]),
    "request_extension": lambda c, u, d: services.request_extension(
        c, by=u, amount=d["amount"], unit=d["unit"], reason=d["reason"]
    ),
    "approve_extension": lambda c, u, d: services.approve_extension(c, by=u, note=d["note"]),
    "refuse_extension": lambda c, u, d: services.refuse_extension(c, by=u, reason=d["reason"]),
    "remind": lambda c, u, d: services.remind_case(c, by=u, note=d["note"]),
    "supervise": lambda c, u, d: services.supervise_case(c, by=u, note=d["note"]),
    "summon": lambda c, u, d: services.summon_units(
        c, by=u, units=list(d["units"]), deadline=d["deadline"], note=d["note"]
    ),
    "report_in": lambda c, u, d: services.report_in(c, by=u, unit=d["unit"], note=d["note"]),
    "finish_part": lambda c, u, d: services.finish_part(c, by=u, unit=d["unit"], result=d["result"]),
    "merge": lambda c, u, d: services.merge_duplicate(c, into=d["into"], by=u, note=d["note"]),
    "mediate_register": lambda c, u, d: services.open_mediation(
        c, by=u, parties=d["parties"], mediators=d["mediators"], risk_level=d["risk_level"], note=d["note"]
    ),
    "mediate_session": lambda c, u, d: services.record_session(
        c, by=u, held_on=d["held_on"], outcome=d["outcome"], agreement_reached=d["agreement_reached"]
    ),
    "mediate_advance": lambda c, u, d: services.advance_mediation(
        c,
        by=u,
        stage=d["stage"],
        note=d["note"],
        risk_level=d["risk_level"] or None,
        agreement_text=d["agreement_text"],
    ),
    "rate": lambda c, u, d: services.rate_case(c, by=u, rating=d["rating"], comment=d["comment"]),
    "reopen": lambda c, u, d: services.reopen_case(c, by=u, reason=d["reason"]),
}


def _back(case: Case, anchor: str = "") -> HttpResponseRedirect:
    return redirect(reverse("cases:case", args=[case.number]) + anchor)


@login_required
@require_POST
def case_act(request: HttpRequest, number: str) -> HttpResponse:
    """Take one action: check it is allowed now, validate its form, call its service. A refusal is a message on
    the page; a case that moved since the page was read is a conflict (reload); success goes back to the page."""
    case = get_visible_or_404(Case.objects.select_related("category", "current_unit"), request.user, number=number)
    name = request.POST.get("action", "")
    form_class = ACTION_FORMS.get(name)
    if form_class is None:
        messages.error(request, _("未知的操作。"))
        return _back(case)
    label = MEDIATION_LABELS.get(name) or workflow.TRANSITIONS[form_class.transition].label
    if request.POST.get("version", "") != str(case.version):
        # The page is older than the case: whatever it offered may no longer hold.
        messages.warning(request, _("案件已被他人处理,请刷新"))
        return _back(case)
    try:
        workflow.check(case, request.user, form_class.transition)
    except workflow.TransitionNotAllowed as exc:
        messages.error(request, str(exc.message))
        return _back(case)
    form = form_class(request.POST, request.FILES, case=case, user=request.user)
    if not form.is_valid():
        return render(request, "cases/case.html", case_context(request, case, bound=form), status=400)
    # The service compares this with the locked row: a page older than the case is a conflict, not a silent act.
    case.version = form.cleaned_data["version"]
    try:
        SERVICES[name](case, request.user, form.cleaned_data)
    except workflow.TransitionNotAllowed as exc:
        messages.error(request, str(exc.message))
    except services.CaseConflict:
        messages.warning(request, _("案件已被他人处理,请刷新"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Case.DoesNotExist:
        raise Http404 from None
    else:
        messages.success(request, _("已完成:%(action)s。") % {"action": label})
        return _back(case, "#timeline")
    return _back(case)


@login_required
def case_photo(request: HttpRequest, number: str, pk: str) -> FileResponse:
    """A case photo, to those who may see the case (the stored file carries no EXIF)."""
    case = get_visible_or_404(Case.objects.all(), request.user, number=number)
    attachment = get_object_or_404(case.attachments, pk=int(pk))
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
