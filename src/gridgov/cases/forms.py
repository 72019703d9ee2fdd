"""One small form per action on the case page. Each validates what its service needs (a reason, a unit from the
sensible list, photos checked like every other upload, extension hours …) and carries the case ``version`` the
user saw, so that a stale page ends in ``CaseConflict`` rather than acting on a case that moved.

The forms never write: :mod:`gridgov.cases.views.case_page` passes ``cleaned_data`` to the service.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case as DbCase
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from gridgov.units.models import Unit, UnitKind, ancestor_codes

from .models import Case, MediationStage, MediatorRole, Rating, ReturnReason, RiskLevel
from .photos import CheckedPhoto, check_photo

NOTE_ROWS = 3


def sensible_units(case: Case, user: Any) -> QuerySet[Unit]:
    """Units the user may see whose jurisdiction covers the case's community (a unit without listed jurisdiction
    covers the region it sits in), governance centres left out (a case goes up to them by escalation). The
    category's owner unit type comes first."""
    codes = ancestor_codes(case.community_code) | {case.community_code}
    covers = Q(jurisdiction__code__in=codes) | Q(jurisdiction__isnull=True, region__code__in=codes)
    ids = Unit.objects.filter(covers, is_active=True).exclude(kind=UnitKind.GOVERNANCE_CENTRE).values("pk")
    owner = case.category.owner_unit_kind
    return (
        Unit.objects.visible_to(user)
        .filter(pk__in=ids)
        .annotate(
            owner_first=DbCase(When(kind=owner, then=Value(0)), default=Value(1), output_field=IntegerField())
            if owner
            else Value(1, output_field=IntegerField())
        )
        .order_by("owner_first", "code")
    )


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name}({obj.get_kind_display()})"


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name}({obj.get_kind_display()})"


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Any number of photos (or, with ``required=True``, at least one), each checked by ``photos.check_photo``:
    type by magic bytes, size, decodable; EXIF stripped."""

    widget = MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data: Any, initial: Any = None) -> list[CheckedPhoto]:  # type: ignore[override]
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        return [check_photo(f) for f in files]


class ActionForm(forms.Form):
    """What every action posts: which action, and the case version the page showed."""

    #: The workflow transition the form's action is checked against (mediation's three forms share one).
    transition: str = ""
    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, case: Case, user: Any, **kwargs: Any) -> None:
        self.case = case
        self.user = user
        kwargs.setdefault("prefix", None)
        kwargs.setdefault("auto_id", f"id_{self.action_name()}_%s")
        super().__init__(*args, **kwargs)
        self.fields["action"].initial = self.action_name()
        self.fields["version"].initial = case.version

    @classmethod
    def action_name(cls) -> str:
        return next(name for name, form in ACTION_FORMS.items() if form is cls)


def note_field(label: Any = None, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label or _("说明"),
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": NOTE_ROWS}),
    )


class NoteForm(ActionForm):
    note = note_field()


class ReasonForm(ActionForm):
    reason = note_field(_("理由"), required=True)


class AcceptForm(NoteForm):
    transition = "accept"


class RejectForm(ReasonForm):
    transition = "reject"


class SelfSettleForm(ActionForm):
    transition = "self_settle"
    result = note_field(_("处置结果"), required=True)
    photos = PhotosField(label=_("现场照片"), required=True)


class DispatchForm(ActionForm):
    transition = "dispatch"
    unit = UnitChoiceField(label=_("处置单位"), queryset=Unit.objects.none())
    note = note_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = sensible_units(self.case, self.user)  # type: ignore[attr-defined]


class SignForm(NoteForm):
    transition = "sign"


class ReturnForm(ActionForm):
    transition = "return"
    reason = forms.ChoiceField(label=_("退回理由"), choices=ReturnReason.choices)
    note = note_field()


class HandleForm(ActionForm):
    transition = "handle"
    result = note_field(_("办理结果"), required=True)
    photos = PhotosField(label=_("照片"), required=False)


class VerifyForm(ActionForm):
    transition = "verify"
    note = note_field(_("核查意见"))
    photos = PhotosField(label=_("核查照片"), required=False)


class RedoForm(ActionForm):
    transition = "redo"
    reason = note_field(_("重办理由"), required=True)
    photos = PhotosField(label=_("照片"), required=False)


class EscalateForm(ReasonForm):
    transition = "escalate"


class RequestExtensionForm(ActionForm):
    transition = "request_extension"
    amount = forms.IntegerField(label=_("延期时长"), min_value=1, max_value=999)
    unit = forms.ChoiceField(label=_("单位"), choices=[("hours", _("工作小时")), ("days", _("工作日"))])
    reason = note_field(_("理由"), required=True)


class ApproveExtensionForm(NoteForm):
    transition = "approve_extension"


class RefuseExtensionForm(ReasonForm):
    transition = "refuse_extension"


class RemindForm(NoteForm):
    transition = "remind"


class SuperviseForm(ActionForm):
    transition = "supervise"
    note = note_field(_("督办意见"), required=True)


class SummonForm(ActionForm):
    transition = "summon"
    units = UnitsChoiceField(label=_("召集单位"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple)
    deadline = forms.DateTimeField(
        label=_("报到期限"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("不填则按默认的工作小时数计算。"),
    )
    note = note_field(_("分工说明"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        summoned = self.case.summonses.values("unit_id")
        self.fields["units"].queryset = sensible_units(self.case, self.user).exclude(pk__in=summoned)  # type: ignore[attr-defined]


def _my_summoned_units(form: ActionForm, *, waiting_for: str) -> QuerySet[Unit]:
    """The user's summoned units still owing this step (recording a part comes after reporting in)."""
    from .deps import unit_ids_of

    rows = form.case.summonses.filter(unit_id__in=unit_ids_of(form.user), **{f"{waiting_for}__isnull": True})
    if waiting_for == "part_done_at":
        rows = rows.filter(reported_in_at__isnull=False)
    return Unit.objects.filter(pk__in=rows.values("unit_id")).order_by("code")


