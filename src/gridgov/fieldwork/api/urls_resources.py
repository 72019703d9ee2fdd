"""/api/v1/ resources of field work for the centre: patrols, visits, tasks (with accept / redo / remind) and the
patrol figures."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .resources import FieldPhotoView, FiguresView, PatrolViewSet, TaskViewSet, VisitViewSet

router = SimpleRouter()
router.register("patrols", PatrolViewSet, basename="fieldwork-patrol")
router.register("visits", VisitViewSet, basename="fieldwork-visit")
router.register("tasks", TaskViewSet, basename="fieldwork-task")

urlpatterns: list[URLPattern | URLResolver] = [
    path("patrol-figures/", FiguresView.as_view(), name="fieldwork-figures"),
    path("field-photos/<uuid:photo_uuid>/", FieldPhotoView.as_view(), name="fieldwork-photo"),
    *router.urls,
]
