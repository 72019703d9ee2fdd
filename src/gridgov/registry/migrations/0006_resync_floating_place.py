"""A floating registration copies where its person lives (house, grid, ``scope_code``); before it was kept in
step, a person who moved left their current registration in the old grid (seen and renewed by its worker, hidden
from the new one). Give every registration not yet expired its person's current place; expired ones record a stay
where it was made and stay."""

from typing import Any

from django.db import migrations
from django.db.models import F
from django.utils import timezone


def resync(apps: Any, schema_editor: Any) -> None:
    FloatingRegistration = apps.get_model("registry", "FloatingRegistration")
    current = FloatingRegistration.objects.filter(expires_on__gte=timezone.localdate()).order_by("pk")
    rows = current.values_list(
        "pk", "house_id", "grid_id", "scope_code", "person__house_id", "person__grid_id", "person__scope_code"
    )
    stale = [
        (pk, p_house, p_grid, p_code)
        for pk, house_id, grid_id, code, p_house, p_grid, p_code in rows.iterator(chunk_size=2000)
        if (house_id, grid_id, code) != (p_house, p_grid, p_code)
    ]
    now = timezone.now()
    for pk, p_house, p_grid, p_code in stale:
        FloatingRegistration.objects.filter(pk=pk).update(
            house_id=p_house, grid_id=p_grid, scope_code=p_code, version=F("version") + 1, updated_at=now
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_person_left_reason"),
    ]

    operations = [
        migrations.RunPython(resync, migrations.RunPython.noop),
    ]
