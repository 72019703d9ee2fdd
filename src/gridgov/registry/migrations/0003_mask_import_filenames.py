"""Mask the ID-number- and mobile-looking runs in the names of files imported before the name was masked on
upload (``importing.jobs.create_job``)."""

from typing import Any

from django.db import migrations


def mask_filenames(apps: Any, schema_editor: Any) -> None:
    from gridgov.core.logredact import redact

    ImportJob = apps.get_model("registry", "ImportJob")
    for job in ImportJob.objects.only("pk", "filename").iterator():
        masked = redact(job.filename)[:200]
        if masked != job.filename:
            ImportJob.objects.filter(pk=job.pk).update(filename=masked)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_import_expired"),
    ]

    operations = [
        migrations.RunPython(mask_filenames, migrations.RunPython.noop),
    ]
