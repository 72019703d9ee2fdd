from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "gridgov.matters"
    label = "matters"
    verbose_name = _("事项清单")

    def ready(self) -> None:
        from . import signals  # noqa: F401
