"""Roles and what each may do to each governed model.

A role is held on a node of the territory (a region or a grid); it covers that node's subtree. This table is the
whole policy: :func:`gridgov.accounts.scope.scope_for` reads it, ``visible_to`` applies it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    GRID_HEAD = "grid_head", _("网格长")
    COMMUNITY_DISPATCHER = "community_dispatcher", _("社区综治中心调度员")
    SUBDISTRICT_DISPATCHER = "subdistrict_dispatcher", _("街道综治中心调度员")
    DISTRICT_DISPATCHER = "district_dispatcher", _("区县综治中心调度员")
    DEPARTMENT_HANDLER = "department_handler", _("部门处置人员")
    LEADER = "leader", _("领导")
    ADMINISTRATOR = "administrator", _("管理员")
    RESIDENT = "resident", _("居民")


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}
ALL_ROLES = frozenset(Role)
CENTRES = frozenset({Role.COMMUNITY_DISPATCHER, Role.SUBDISTRICT_DISPATCHER, Role.DISTRICT_DISPATCHER})
# Who keeps the basic information current: the grid's worker and head, the community centre, administrators.
REGISTRY_EDITORS = frozenset({Role.GRID_WORKER, Role.GRID_HEAD, Role.COMMUNITY_DISPATCHER, Role.ADMINISTRATOR})
# Who reads the registry: staff in scope, except department handlers (they see a case's parties on the case).
REGISTRY_READERS = frozenset(STAFF_ROLES - {Role.DEPARTMENT_HANDLER})
# Who may take lists of people away as files: the centres and administrators (grid workers and heads work in the
# app; leaders read figures, not people).
REGISTRY_EXPORTERS = frozenset(CENTRES | {Role.ADMINISTRATOR})


def _special_group_permissions() -> dict[str, frozenset[Role]]:
    roles = frozenset(Role(r) for r in settings.SPECIAL_GROUP_ROLES)
    return {"view": roles, "change": roles & REGISTRY_EDITORS, "export": roles & REGISTRY_EXPORTERS}


# model → action → roles allowed (within the node they hold the role on)
PERMISSIONS: dict[str, dict[str, frozenset[Role]]] = {
    "region": {"view": STAFF_ROLES, "change": frozenset({Role.ADMINISTRATOR})},
    "grid": {"view": STAFF_ROLES, "change": frozenset({Role.ADMINISTRATOR})},
    "building": {"view": STAFF_ROLES, "change": frozenset({Role.ADMINISTRATOR, Role.GRID_WORKER})},
    "house": {"view": STAFF_ROLES, "change": frozenset({Role.ADMINISTRATOR, Role.GRID_WORKER})},
    "coverage": {"view": frozenset(STAFF_ROLES - {Role.GRID_WORKER, Role.DEPARTMENT_HANDLER})},
    # Cases by territory; department handlers reach cases through their units and residents their own reports
    # (gridgov.cases.models.CaseQuerySet adds both), never through the region their assignment names.
    "case": {
        "view": frozenset(STAFF_ROLES - {Role.DEPARTMENT_HANDLER}),
        "change": frozenset(STAFF_ROLES - {Role.DEPARTMENT_HANDLER, Role.LEADER}),
    },
    "unit": {"view": STAFF_ROLES, "change": frozenset({Role.ADMINISTRATOR})},
    # The matter list is published: anyone who reports may read it; only the grid office's administrators edit.
    "mattercategory": {"view": ALL_ROLES, "change": frozenset({Role.ADMINISTRATOR})},
    # Departments apply (and centres may too); administrators review and publish (准入制).
    "matterchange": {
        "view": STAFF_ROLES,
        "add": frozenset(
            {
                Role.DEPARTMENT_HANDLER,
                Role.COMMUNITY_DISPATCHER,
                Role.SUBDISTRICT_DISPATCHER,
                Role.DISTRICT_DISPATCHER,
                Role.ADMINISTRATOR,
            }
        ),
        "review": frozenset({Role.ADMINISTRATOR}),
    },
    # The registry (人地物组织). Personal fields are masked for every reader; "reveal" may ask for the full value
    # with a reason (logged). Leaders read figures, not people: no reveal, no export.
    "person": {
        "view": REGISTRY_READERS,
        "change": REGISTRY_EDITORS,
        "reveal": frozenset({Role.GRID_WORKER, Role.GRID_HEAD} | CENTRES),
        "export": REGISTRY_EXPORTERS,
    },
    # Lists that name people (households, tags, floating registrations, rental houses' landlords) export like people.
    "household": {"view": REGISTRY_READERS, "change": REGISTRY_EDITORS, "export": REGISTRY_EXPORTERS},
    # Care-group tags (elderly living alone, disabled, low-income, left-behind children).
    "persontag": {"view": REGISTRY_READERS, "change": REGISTRY_EDITORS, "export": REGISTRY_EXPORTERS},
    # Special groups and key youth: only the roles that handle them (settings.SPECIAL_GROUP_ROLES, read at each
    # check by allowed_roles(); this entry is its value at import, for readers of the table); of those, only the
    # REGISTRY_EXPORTERS export.
    "specialgroup": _special_group_permissions(),
    "rentalhouse": {"view": REGISTRY_READERS, "change": REGISTRY_EDITORS, "export": REGISTRY_EXPORTERS},
    "floatingregistration": {"view": REGISTRY_READERS, "change": REGISTRY_EDITORS, "export": REGISTRY_EXPORTERS},
    "organisation": {"view": STAFF_ROLES, "change": REGISTRY_EDITORS, "export": REGISTRY_READERS},
    "facility": {"view": STAFF_ROLES, "change": REGISTRY_EDITORS | {Role.DEPARTMENT_HANDLER}},
    "accesslog": {"view": frozenset({Role.ADMINISTRATOR})},
    # Field work (巡查/走访/任务). Grid workers make the records; grid heads and centres read them.
    "patrol": {"view": REGISTRY_READERS, "add": frozenset({Role.GRID_WORKER, Role.GRID_HEAD})},
    "visit": {
        "view": REGISTRY_READERS,
        "add": frozenset({Role.GRID_WORKER, Role.GRID_HEAD, Role.COMMUNITY_DISPATCHER}),
    },
    "task": {
        "view": REGISTRY_READERS,
        "add": frozenset(CENTRES | {Role.GRID_HEAD}),
        "report": frozenset({Role.GRID_WORKER}),
        "review": frozenset(CENTRES | {Role.GRID_HEAD}),
    },
    "importjob": {"view": REGISTRY_EDITORS | CENTRES, "add": REGISTRY_EDITORS | CENTRES},
}


def allowed_roles(model_name: str, action: str) -> frozenset[Role]:
    """The roles allowed ``action`` on ``model_name``. Special groups follow ``settings.SPECIAL_GROUP_ROLES`` as it
    is now, not as it was when this module was imported, so the setting can be changed (and overridden in tests)."""
    if model_name == "specialgroup":
        return _special_group_permissions().get(action, frozenset())
    return PERMISSIONS.get(model_name, {}).get(action, frozenset())


# Which node each role is normally held on (the admin and the demo use this; the model does not force it).
ROLE_NODE = {
    Role.GRID_WORKER: "grid",
    Role.GRID_HEAD: "grid",
    Role.COMMUNITY_DISPATCHER: "community",
    Role.SUBDISTRICT_DISPATCHER: "subdistrict",
    Role.DISTRICT_DISPATCHER: "district",
    Role.DEPARTMENT_HANDLER: "district",
    Role.LEADER: "city",
    Role.ADMINISTRATOR: "city",
    Role.RESIDENT: "community",
}