class ReportInForm(ActionForm):
    transition = "report_in"
    unit = UnitChoiceField(label=_("以此单位报到"), queryset=Unit.objects.none())
    note = note_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = _my_summoned_units(self, waiting_for="reported_in_at")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk
            self.fields["unit"].widget = forms.HiddenInput()


class FinishPartForm(ActionForm):
    transition = "finish_part"
    unit = UnitChoiceField(label=_("单位"), queryset=Unit.objects.none())
    result = note_field(_("完成情况"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = _my_summoned_units(self, waiting_for="part_done_at")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk
            self.fields["unit"].widget = forms.HiddenInput()


class MergeForm(ActionForm):
    transition = "merge"
    into = forms.CharField(label=_("合并到案件编号"), max_length=20)
    note = note_field()

    def clean_into(self) -> Case:
        number = self.cleaned_data["into"].strip()
        target = Case.objects.visible_to(self.user).filter(number=number).first()
        if target is None:
            raise ValidationError(_("找不到该案件编号。"), code="unknown_case")
        return target


def _lines(text: str) -> list[tuple[str, str]]:
    """``姓名,身份`` per line (a Chinese comma or a tab also separates)."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for sep in (",", ",", "\t"):
            if sep in line:
                name, _sep, role = line.partition(sep)
                break
        else:
            name, role = line, ""
        rows.append((name.strip(), role.strip()))
    return rows


class MediationRegisterForm(ActionForm):
    transition = "mediate"
    parties = forms.CharField(
        label=_("当事人"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人:姓名,身份(如:张三,申请人)"),
    )
    mediators = forms.CharField(
        label=_("调解员"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一人:姓名,身份(网格员、村(社区)干部、民警、司法所工作人员、其他)"),
    )
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices, initial=RiskLevel.LOW)
    note = note_field()

    def clean_parties(self) -> list[tuple[str, str]]:
        rows = _lines(self.cleaned_data["parties"])
        if len(rows) < 2:
            raise ValidationError(_("矛盾纠纷至少需要两方当事人。"), code="parties")
        if any(not name or not role for name, role in rows):
            raise ValidationError(_("每位当事人须填写姓名和身份。"), code="party_role")
        return rows

    def clean_mediators(self) -> list[tuple[str, str]]:
        by_label = {str(label): value for value, label in MediatorRole.choices}
        rows = []
        for name, role in _lines(self.cleaned_data.get("mediators") or ""):
            value = role if role in MediatorRole.values else by_label.get(role)
            if not name or value is None:
                raise ValidationError(_("调解员身份无效:%(line)s") % {"line": f"{name},{role}"}, code="mediator")
            rows.append((name, value))
        return rows


class MediationSessionForm(ActionForm):
    transition = "mediate"
    held_on = forms.DateField(label=_("调解日期"), widget=forms.DateInput(attrs={"type": "date"}))
    outcome = note_field(_("调解情况"), required=True)
    agreement_reached = forms.BooleanField(label=_("达成协议"), required=False)


class MediationAdvanceForm(ActionForm):
    transition = "mediate"
    stage = forms.ChoiceField(label=_("推进到阶段"), choices=MediationStage.choices)
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=[("", "—"), *RiskLevel.choices], required=False)
    agreement_text = forms.CharField(
        label=_("协议内容"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    note = note_field()


class RateForm(ActionForm):
    transition = "rate"
    rating = forms.ChoiceField(label=_("评价"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = note_field(_("评价意见"))


class ReopenForm(ActionForm):
    transition = "reopen"
    reason = note_field(_("重办理由"), required=True)


#: action name (posted) → form. Order is the order of the buttons.
ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": AcceptForm,
    "reject": RejectForm,
    "self_settle": SelfSettleForm,
    "dispatch": DispatchForm,
    "sign": SignForm,
    "return": ReturnForm,
    "handle": HandleForm,
    "verify": VerifyForm,
    "redo": RedoForm,
    "escalate": EscalateForm,
    "request_extension": RequestExtensionForm,
    "approve_extension": ApproveExtensionForm,
    "refuse_extension": RefuseExtensionForm,
    "remind": RemindForm,
    "supervise": SuperviseForm,
    "summon": SummonForm,
    "report_in": ReportInForm,
    "finish_part": FinishPartForm,
    "merge": MergeForm,
    "mediate_register": MediationRegisterForm,
    "mediate_session": MediationSessionForm,
    "mediate_advance": MediationAdvanceForm,
    "rate": RateForm,
    "reopen": ReopenForm,
}
