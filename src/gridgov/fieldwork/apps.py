from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "gridgov.fieldwork"
    label = "fieldwork"
    verbose_name = _("网格员外勤")
