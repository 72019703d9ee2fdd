"""Special groups and key youth, and care groups: lists by kind, area, visits due (overdue highlighted) and
responsible person; tagging a person (the kind's own fields from ``TAG_FIELDS``) and recording a visit.

The special-group list is a 404 for roles outside ``settings.SPECIAL_GROUP_ROLES``: not even its existence shows."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gridgov.core.scoping import get_visible_or_404

from .. import services
from ..forms import TagForm
from ..models import OPEN_KINDS, RESTRICTED_KINDS, Person, PersonTag, TagKind
from .common import apply_errors, list_context, may, render_page
from .lists import LISTS
from .people import person_or_404, refuse_deregistered_page, taggable_kinds


def _tag_list(request: HttpRequest, name: str) -> HttpResponse:
    spec = LISTS[name]
    filterset, qs = spec.filter(request)
    responsible = request.GET.get("responsible", "")
    if responsible == "me":
        qs = qs.filter(responsible=request.user)
    elif responsible:
        qs = qs.filter(responsible__username=responsible)
    context: dict[str, Any] = list_context(request, filterset, qs.order_by("next_visit_due", "id"))
    context["query"] = spec.params(request).urlencode()
    kinds = RESTRICTED_KINDS if name == "special" else OPEN_KINDS
    context.update(
        {
            "list_name": name,
            "title": spec.title,
            "kinds": [(k, TagKind(k).label) for k in kinds],
            "today": timezone.localdate(),
            "may_visit": may(request.user, spec.permission, "change"),
            "may_export": spec.allowed(request.user, spec.export_action),
            "selected": {
                "kind": request.GET.getlist("kind"),
                "area": request.GET.get("area", ""),
                "visit_due": request.GET.get("visit_due", ""),
                "current": request.GET.get("current", "true"),
                "responsible": responsible,
            },
        }
    )
    return render_page(request, "registry/tag_list.html", context)


@require_GET
@login_required
def special_list(request: HttpRequest) -> HttpResponse:
    return _tag_list(request, "special")


@require_GET
@login_required
def care_list(request: HttpRequest) -> HttpResponse:
    return _tag_list(request, "care")


@login_required
def person_tag(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_or_404(request, pk)
    kinds = taggable_kinds(request.user, person)
    if not kinds:
        raise PermissionDenied(_("您没有权限管理此类人员。"))
    if not person.is_active:
        return refuse_deregistered_page(request, person, "tag")
    kind = request.POST.get("kind") or request.GET.get("kind")
    today = timezone.localdate()
    form = TagForm(request.POST or None, kinds=kinds, kind=kind, initial={"kind": kind, "on": today})
    if request.method == "POST" and request.POST.get("refresh") != "1" and form.is_valid():
        try:
            services.tag_person(
                by=request.user,
                person=person,
                kind=form.cleaned_data["kind"],
                on=form.cleaned_data["on"],
                details=form.details(),
                attention_level=form.cleaned_data["attention_level"],
                visit_every_days=form.cleaned_data.get("visit_every_days"),
                note=form.cleaned_data.get("note", ""),
                responsible=request.user,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                exc = ValidationError(
                    {(f"d_{k}" if f"d_{k}" in form.fields else k): v for k, v in exc.error_dict.items()}
                )
            apply_errors(form, exc)
        else:
            messages.success(request, _("已列管。"))
            return redirect("registry:person", pk=person.pk)
    if request.POST.get("refresh") == "1":
        form = TagForm(kinds=kinds, kind=kind, initial={**request.POST.dict(), "on": request.POST.get("on") or today})
    # Choosing another kind reloads the form with that kind's own fields (htmx; without it, the submit button).
    form.fields["kind"].widget.attrs.update(
        {
            "hx-post": request.path,
            "hx-trigger": "change",
            "hx-target": "#tag-form-wrap",
            "hx-include": "closest form",
            "hx-vals": '{"refresh": "1"}',
        }
    )
    context = {"person": person, "form": form}
    if request.headers.get("HX-Request"):
        return render(request, "registry/_tag_form.html", context)
    return render_page(request, "registry/tag_form.html", context)


@require_POST
@login_required
def tag_visit(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_visible_or_404(PersonTag.objects.select_related("person"), request.user, pk=pk)
    from ..forms import DateForm

    form = DateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的走访日期。"))
    else:
        try:
            services.record_tag_visit(by=request.user, tag=tag, on=form.cleaned_data["on"])
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(_messages(exc)))
        else:
            messages.success(request, _("已记录走访,下次走访:%(d)s。") % {"d": tag.next_visit_due.strftime("%Y-%m-%d")})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "registry:person", **({} if target else {"pk": tag.person_id}))


@require_POST
@login_required
def tag_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a person off a list (撤销列管) on a date, with a note."""
    tag = get_visible_or_404(PersonTag.objects.select_related("person"), request.user, pk=pk)
    from ..forms import DateForm

    form = DateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的撤销日期。"))
    else:
        try:
            services.end_tag(by=request.user, tag=tag, on=form.cleaned_data["on"], note=request.POST.get("note", ""))
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(_messages(exc)))
        else:
            messages.success(request, _("已撤销列管:%(k)s。") % {"k": tag.get_kind_display()})
    return redirect("registry:person", pk=tag.person_id)


def _messages(exc: PermissionDenied | ValidationError) -> list[str]:
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]


__all__ = ["Person", "care_list", "person_tag", "special_list", "tag_end", "tag_visit"]
