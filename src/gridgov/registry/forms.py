"""Forms of the registry pages. They only collect and shape input: the services validate (``clean_person``,
``clean_details`` …) and write, and the views copy the services' field errors back onto these forms.

Protected fields (ID number, phone, addresses) are never put back into a form as plaintext: on the edit form they
start empty ("leave empty to keep"), so an edit page does not reveal what the person page masks.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.territory.models import Building, House

from .models import (
    TAG_FIELDS,
    AttentionLevel,
    DocType,
    Education,
    FireSafety,
    MaritalStatus,
    Occupancy,
    Person,
    PoliticalStatus,
    Relation,
    ResidenceType,
    Sex,
    TagKind,
)
from .services import PROTECTED_FIELDS
from .services.people import PLAIN_PERSON_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


#: The plain (not protected) fields of a person the forms edit, in display order.
PLAIN_FIELDS = PLAIN_PERSON_FIELDS


class PersonForm(forms.Form):
    """Register or edit a person. Where they live is a building code and a house number (the form resolves them
    against what the user may see); the grid follows from the building."""

    doc_type = forms.ChoiceField(label=_("证件类型"), choices=DocType.choices, initial=DocType.RIC)
    id_number = forms.CharField(label=_("证件号码"), max_length=40, required=False)
    name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    former_name = forms.CharField(label=_("曾用名"), max_length=60, required=False)
    sex = forms.ChoiceField(label=_("性别"), choices=_blank(Sex.choices), required=False)
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DATE)
    ethnicity = forms.CharField(label=_("民族"), max_length=20, required=False, initial="汉族")
    native_place = forms.CharField(label=_("籍贯"), max_length=60, required=False)
    marital_status = forms.ChoiceField(label=_("婚姻状况"), choices=_blank(MaritalStatus.choices), required=False)
    political_status = forms.ChoiceField(label=_("政治面貌"), choices=_blank(PoliticalStatus.choices), required=False)
    education = forms.ChoiceField(label=_("学历"), choices=_blank(Education.choices), required=False)
    religion = forms.CharField(label=_("宗教信仰"), max_length=30, required=False)
    occupation = forms.CharField(label=_("职业"), max_length=60, required=False)
    workplace = forms.CharField(label=_("服务处所"), max_length=120, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    registered_address = forms.CharField(label=_("户籍地详址"), max_length=200, required=False)
    current_address = forms.CharField(label=_("现住址详址"), max_length=200, required=False)
    residence_type = forms.ChoiceField(
        label=_("人口类型"), choices=ResidenceType.choices, initial=ResidenceType.REGISTERED
    )
    occupancy = forms.ChoiceField(label=_("居住方式"), choices=Occupancy.choices, initial=Occupancy.OWNER)
    building_code = forms.CharField(label=_("楼栋编码"), max_length=32, required=False)
    house_number = forms.CharField(label=_("门牌/房号"), max_length=32, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    base = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, person: Person | None = None, **kwargs: Any) -> None:
        self.user = user
        self.person = person
        super().__init__(*args, **kwargs)
        if person is not None:
            for name in PROTECTED_FIELDS:
                field = self.fields[name]
                field.help_text = _("当前:%(v)s。不修改请留空。") % {"v": getattr(person, name) or "—"}
                field.widget.attrs["autocomplete"] = "off"

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        """The plain fields as they are now, the version and ``base`` (what the editor saw, for stale edits)."""
        initial: dict[str, Any] = {name: getattr(person, name) for name in PLAIN_FIELDS}
        initial["building_code"] = person.building.code if person.building is not None else ""
        initial["house_number"] = person.house.number if person.house is not None else ""
        initial["version"] = person.version
        seen = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in initial.items() if k in PLAIN_FIELDS}
        seen["house"] = person.house_id
        seen["building"] = person.building_id
        initial["base"] = json.dumps(seen, ensure_ascii=False)
        return initial

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        code = (data.get("building_code") or "").strip()
        number = (data.get("house_number") or "").strip()
        data["building"] = data["house"] = None
        if code:
            building = Building.objects.visible_to(self.user).filter(code=code).first()
            if building is None:
                self.add_error("building_code", _("找不到该楼栋,或不在您的辖区内。"))
                return data
            data["building"] = building
            if number:
                house = House.objects.filter(building=building, number=number).first()
                if house is None:
                    self.add_error("house_number", _("该楼栋没有这个门牌/房号。"))
                data["house"] = house
        elif number:
            self.add_error("building_code", _("填写门牌/房号时请同时填写楼栋编码。"))
        return data

    def person_data(self) -> dict[str, Any]:
        """For ``register_person``: every field given."""
        data = {k: v for k, v in self.cleaned_data.items() if k in PLAIN_FIELDS or k in PROTECTED_FIELDS}
        data = {k: v for k, v in data.items() if v not in (None, "")}
        data["house"] = self.cleaned_data.get("house")
        data["building"] = self.cleaned_data.get("building")
        return data

    def base_values(self) -> dict[str, Any]:
        try:
            base = json.loads(self.cleaned_data.get("base") or "{}")
        except ValueError:
            return {}
        return base if isinstance(base, dict) else {}

    def changes(self) -> dict[str, Any]:
        """For ``update_person``: the plain fields that differ from what the editor saw, the protected fields
        that were filled in, and the house/building when they moved."""
        base = self.base_values()
        out: dict[str, Any] = {}
        for name in PLAIN_FIELDS:
            value = self.cleaned_data.get(name)
            shown = value.isoformat() if isinstance(value, dt.date) else ("" if value is None else value)
            if shown != (base.get(name) if base.get(name) is not None else ""):
                out[name] = value
        for name in PROTECTED_FIELDS:
            if self.cleaned_data.get(name):
                out[name] = self.cleaned_data[name]
        house, building = self.cleaned_data.get("house"), self.cleaned_data.get("building")
        if (house.pk if house else None) != base.get("house") or (building.pk if building else None) != base.get(
            "building"
        ):
            out["house"], out["building"] = house, building
        return out


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("查看事由"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如:入户走访核对身份"), "autocomplete": "off"}),
    )


class PersonRefField(forms.CharField):
    """A person given by full ID number or phone number (exact match through the blind index), among the
    people the user may see."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("人员(证件号码或手机号)"))
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)


