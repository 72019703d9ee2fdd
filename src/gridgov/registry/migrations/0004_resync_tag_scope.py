"""Tags copy their person's ``scope_code``; before it was kept in step, a person who moved left their tags in the
old grid (seen by its worker, hidden from the new one). Give every tag its person's current code."""

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery


def resync(apps: Any, schema_editor: Any) -> None:
    Person = apps.get_model("registry", "Person")
    PersonTag = apps.get_model("registry", "PersonTag")
    persons_code = Subquery(Person.objects.filter(pk=OuterRef("person_id")).values("scope_code")[:1])
    PersonTag.objects.exclude(scope_code=persons_code).update(scope_code=persons_code)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_mask_import_filenames"),
    ]

    operations = [
        migrations.RunPython(resync, migrations.RunPython.noop),
    ]
