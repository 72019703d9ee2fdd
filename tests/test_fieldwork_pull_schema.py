"""The pull's body is what its OpenAPI schema says (``sync_serializers.PullSerializer``): the same keys at the top
and in every item, and values of the declared types (blank or null only where the schema allows it). The pull builds
its dicts by hand for speed; this keeps the contract the phone app is written against from drifting."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers
from rest_framework.test import APIClient

from gridgov.fieldwork.api.sync_serializers import PullSerializer
from gridgov.fieldwork.services import assign_task
from gridgov.registry import services as registry

from .case_factories import CaseCity
from .fieldwork_sync_factories import WORKER_GRID
from .registry_factories import make_person
from .test_fieldwork_pull import pull


def test_every_part_of_the_pull_has_the_keys_and_types_of_its_schema(cc: CaseCity, api: APIClient) -> None:
    day = dt.date(2026, 1, 1)
    person = make_person(cc.city, seq=1, workplace="", occupation="")  # blank fields are sent as ""
    registry.create_household(by=cc.users["worker"], number="H1", head=person, on=day, house=person.house)
    registry.tag_person(by=cc.users["worker"], person=person, kind="elderly_alone", on=day)
    houses = cc.city.buildings[WORKER_GRID].houses.order_by("number")
    registry.register_rental(by=cc.users["worker"], house=houses[0], on=day, landlord=person)
    registry.register_rental(by=cc.users["worker"], house=houses[1], on=day)  # no landlord, never checked
    assign_task(
        by=cc.users["community"],
        category=cc.categories["rubbish"],
        kind="inspection",
        title="查垃圾",
        grid=cc.city.grids[WORKER_GRID],
        assignee=cc.users["worker"],
    )
    body = pull(api, cc.users["worker"])

    schema = PullSerializer()
    assert set(body) == set(schema.fields)
    for name, field in schema.fields.items():
        if isinstance(field, serializers.ListSerializer):
            assert body[name], f"no {name} in the pull to check"
            for item in body[name]:
                assert set(item) == set(field.child.fields), name
    check = PullSerializer(data=body)
    assert check.is_valid(), check.errors
