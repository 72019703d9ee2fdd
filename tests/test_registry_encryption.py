"""Personal fields are encrypted at rest, found by blind index, and survive key rotation (DESIGN rule 4)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from gridgov.core import crypto
from gridgov.core.management.commands.rotate_field_keys import count_under_other_keys
from gridgov.registry.models import Person

from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db

OLD = crypto.new_key()
NEW = crypto.new_key()


def raw_rows() -> list[tuple[str, ...]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, current_address, name FROM registry_person ORDER BY id")
        return cursor.fetchall()


def test_raw_rows_hold_no_plaintext(city) -> None:
    make_person(city, seq=7, current_address="惠城区江北街道文明一路12号")
    ((id_number, phone, address, name),) = raw_rows()
    assert make_ric(seq=7) not in id_number and "13800000007" not in phone and "文明一路" not in address
    assert id_number.startswith(crypto.keyring().current_id + "$")
    assert name == "居民7"  # the name stays plain: it is searched


def test_search_by_id_number_and_phone_through_the_blind_index(city) -> None:
    make_person(city, seq=3)
    make_person(city, seq=4)
    by_id = Person.objects.filter(id_number_index=crypto.blind_index("idno", make_ric(seq=3)))
    assert [p.name for p in by_id] == ["居民3"]
    by_phone = Person.objects.filter(phone_index=crypto.blind_index("phone", "13800000004"))
    assert [p.name for p in by_phone] == ["居民4"]


def test_values_read_back_masked_and_reveal_to_plaintext(city) -> None:
    person = Person.objects.get(pk=make_person(city, seq=5).pk)
    assert str(person.id_number) == make_ric(seq=5)[:4] + "*" * 10 + make_ric(seq=5)[-4:]
    assert str(person.phone) == "138****0005"
    assert person.id_number.reveal() == make_ric(seq=5)
    assert make_ric(seq=5) not in repr(person.id_number)


def test_a_value_copied_to_another_column_does_not_decrypt(city) -> None:
    make_person(city, seq=8)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_person SET phone = id_number")
    with pytest.raises(crypto.DecryptionError):
        Person.objects.get().phone  # noqa: B018


def test_key_rotation_keeps_everything_readable_and_leaves_no_row_under_the_old_key(city) -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        for seq in range(1, 6):
            make_person(city, seq=seq)
        old_id = crypto.keyring().current_id
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        assert count_under_other_keys() == 5
        call_command("rotate_field_keys", batch=2, verbosity=0)
        assert count_under_other_keys() == 0
        new_id = crypto.keyring().current_id
    assert all(not value.startswith(old_id) for row in raw_rows() for value in row[:3])
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):  # the old key can now be removed
        people = list(Person.objects.order_by("id"))
        assert [p.id_number.reveal() for p in people] == [make_ric(seq=s) for s in range(1, 6)]
        assert crypto.keyring().current_id == new_id
        # the blind index did not change with the key
        assert Person.objects.filter(id_number_index=crypto.blind_index("idno", make_ric(seq=2))).count() == 1
