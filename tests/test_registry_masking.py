"""Personal values are masked wherever they are printed; the plaintext comes out only through ``reveal()``."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import pickle

import pytest
from django.core import serializers
from django.core.exceptions import FieldError
from django.core.serializers.json import DjangoJSONEncoder
from django.template import Context, Template

from gridgov.core import crypto
from gridgov.core.sensitive import Sensitive, mask_address, mask_idno, mask_phone
from gridgov.registry.models import Person

from .registry_factories import make_person, make_ric

RIC = make_ric(dt.date(1985, 3, 9), seq=23)  # 441302198503090230 + check
PHONE = "13812345678"
ADDRESS = "惠城区江北街道文明一路12号3栋502"


# --- the mask formats ---------------------------------------------------------------------------------------


def test_an_id_number_keeps_its_first_and_last_four() -> None:
    assert mask_idno("441302198005170011") == "4413**********0011"
    assert mask_idno("11010519491231002X") == "1101**********002X"
    assert mask_idno("441302800517001") == "4413*******7001"  # legacy 15 digits


def test_short_document_numbers_are_masked_too() -> None:
    assert mask_idno("E1234567") == "E1****67"  # a passport: two and two
    assert mask_idno("1234") == "****"


def test_a_mobile_keeps_its_first_three_and_last_four() -> None:
    assert mask_phone(PHONE) == "138****5678"
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_phone("0752-2345678") == "075****5678"  # 11 digits with the area code
    assert mask_phone("0755-12345678") == "********5678"  # other lengths: the last four only
    assert mask_phone("123") == "***"


def test_an_address_keeps_at_most_its_first_eight_characters_and_half() -> None:
    assert mask_address(ADDRESS) == "惠城区江北街道文****"
    assert mask_address("文明一路12号") == "文明一****"
    assert mask_address("") == ""
    assert "502" not in mask_address(ADDRESS) and "12号" not in mask_address(ADDRESS)


# --- a Sensitive never prints its plaintext -----------------------------------------------------------------


@pytest.fixture
def ric() -> Sensitive:
    return Sensitive(RIC, "idno")


def test_str_repr_and_formatting_print_the_masked_value(ric: Sensitive) -> None:
    masked = RIC[:4] + "*" * 10 + RIC[-4:]
    printed = [str(ric), repr(ric), f"{ric}", f"{ric!s}", f"{ric!r}", "%s" % ric, "%r" % ric, "{}".format(ric)]  # noqa: UP031, UP032
    assert all(RIC not in p for p in printed)
    assert str(ric) == f"{ric}" == "%s" % ric == masked  # noqa: UP031
    assert repr(ric) == f"<Sensitive idno {masked}>"
    assert ric.reveal() == RIC


def test_a_format_spec_does_not_reach_the_plaintext(ric: Sensitive) -> None:
    with pytest.raises(TypeError):
        format(ric, ">30")  # object.__format__ refuses a spec rather than formatting the plaintext


def test_json_refuses_rather_than_writing_the_plaintext(ric: Sensitive) -> None:
    with pytest.raises(TypeError):
        json.dumps({"id_number": ric}, cls=DjangoJSONEncoder)


def test_pickle_is_refused(ric: Sensitive) -> None:
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(ric)
    with pytest.raises(TypeError):
        pickle.dumps({"nested": [ric]})


def test_copying_keeps_the_value_without_pickling_it(ric: Sensitive) -> None:
    assert copy.copy(ric) is ric
    assert copy.deepcopy({"id": ric})["id"].reveal() == RIC


def test_a_log_message_gets_the_masked_value(ric: Sensitive, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("gridgov.test").info("registering %s (%r)", ric, ric)
    assert RIC not in caplog.text and RIC[:4] + "*" * 10 in caplog.text


def test_a_falsy_value_and_equality_do_not_print(ric: Sensitive) -> None:
    assert ric == RIC and ric == Sensitive(RIC, "idno") and ric != "x"
    assert not Sensitive("", "phone")


# --- read back from the database ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_person_read_back_prints_masked_everywhere(city) -> None:
    make_person(city, seq=23, id_number=RIC, phone=PHONE, current_address=ADDRESS)
    person = Person.objects.get()
    assert isinstance(person.id_number, Sensitive) and person.id_number.reveal() == RIC
    rendered = Template("{{ p.id_number }} {{ p.phone }} {{ p.current_address }} {{ p }}").render(
        Context({"p": person})
    )
    assert rendered == f"{RIC[:4]}{'*' * 10}{RIC[-4:]} 138****5678 惠城区江北街道文**** 居民23"
    dumped = serializers.serialize("json", [person])  # dumpdata: a fixture never carries plaintext
    assert RIC not in dumped and PHONE not in dumped and "文明一路" not in dumped
    assert "138****5678" in dumped
    with pytest.raises(TypeError):
        pickle.dumps(person)  # nor does a cache or a task queue
    assert copy.deepcopy(person).phone.reveal() == PHONE


@pytest.mark.django_db
def test_assigning_a_plain_value_normalises_it_and_moves_the_blind_index(city) -> None:
    person = make_person(city, seq=24)
    person.phone = " 138-1234-5678 "
    assert person.phone.reveal() == PHONE and person.phone_index == crypto.blind_index("phone", PHONE)
    person.phone = ""
    assert person.phone is None and person.phone_index == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lookup",
    ["id_number", "id_number__exact", "id_number__iexact", "id_number__startswith", "id_number__contains", "phone__in"],
)
def test_the_encrypted_column_refuses_lookups_other_than_isnull(city, lookup: str) -> None:
    make_person(city, seq=25)
    value: object = [PHONE] if lookup.endswith("__in") else RIC
    with pytest.raises(FieldError):
        list(Person.objects.filter(**{lookup: value}))


@pytest.mark.django_db
def test_isnull_works_on_the_encrypted_column(city) -> None:
    make_person(city, seq=26)
    make_person(city, seq=27, phone="")
    assert [p.name for p in Person.objects.filter(phone__isnull=True)] == ["居民27"]
    assert [p.name for p in Person.objects.filter(phone__isnull=False)] == ["居民26"]
