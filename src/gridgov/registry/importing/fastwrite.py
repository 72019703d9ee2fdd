"""Writing many rows of one model without building model instances or Django's per-object SQL compilation.

``bulk_create`` spends most of its time instantiating models and compiling a value placeholder per field per
object; ``bulk_update`` builds ``CASE WHEN pk=… THEN …`` per field, which grows with the batch twice over (the
statement and the database's evaluation), so re-importing 20,000 people took minutes. Here each chunk's new
rows are one ``COPY … FROM STDIN`` on PostgreSQL (one ``executemany`` INSERT on SQLite, which reuses the prepared
statement), and its updates one ``executemany`` of ``UPDATE … WHERE id = %s``.

Values still go through each field's ``get_db_prep_save``, so encrypted fields are encrypted exactly as on
``save()``; blind indexes are computed from the plain value as the encrypted field's descriptor does on assignment
(``gridgov.core.sensitive``); ``auto_now``/``auto_now_add`` get the current time and other fields their default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections, models, router
from django.utils import timezone

from gridgov.core import crypto
from gridgov.core.sensitive import EncryptedField, Sensitive, normalize

Prep = Callable[[Any], Any]

_PASS_THROUGH = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.FloatField,
)


def _identity(value: Any) -> Any:
    return value


def _prep(field: models.Field[Any, Any], connection: Any) -> Prep:
    if isinstance(field, EncryptedField):
        return lambda v: field.get_db_prep_save(v, connection)
    if isinstance(field, _PASS_THROUGH) and not isinstance(field, models.AutoField):
        return lambda v: v
    if isinstance(field, models.ForeignKey) and isinstance(field.target_field, (models.AutoField, models.BigAutoField)):
        return lambda v: v  # the referenced row's integer primary key, as it is
    return lambda v: field.get_db_prep_save(v, connection)


def _plain(value: Any) -> str:
    if value is None:
        return ""
    return value.reveal() if isinstance(value, Sensitive) else str(value)


class _Column:
    """How one column's value is found in a row dict (keyed by field name) and prepared for the database."""

    __slots__ = ("column", "getter", "prep")

    def __init__(self, column: str, getter: Callable[[dict[str, Any]], Any], prep: Prep) -> None:
        self.column = column
        self.getter = getter
        self.prep = prep


def _columns(model: type[models.Model], names: Iterable[str], *, for_insert: bool, connection: Any) -> list[_Column]:
    meta = model._meta
    names = set(names)
    blind_sources = {f.blind_index: f for f in meta.concrete_fields if isinstance(f, EncryptedField) and f.blind_index}
    out: list[_Column] = []
    for field in meta.concrete_fields:
        if field.primary_key:
            continue
        name, attname = field.name, field.attname
        prep = _prep(field, connection)
        getter: Callable[[dict[str, Any]], Any] | None = None
        source = blind_sources.get(name)
        if source is not None and (source.name in names or for_insert):
            kind, src = source.kind, source.name

            def getter(row: dict[str, Any], kind: str = kind, src: str = src, name: str = name) -> Any:
                if name in row:  # computed already by the caller (the match key)
                    return row[name]
                return crypto.blind_index(kind, normalize(kind, _plain(row.get(src))))

        elif name in names or attname in names:
            if field.is_relation:

                def getter(row: dict[str, Any], name: str = name, attname: str = attname) -> Any:
                    if attname in row:
                        return row[attname]
                    target = row.get(name)
                    return target.pk if target is not None else None

            else:

                def getter(row: dict[str, Any], name: str = name) -> Any:
                    return row.get(name)

        elif for_insert:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                now = field.get_db_prep_save(timezone.now(), connection)  # one instant for the whole chunk
                prep = _identity

                def getter(row: dict[str, Any], now: Any = now) -> Any:
                    return now

            else:
                default = field.get_default()

                def getter(row: dict[str, Any], default: Any = default) -> Any:
                    return default

        if getter is not None:
            out.append(_Column(field.column, getter, prep))
    return out


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts keyed by field name; relations as objects or ``<name>_id``) in one executemany."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    columns = _columns(model, set().union(*rows), for_insert=True, connection=connection)
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(model._meta.db_table), ", ".join(qn(c.column) for c in columns), ", ".join(["%s"] * len(columns))
    )
    params = [[c.prep(c.getter(row)) for c in columns] for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream instead of a statement per row (psycopg adapts the values as for parameters).
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                qn(model._meta.db_table), ", ".join(qn(c.column) for c in columns)
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for values in params:
                    copy.write_row(values)
        else:
            cursor.executemany(sql, params)


def update_rows(
    model: type[models.Model], rows: Sequence[tuple[Any, dict[str, Any]]], fields: Iterable[str], *, bump_version: bool
) -> None:
    """UPDATE the ``fields`` of each ``(pk, row)`` in one executemany; ``updated_at`` (auto_now) is set and
    ``version`` goes up by one when ``bump_version``."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    names = set(fields)
    columns = _columns(model, names, for_insert=False, connection=connection)
    meta = model._meta
    qn = connection.ops.quote_name
    sets = [f"{qn(c.column)} = %s" for c in columns]
    now_fields = [
        f
        for f in meta.concrete_fields
        if getattr(f, "auto_now", False) and f.name not in names and f.attname not in names
    ]
    sets += [f"{qn(f.column)} = %s" for f in now_fields]
    if bump_version:
        sets.append(f"{qn('version')} = {qn('version')} + 1")
    now_values = [f.get_db_prep_save(timezone.now(), connection) for f in now_fields]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(qn(meta.db_table), ", ".join(sets), qn(meta.pk.column))
    params = [[*(c.prep(c.getter(row)) for c in columns), *now_values, pk] for pk, row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
