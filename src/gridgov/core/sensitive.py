"""Personal values that are encrypted at rest and masked wherever they are shown (DESIGN rule 4).

``EncryptedField(kind=...)`` stores ciphertext (:mod:`gridgov.core.crypto`) and gives back a :class:`Sensitive`:
its ``str()`` — what templates, serializers, admin pages, logs and error pages print — is the *masked* value
(``4413**********1234``, ``138****5678``); only ``.reveal()`` gives the plain text, and the registry's reveal
service is the one caller that shows it to a person (and logs it). Assigning a plain ``str`` also updates the
field's blind index (``blind_index="<field name>"``), in ``save()``, ``bulk_create`` and ``bulk_update`` alike,
because it happens on assignment. Declare the blind-index field *before* the encrypted field in the model, so
that a model built with keyword arguments does not reset the index to its default afterwards.

The encrypted column cannot be filtered on (``isnull`` apart): search goes through the blind index.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models

from . import crypto

KINDS = ("idno", "phone", "address", "text")


def mask_idno(value: str) -> str:
    if len(value) <= 4:
        return "*" * len(value)
    if len(value) < 10:
        return value[:2] + "*" * (len(value) - 4) + value[-2:]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    digits = value.replace(" ", "").replace("-", "")
    if len(digits) == 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_address(value: str) -> str:
    """Keep the district/street part (up to 8 characters, at most half of it); hide the rest."""
    keep = min(8, len(value) // 2)
    return value[:keep] + "****" if value else ""


MASKS = {"idno": mask_idno, "phone": mask_phone, "address": mask_address, "text": lambda v: "****" if v else ""}


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def normalize(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "idno":
        return value.replace(" ", "").upper()
    if kind == "phone":
        return normalize_phone(value)
    return value


class Sensitive:
    """A personal value in memory: masked when printed; ``reveal()`` for the plain text."""

    __slots__ = ("_plain", "kind")

    def __init__(self, plain: str, kind: str) -> None:
        self._plain = plain
        self.kind = kind

    def reveal(self) -> str:
        return self._plain

    @property
    def masked(self) -> str:
        return MASKS[self.kind](self._plain)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<Sensitive {self.kind} {self.masked}>"

    def __bool__(self) -> bool:
        return bool(self._plain)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sensitive):
            return self._plain == other._plain
        if isinstance(other, str):
            return self._plain == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._plain)

    def __reduce__(self) -> Any:  # never pickle plaintext into caches or task queues
        raise TypeError("Sensitive values are not picklable")

    # copy and deepcopy fall back on __reduce__ (and so would fail, e.g. deepcopy of a Person): the value is
    # immutable, so a copy is the value itself.
    def __copy__(self) -> Sensitive:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Sensitive:
        return self


class _FromDb(Sensitive):
    """A value read from the database: assigning it must keep the stored blind index as it is."""

    __slots__ = ()


class _SensitiveDescriptor:
    def __init__(self, field: EncryptedField) -> None:
        self.field = field

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        return instance.__dict__.get(self.field.attname)

    def __set__(self, instance: Any, value: Any) -> None:
        field = self.field
        if isinstance(value, _FromDb):
            instance.__dict__[field.attname] = value
            return
        if isinstance(value, str):
            value = Sensitive(normalize(field.kind, value), field.kind) if value.strip() else None
        elif isinstance(value, Sensitive) and value.kind != field.kind:
            value = Sensitive(value.reveal(), field.kind)
        instance.__dict__[field.attname] = value
        if field.blind_index:
            plain = value.reveal() if isinstance(value, Sensitive) else ""
            instance.__dict__[field.blind_index] = crypto.blind_index(field.kind, plain)


class EncryptedField(models.TextField):
    """A personal value encrypted at rest. ``kind``: idno | phone | address | text (decides masking and the
    normalisation before encrypting and indexing); ``blind_index``: the name of a CharField(32) that keeps the
    value's keyed hash for exact search."""

    def __init__(self, *args: Any, kind: str = "text", blind_index: str = "", **kwargs: Any) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        self.kind = kind
        self.blind_index = blind_index
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        if self.blind_index:
            kwargs["blind_index"] = self.blind_index
        return name, path, args, kwargs

    def contribute_to_class(self, cls: Any, name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only)
        setattr(cls, self.attname, _SensitiveDescriptor(self))

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.attname}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Sensitive | None:
        if value is None or value == "":
            return None
        return _FromDb(crypto.decrypt(value, self.context), self.kind)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        plain = value.reveal() if isinstance(value, Sensitive) else normalize(self.kind, str(value))
        if not plain:
            return None
        return crypto.encrypt(plain, self.context)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, Sensitive):
            return value.reveal()
        return value

    def value_to_string(self, obj: Any) -> str:
        # Serialisers (dumpdata) get the masked value: a fixture never carries plaintext.
        value = self.value_from_object(obj)
        return str(value) if value is not None else ""

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None  # ciphertext cannot be compared; search by the blind index
        return super().get_lookup(lookup_name)
