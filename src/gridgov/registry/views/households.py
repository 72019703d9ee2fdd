"""The household page (members with their relation, the head marked) and its changes: create with a head, add a
member, change the head, end a membership — each through ``services.households``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gridgov.core.scoping import get_visible_or_404

from .. import services
from ..forms import DATE, ChangeHeadForm, DateForm, MemberForm
from ..models import Household, HouseholdKind, Membership, Person
from .common import apply_errors, may, render_page


class HouseholdForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("户号"), max_length=32)
    kind = forms.ChoiceField(label=gettext_lazy("户别"), choices=HouseholdKind.choices)
    on = forms.DateField(label=gettext_lazy("立户日期"), widget=DATE)


def household_or_404(request: HttpRequest, pk: int, action: str = "view") -> Household:
    households = Household.objects.select_related("house__building", "grid")
    return get_visible_or_404(households, request.user, action, pk=pk)  # type: ignore[no-any-return]


def _page(request: HttpRequest, household: Household, **forms_: Any) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    current = list(household.current_members().order_by("valid_from", "id"))
    visible = set(
        Person.objects.visible_to(user).filter(pk__in=[m.person_id for m in current]).values_list("pk", flat=True)
    )
    head_form = forms_.get("head_form") or ChangeHeadForm(initial={"on": today})
    head_form.fields["new_head"].widget.choices = [  # type: ignore[attr-defined]
        (m.person_id, m.person.name) for m in current if m.relation != "head"
    ]
    context = {
        "household": household,
        "members": current,
        "visible_people": visible,
        "past": household.memberships.filter(valid_to__isnull=False).select_related("person").order_by("-valid_to"),
        "may_change": may(user, "household", "change", household.scope_code),
        "member_form": forms_.get("member_form") or MemberForm(user=user, initial={"on": today}),
        "head_form": head_form,
        "today": today,
    }
    return render_page(request, "registry/household.html", context)


@require_GET
@login_required
def household_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, household_or_404(request, pk))


@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    head = get_visible_or_404(
        Person.objects.select_related("house"), request.user, "view", pk=request.GET.get("head") or 0
    )
    form = HouseholdForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            household = services.create_household(
                by=request.user,
                number=form.cleaned_data["number"],
                head=head,
                on=form.cleaned_data["on"],
                house=head.house,
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已立户 %(n)s。") % {"n": household.number})
            return redirect("registry:household", pk=household.pk)
    return render_page(request, "registry/household_form.html", {"form": form, "head": head})


@require_POST
@login_required
def household_add_member(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_or_404(request, pk)
    form = MemberForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.add_member(
                by=request.user,
                household=household,
                person=form.cleaned_data["person"],
                relation=form.cleaned_data["relation"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已添加成员。"))
            return redirect("registry:household", pk=household.pk)
    return _page(request, household, member_form=form)


@require_POST
@login_required
def household_change_head(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_or_404(request, pk)
    form = ChangeHeadForm(request.POST)
    if form.is_valid():
        person = Person.objects.filter(pk=form.cleaned_data["new_head"]).first()
        try:
            if person is None:
                raise ValidationError({"new_head": _("新户主必须是本户在册成员。")})
            services.change_head(
                by=request.user,
                household=household,
                new_head=person,
                on=form.cleaned_data["on"],
                old_head_relation=form.cleaned_data["old_head_relation"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except services.HeadConflict:
            form.add_error(None, _("户主刚被他人变更,请刷新后重试。"))
        else:
            messages.success(request, _("已变更户主。"))
            return redirect("registry:household", pk=household.pk)
    return _page(request, household, head_form=form)


@require_POST
@login_required
def household_end_membership(request: HttpRequest, pk: int, membership: int) -> HttpResponse:
    household = household_or_404(request, pk)
    row = Membership.objects.filter(household=household, pk=membership, valid_to__isnull=True).first()
    form = DateForm(request.POST)
    if row is None or not form.is_valid():
        messages.error(request, _("请填写离户日期。") if row is not None else _("该成员已不在户。"))
        return redirect("registry:household", pk=household.pk)
    try:
        services.end_membership(by=request.user, membership=row, on=form.cleaned_data["on"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已办理离户。"))
    return redirect("registry:household", pk=household.pk)
