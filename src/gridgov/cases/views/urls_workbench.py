"""The dispatcher workbench, its Excel export and the case page (with its actions and photos).

Case numbers are digits (year + sequence), so these routes never shadow the field pages' ``report/`` and
``inbox/`` included after them."""

from django.urls import URLPattern, URLResolver, path, re_path

from . import case_page, workbench

NUMBER = r"(?P<number>\d{1,20})"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", workbench.workbench, name="workbench"),
    path("export.xlsx", workbench.export_xlsx, name="export"),
    re_path(rf"^{NUMBER}/$", case_page.case_page, name="case"),
    re_path(rf"^{NUMBER}/act/$", case_page.case_act, name="act"),
    re_path(rf"^{NUMBER}/photos/(?P<pk>\d+)/$", case_page.case_photo, name="photo"),
]
