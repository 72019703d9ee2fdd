"""A building's houses and who lives in each (from the territory's building), with rental-house status."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from gridgov.core.scoping import get_visible_or_404
from gridgov.territory.models import Building

from ..models import Organisation, Person, RentalHouse
from .common import may, render_page


@require_GET
@login_required
def building_page(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    building = get_visible_or_404(Building.objects.select_related("grid"), user, code=code)
    houses = list(building.houses.order_by("floor", "number"))
    residents = defaultdict(list)
    unhoused = []
    people = Person.objects.visible_to(user).filter(building=building, is_active=True).order_by("name")
    for person in people:
        if person.house_id:
            residents[person.house_id].append(person)
        else:
            unhoused.append(person)
    rentals = {
        r.house_id: r
        for r in RentalHouse.objects.visible_to(user).filter(house__building=building).select_related("landlord")
    }
    rows = [{"house": h, "people": residents.get(h.pk, []), "rental": rentals.get(h.pk)} for h in houses]
    context = {
        "building": building,
        "rows": rows,
        "unhoused": unhoused,
        "resident_count": sum(len(v) for v in residents.values()) + len(unhoused),
        "organisations": Organisation.objects.visible_to(user).filter(building=building),
        "may_register": may(user, "person", "change", building.code),
        "sees_rentals": may(user, "rentalhouse", "view"),
    }
    return render_page(request, "registry/building.html", context)
