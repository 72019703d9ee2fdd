"""The registry's pages under /registry/ (the import wizard is in ``urls_imports``)."""

from django.urls import URLPattern, URLResolver, path

from . import audit, buildings, exports, households, people, places, tags

urlpatterns: list[URLPattern | URLResolver] = [
    path("", people.person_search, name="people"),
    path("people/new/", people.person_create, name="person-new"),
    path("people/<int:pk>/", people.person_page, name="person"),
    path("people/<int:pk>/edit/", people.person_edit, name="person-edit"),
    path("people/<int:pk>/reveal/<str:field>/", people.reveal_field, name="person-reveal"),
    path("people/<int:pk>/tag/", tags.person_tag, name="person-tag"),
    path("households/new/", households.household_create, name="household-new"),
    path("households/<int:pk>/", households.household_page, name="household"),
    path("households/<int:pk>/members/", households.household_add_member, name="household-add"),
    path("households/<int:pk>/head/", households.household_change_head, name="household-head"),
    path(
        "households/<int:pk>/members/<int:membership>/end/", households.household_end_membership, name="household-end"
    ),
    path("buildings/<str:code>/", buildings.building_page, name="building"),
    path("special/", tags.special_list, name="special"),
    path("care/", tags.care_list, name="care"),
    path("tags/<int:pk>/visit/", tags.tag_visit, name="tag-visit"),
    path("tags/<int:pk>/end/", tags.tag_end, name="tag-end"),
    path("floating/", places.floating_list, name="floating"),
    path("rentals/", places.rentals_list, name="rentals"),
    path("organisations/", places.organisations_list, name="organisations"),
    path("organisations/<int:pk>/inspect/", places.organisation_inspect, name="organisation-inspect"),
    path("facilities/", places.facilities, name="facilities"),
    path("access-log/", audit.access_log, name="access-log"),
    path("export/<str:name>.xlsx", exports.export_list, name="export"),
]
