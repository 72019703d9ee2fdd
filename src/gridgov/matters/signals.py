"""Any write to a category moves the matter list's version, in the same transaction, so every process's in-force
cache notices (queryset ``update()``/``bulk_create()`` do the same in ``MatterCategoryQuerySet``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import MatterCategory, bump_list_version


@receiver([post_save, post_delete], sender=MatterCategory)
def matter_list_changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    bump_list_version()
