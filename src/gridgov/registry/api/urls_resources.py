"""The registry's resources under /api/v1/ (wired into registry/api/urls.py); each list's Excel export sits at
``<list>/export.xlsx``, before the router's routes."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .views import (
    AccessLogViewSet,
    FacilityViewSet,
    FloatingRegistrationViewSet,
    HouseholdViewSet,
    OrganisationViewSet,
    PersonViewSet,
    RentalHouseViewSet,
    TagViewSet,
)

RESOURCES = [
    ("persons", PersonViewSet, "person"),
    ("households", HouseholdViewSet, "household"),
    ("tags", TagViewSet, "persontag"),
    ("floating-registrations", FloatingRegistrationViewSet, "floatingregistration"),
    ("rental-houses", RentalHouseViewSet, "rentalhouse"),
    ("organisations", OrganisationViewSet, "organisation"),
    ("facilities", FacilityViewSet, "facility"),
]

router = SimpleRouter()
for prefix, viewset, basename in RESOURCES:
    router.register(prefix, viewset, basename=basename)
router.register("access-log", AccessLogViewSet, basename="accesslog")

urlpatterns: list[URLPattern | URLResolver] = [
    *(
        path(f"{prefix}/export.xlsx", viewset.as_view({"get": "export"}), name=f"{basename}-export")
        for prefix, viewset, basename in RESOURCES
    ),
    *router.urls,
]
