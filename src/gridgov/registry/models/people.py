"""People (实有人口) after GB/T 31000-2015: identity, residence, where they live."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.sensitive import EncryptedField

from .base import Placed, RegistryQuerySet


class DocType(models.TextChoices):
    RIC = "ric", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAU = "hk_macau", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留身份证")
    OTHER = "other", _("其他证件")


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    FLOATING = "floating", _("流动人口")
    FOREIGN = "foreign", _("境外人员")


class Occupancy(models.TextChoices):
    OWNER = "owner", _("自住")
    TENANT = "tenant", _("租住")
    LODGER = "lodger", _("寄住")


class MaritalStatus(models.TextChoices):
    UNMARRIED = "unmarried", _("未婚")
    MARRIED = "married", _("已婚")
    DIVORCED = "divorced", _("离婚")
    WIDOWED = "widowed", _("丧偶")


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", _("中共党员")
    LEAGUE_MEMBER = "league_member", _("共青团员")
    OTHER_PARTY = "other_party", _("民主党派")
    MASSES = "masses", _("群众")


class Education(models.TextChoices):
    NONE = "none", _("未上学")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    GRADUATE = "graduate", _("研究生")


class PersonQuerySet(RegistryQuerySet):
    scope_name = "person"

    def current(self) -> PersonQuerySet:
        return self.filter(is_active=True)


class Person(Placed):
    """One resident. ID number, phone and the exact addresses are encrypted (``EncryptedField``) and found by
    their blind indexes; the name is plain so that it can be searched. The blind-index fields come before the
    encrypted ones on purpose (see ``gridgov.core.sensitive``)."""

    id_number_index = models.CharField(max_length=32, blank=True, default="", editable=False)
    phone_index = models.CharField(max_length=32, blank=True, default="", db_index=True, editable=False)

    doc_type = models.CharField(_("证件类型"), max_length=20, choices=DocType.choices, default=DocType.RIC)
    id_number = EncryptedField(_("证件号码"), kind="idno", blind_index="id_number_index")
    name = models.CharField(_("姓名"), max_length=60, db_index=True)
    former_name = models.CharField(_("曾用名"), max_length=60, blank=True)
    sex = models.CharField(_("性别"), max_length=8, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True, default="汉族")
    native_place = models.CharField(_("籍贯"), max_length=60, blank=True)
    marital_status = models.CharField(_("婚姻状况"), max_length=12, choices=MaritalStatus.choices, blank=True)
    political_status = models.CharField(_("政治面貌"), max_length=16, choices=PoliticalStatus.choices, blank=True)
    education = models.CharField(_("学历"), max_length=12, choices=Education.choices, blank=True)
    religion = models.CharField(_("宗教信仰"), max_length=30, blank=True)
    occupation = models.CharField(_("职业"), max_length=60, blank=True)
    workplace = models.CharField(_("服务处所"), max_length=120, blank=True)
    phone = EncryptedField(_("联系电话"), kind="phone", blind_index="phone_index")
    registered_address = EncryptedField(_("户籍地详址"), kind="address")
    current_address = EncryptedField(_("现住址详址"), kind="address")

    residence_type = models.CharField(
        _("人口类型"), max_length=12, choices=ResidenceType.choices, default=ResidenceType.REGISTERED
    )
    house = models.ForeignKey(
        "territory.House",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("现住房屋"),
    )
    building = models.ForeignKey(
        "territory.Building",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("楼栋"),
    )
    occupancy = models.CharField(_("居住方式"), max_length=8, choices=Occupancy.choices, default=Occupancy.OWNER)
    is_active = models.BooleanField(_("在册"), default=True)
    left_on = models.DateField(_("注销日期"), null=True, blank=True)
    # db_default: writers that list their columns (the demo's COPY) need not name it.
    left_reason = models.CharField(_("注销原因"), max_length=200, blank=True, default="", db_default="")

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["scope_code", "name", "id"]
        constraints = [
            # One person per document number: the import matches on it, so it must not be ambiguous.
            models.UniqueConstraint(
                fields=["id_number_index"], condition=~Q(id_number_index=""), name="uniq_person_id_number"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def age(self) -> int:
        from django.utils import timezone

        today = timezone.localdate()
        b = self.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))