class MemberForm(forms.Form):
    person = PersonRefField()
    relation = forms.ChoiceField(label=_("与户主关系"), choices=[c for c in Relation.choices if c[0] != "head"])
    on = forms.DateField(label=_("入户日期"), widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_person(self) -> Person:
        from .filters import ID_LIKE, PHONE_LIKE, search_people

        text = (self.cleaned_data.get("person") or "").strip().replace(" ", "")
        if not (ID_LIKE.match(text) or PHONE_LIKE.match(text.replace("-", ""))):
            raise forms.ValidationError(_("请输入完整的证件号码或手机号。"))
        found = list(search_people(Person.objects.visible_to(self.user), text)[:2])
        if len(found) != 1:
            raise forms.ValidationError(
                _("找不到此人,或不在您的辖区内。") if not found else _("该号码对应多人,请改用证件号码。")
            )
        return found[0]


class ChangeHeadForm(forms.Form):
    new_head = forms.IntegerField(label=_("新户主"), widget=forms.Select)
    old_head_relation = forms.ChoiceField(
        label=_("原户主改为"), choices=[c for c in Relation.choices if c[0] != "head"], initial="other_relative"
    )
    on = forms.DateField(label=_("变更日期"), widget=DATE)


class DateForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DATE)


class InspectionForm(forms.Form):
    result = forms.ChoiceField(
        label=_("检查结果"), choices=[c for c in FireSafety.choices if c[0] != FireSafety.NOT_INSPECTED]
    )
    on = forms.DateField(label=_("检查日期"), widget=DATE)


class TagForm(forms.Form):
    """Tag a person: the kind's own fields (``TAG_FIELDS``) are added as ``d_<name>``."""

    kind = forms.ChoiceField(label=_("人员类别"))
    attention_level = forms.ChoiceField(label=_("关注程度"), choices=AttentionLevel.choices)
    visit_every_days = forms.IntegerField(
        label=_("走访周期(天)"), min_value=1, max_value=366, required=False, help_text=_("留空按该类别的默认周期。")
    )
    on = forms.DateField(label=_("列管日期"), widget=DATE)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, kinds: list[str], kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(k, TagKind(k).label) for k in kinds]
        chosen = kind if kind in kinds else (kinds[0] if kinds else None)
        self.chosen_kind = chosen
        for spec in TAG_FIELDS.get(chosen or "", []):
            name = f"d_{spec.name}"
            if spec.type == "date":
                self.fields[name] = forms.DateField(label=spec.label, required=spec.required, widget=DATE)
            elif spec.type == "int":
                self.fields[name] = forms.IntegerField(label=spec.label, required=spec.required)
            elif spec.type == "bool":
                self.fields[name] = forms.BooleanField(label=spec.label, required=False)
            elif spec.type == "choice":
                choices = list(spec.choices) if spec.required else _blank(spec.choices)
                self.fields[name] = forms.ChoiceField(label=spec.label, choices=choices, required=spec.required)
            else:
                self.fields[name] = forms.CharField(label=spec.label, required=spec.required, max_length=200)

    def details(self) -> dict[str, Any]:
        return {k[2:]: v for k, v in self.cleaned_data.items() if k.startswith("d_")}
