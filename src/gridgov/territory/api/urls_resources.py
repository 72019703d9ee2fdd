"""Regions, grids, buildings and houses under /api/v1/ (wired into territory/api/urls.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import BuildingViewSet, GridViewSet, HouseViewSet, RegionViewSet

router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("grids", GridViewSet, basename="grid")
router.register("buildings", BuildingViewSet, basename="building")
router.register("houses", HouseViewSet, basename="house")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
