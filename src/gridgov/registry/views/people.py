"""Person search, the person page (masked values, reveal with a reason), and the register/edit forms.

Every value of a protected field on these pages is the masked one (``str()`` of a ``Sensitive``); the full value
only comes back from :func:`reveal_field`, which calls ``services.reveal`` (one access-log row per reveal) and is
never cached."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.core.scoping import get_visible_or_404

from .. import services
from ..filters import PersonFilterSet
from ..forms import PersonForm, RevealForm
from ..models import (
    TAG_FIELDS,
    AccessLog,
    FloatingRegistration,
    Membership,
    Person,
    PersonTag,
    ResidenceType,
    Sex,
    TagKind,
)
from .common import (
    apply_errors,
    client_ip,
    filter_params,
    filtered,
    is_number_search,
    list_context,
    may,
    render_page,
    request_data,
)

FIELD_LABELS = {
    "id_number": gettext_lazy("证件号码"),
    "phone": gettext_lazy("联系电话"),
    "registered_address": gettext_lazy("户籍地详址"),
    "current_address": gettext_lazy("现住址详址"),
}


@require_http_methods(["GET", "POST"])
@login_required
def person_search(request: HttpRequest) -> HttpResponse:
    """GET with a name or filters; POST (the form posts) so that an ID or phone number is never in a URL. A
    number searched for is not echoed back either: the page shows it masked."""
    if not may(request.user, "person", "view"):
        raise Http404
    base = Person.objects.visible_to(request.user).select_related("grid", "building", "house__building")
    filterset, qs = filtered(request, PersonFilterSet, base)
    context = list_context(request, filterset, qs)
    data = request_data(request)
    q = data.get("q", "")
    number = is_number_search(q)
    params = filter_params(request)
    context.update(
        {
            "sexes": Sex.choices,
            "residence_types": ResidenceType.choices,
            "tag_kinds": visible_tag_kinds(request.user),
            "number_search": masked_number(q) if number else "",
            "export_params": [(k, v) for k, values in params.lists() for v in values],
            "selected": {k: data.getlist(k) for k in ("residence_type", "tag")}
            | {k: data.get(k, "") for k in ("area", "sex", "age_min", "age_max", "active")}
            | {"q": "" if number else q},
            # One person found by number: their page is the place, and the number must not go into the form.
            "may_export": not number and may(request.user, "person", "export"),
            "may_register": may(request.user, "person", "change"),
        }
    )
    if request.headers.get("HX-Request"):
        return render(request, "registry/_person_results.html", context)
    return render_page(request, "registry/person_search.html", context)


def masked_number(text: str) -> str:
    from gridgov.core.sensitive import mask_idno, mask_phone

    from ..filters import ID_LIKE, search_phone

    text = text.strip().replace(" ", "")
    return mask_idno(text.upper()) if ID_LIKE.match(text) else mask_phone(search_phone(text))


def visible_tag_kinds(user: Any) -> list[tuple[str, str]]:
    from ..models import OPEN_KINDS, RESTRICTED_KINDS

    kinds = list(OPEN_KINDS) if may(user, "persontag", "view") else []
    if may(user, "specialgroup", "view"):
        kinds = list(RESTRICTED_KINDS) + kinds
    return [(k, str(TagKind(k).label)) for k in kinds]


def person_or_404(request: HttpRequest, pk: int, action: str = "view") -> Person:
    people = Person.objects.select_related("grid", "building", "house__building")
    return get_visible_or_404(people, request.user, action, pk=pk)  # type: ignore[no-any-return]


def tag_rows(person: Person, user: Any) -> list[dict[str, Any]]:
    rows = []
    today = timezone.localdate()
    for tag in PersonTag.objects.visible_to(user).filter(person=person).select_related("responsible"):
        details = []
        for spec in TAG_FIELDS.get(tag.kind, []):
            value = tag.details.get(spec.name)
            if value in (None, ""):
                continue
            if spec.type == "bool":
                value = _("是") if value else _("否")
            elif spec.type == "choice":
                value = dict(spec.choices).get(value, value)
            details.append((spec.label, value))
        rows.append(
            {
                "tag": tag,
                "details": details,
                "overdue": tag.valid_to is None and tag.next_visit_due < today,
                "may_visit": tag.valid_to is None
                and may(user, "specialgroup" if tag.group != "care" else "persontag", "change", tag.scope_code),
            }
        )
    return rows


@require_GET
@login_required
def person_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_or_404(request, pk)
    user = request.user
    membership = Membership.objects.filter(person=person, valid_to__isnull=True).select_related("household").first()
    household = None
    if membership is not None:
        from ..models import Household

        household = Household.objects.visible_to(user).filter(pk=membership.household_id).first()
    protected = [(name, FIELD_LABELS[name], getattr(person, name)) for name in services.PROTECTED_FIELDS]
    context: dict[str, Any] = {
        "person": person,
        "protected": protected,
        "may_reveal": Person.objects.visible_to(user, "reveal").filter(pk=person.pk).exists(),
        # A deregistered person is a record of the past: no edit, no tag, no household (the services refuse too).
        "may_change": person.is_active and may(user, "person", "change", person.scope_code),
        "may_tag": person.is_active and bool(taggable_kinds(user, person)),
        "membership": membership,
        "household": household,
        "tags": tag_rows(person, user),
        "floating": FloatingRegistration.objects.visible_to(user)
        .filter(person=person)
        .order_by("-expires_on")
        .select_related("house__building"),
        "today": timezone.localdate(),
    }
    if may(user, "accesslog", "view"):
        context["access_log"] = log = list(
            AccessLog.objects.visible_to(user).filter(person=person).select_related("user")[:50]
        )
        for row in log:
            row.field_label = FIELD_LABELS.get(row.field, row.field)  # type: ignore[attr-defined]
    return render_page(request, "registry/person.html", context)


def refuse_deregistered_page(request: HttpRequest, person: Person, what: str) -> HttpResponse:
    """Back to the person's page, saying why: a deregistered person's edit or tag form is not offered."""
    try:
        services.refuse_deregistered(person, what)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("registry:person", pk=person.pk)


def taggable_kinds(user: Any, person: Person) -> list[str]:
    from ..models import OPEN_KINDS, RESTRICTED_KINDS

    kinds: list[str] = []
    if may(user, "specialgroup", "change", person.scope_code):
        kinds += RESTRICTED_KINDS
    if may(user, "persontag", "change", person.scope_code):
        kinds += OPEN_KINDS
    return kinds


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    response["Pragma"] = "no-cache"
    return response


@never_cache
@login_required
def reveal_field(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """GET: the small reason form (htmx puts it in place of the masked value). POST: reveal and show the value.
    A role without ``reveal`` gets 403, a person out of scope 404; nothing is shown without a log row."""
    if field not in services.PROTECTED_FIELDS:
        raise Http404
    person = person_or_404(request, pk)
    if not Person.objects.visible_to(request.user, "reveal").filter(pk=person.pk).exists():
        raise PermissionDenied(_("您的角色不能查看完整的个人信息。"))
    context: dict[str, Any] = {"person": person, "field": field, "label": FIELD_LABELS[field]}
    form = RevealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            context["value"] = services.reveal(
                by=request.user, person=person, field=field, reason=form.cleaned_data["reason"], ip=client_ip(request)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    context["form"] = form
    template = "registry/_reveal.html" if request.headers.get("HX-Request") else "registry/reveal.html"
    return _no_store(render(request, template, context))


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "person", "change"):
        raise PermissionDenied(_("您没有权限登记人员。"))
    initial: dict[str, Any] = {}
    if request.GET.get("building"):
        initial["building_code"] = request.GET["building"]
        initial["house_number"] = request.GET.get("house", "")
    form = PersonForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.register_person(by=request.user, data=form.person_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("building_code", str(exc))
        else:
            messages.success(request, _("已登记 %(n)s。") % {"n": person.name})
            return redirect("registry:person", pk=person.pk)
    return render_page(request, "registry/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_or_404(request, pk, "change")
    if not person.is_active:
        return refuse_deregistered_page(request, person, "edit")
    if request.method == "POST":
        form = PersonForm(request.POST, user=request.user, person=person)
        if form.is_valid():
            changes = form.changes()
            if not changes:
                messages.info(request, _("没有需要保存的修改。"))
                return redirect("registry:person", pk=person.pk)
            try:
                services.update_person(
                    by=request.user,
                    person=person,
                    changes=changes,
                    expected_version=form.cleaned_data.get("version"),
                    base=form.base_values(),
                )
            except services.StaleEdit as exc:
                labels = [str(form.fields[f].label) if f in form.fields else f for f in exc.fields]
                form.add_error(None, _("该记录已被他人修改,请核对以下字段后重试:%(f)s。") % {"f": "、".join(labels)})
                fresh = Person.objects.get(pk=person.pk)
                data = request.POST.copy()
                data["version"] = str(fresh.version)
                data["base"] = PersonForm.initial_for(fresh)["base"]
                form.data = data
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error("building_code", str(exc))
            else:
                messages.success(request, _("已保存。"))
                return redirect("registry:person", pk=person.pk)
    else:
        form = PersonForm(user=request.user, person=person, initial=PersonForm.initial_for(person))
    return render_page(request, "registry/person_form.html", {"form": form, "person": person})
