"""The import wizard's pages under /registry/import/ (namespace "registry")."""

from django.urls import URLPattern, URLResolver, path

from . import imports

urlpatterns: list[URLPattern | URLResolver] = [
    path("", imports.import_index, name="import"),
    path("template/<str:kind>.xlsx", imports.import_template, name="import-template"),
    path("<uuid:pk>/", imports.import_job, name="import-job"),
    path("<uuid:pk>/status/", imports.import_job_status, name="import-job-status"),
    path("<uuid:pk>/confirm/", imports.import_confirm, name="import-confirm"),
    path("<uuid:pk>/errors.xlsx", imports.import_errors, name="import-errors"),
]
