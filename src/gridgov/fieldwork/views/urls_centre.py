"""/field/: the centre's field-work pages (tracks of a day, coverage of a month, home visits overdue, tasks) and
their Excel exports."""

from django.urls import URLPattern, URLResolver, path

from . import centre

urlpatterns: list[URLPattern | URLResolver] = [
    path("", centre.tracks, name="tracks"),
    path("tracks.xlsx", centre.tracks_export, name="tracks-export"),
    path("coverage/", centre.coverage, name="coverage"),
    path("coverage.xlsx", centre.coverage_export, name="coverage-export"),
    path("visits/", centre.visits, name="visits"),
    path("visits.xlsx", centre.visits_export, name="visits-export"),
    path("tasks/", centre.tasks, name="tasks"),
    path("tasks.xlsx", centre.tasks_export, name="tasks-export"),
    path("tasks/assign/", centre.task_assign, name="task-assign"),
    path("tasks/<int:pk>/act/", centre.task_act, name="task-act"),
    path("photos/<uuid:photo_uuid>/", centre.field_photo, name="photo"),
]
