"""Re-encrypt every personal field under the newest key (the first of ``GRIDGOV_FIELD_KEYS``).

Rotation: put a new key in front of ``GRIDGOV_FIELD_KEYS`` (keep the old ones after it), restart, run this
command, then remove the old keys. It selects only the rows still under another key (the stored key id), works
in batches of ``--batch`` rows, one transaction each, and can be stopped and run again at any time.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from gridgov.core import crypto
from gridgov.core.sensitive import EncryptedField


def encrypted_models() -> list[tuple[Any, list[str]]]:
    found = []
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if names:
            found.append((model, names))
    return found


def rotate(batch: int = 2000, progress: bool = True) -> dict[str, int]:
    """Re-encrypt, model by model; returns rows rewritten per model."""
    current = crypto.keyring().current_id
    done: dict[str, int] = {}
    for model, names in encrypted_models():
        # The stored key id is the ciphertext's prefix: select by it, without decrypting anything.
        table = model._meta.db_table
        pks = list(_stale_pks(model, names, current))
        bar = tqdm(total=len(pks), desc=table, unit="row", disable=not progress)
        count = 0
        for start in range(0, len(pks), batch):
            chunk = pks[start : start + batch]
            with transaction.atomic():
                rows = list(model._base_manager.select_for_update().filter(pk__in=chunk).only("pk", *names))
                # Re-assigning the decrypted value leaves the blind index as it is; saving encrypts anew.
                model._base_manager.bulk_update(rows, names)
            count += len(rows)
            bar.update(len(rows))
        bar.close()
        done[model._meta.label] = count
    return done


def _stale_pks(model: Any, names: list[str], current: str) -> list[Any]:
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    cols = [connection.ops.quote_name(model._meta.get_field(n).column) for n in names]
    where = " OR ".join(f"({c} IS NOT NULL AND {c} NOT LIKE %s)" for c in cols)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk} FROM {table} WHERE {where} ORDER BY {pk}", [f"{current}$%"] * len(cols))
        return [row[0] for row in cursor.fetchall()]


def count_under_other_keys() -> int:
    current = crypto.keyring().current_id
    return sum(len(_stale_pks(m, names, current)) for m, names in encrypted_models())


class Command(BaseCommand):
    help = "把所有加密的个人信息字段用最新密钥重新加密(密钥轮换)。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        done = rotate(batch=batch, progress=options.get("verbosity", 1) > 0)
        for label, n in done.items():
            self.stdout.write(f"{label}: {n}")
        left = count_under_other_keys()
        self.stdout.write(f"rows still under an older key: {left}")
