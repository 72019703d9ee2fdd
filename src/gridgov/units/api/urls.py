"""/api/v1/units/ (wired into config/api_urls.py)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .views import UnitViewSet

router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
