"""Every change to the registry goes through these functions (views, the API and the import call them)."""

from .base import StaleEdit
from .households import HeadConflict, add_member, change_head, create_household, end_membership
from .people import (
    PERSON_FIELDS,
    PROTECTED_FIELDS,
    clean_person,
    deregister_person,
    log_bulk_access,
    refuse_deregistered,
    register_person,
    reveal,
    update_person,
)
from .places import (
    RENTAL_FIELDS,
    clean_organisation,
    clean_rental,
    record_fire_inspection,
    register_facility,
    register_floating,
    register_organisation,
    register_rental,
    update_rental,
)
from .tags import clean_details, end_tag, record_tag_visit, tag_person

__all__ = [
    "PERSON_FIELDS",
    "PROTECTED_FIELDS",
    "RENTAL_FIELDS",
    "HeadConflict",
    "StaleEdit",
    "add_member",
    "change_head",
    "clean_details",
    "clean_organisation",
    "clean_person",
    "clean_rental",
    "create_household",
    "deregister_person",
    "end_membership",
    "end_tag",
    "log_bulk_access",
    "record_fire_inspection",
    "record_tag_visit",
    "refuse_deregistered",
    "register_facility",
    "register_floating",
    "register_organisation",
    "register_person",
    "register_rental",
    "reveal",
    "tag_person",
    "update_person",
    "update_rental",
]
