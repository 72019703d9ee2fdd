"""Home visits: recorded on the phone; a visit to a tagged person moves that tag's next visit due (the worker's
``next_visit_on`` may bring it forward, within the tag's cycle, when the visit is the tag's latest)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.scope import scope_for
from gridgov.registry.models import Household, Person, PersonTag
from gridgov.registry.services import record_tag_visit

from ..models import Visit


@transaction.atomic
def record_visit(
    *,
    by: Any,
    visit_id: uuid.UUID,
    made_at: dt.datetime,
    situation: str,
    person: Person | None = None,
    household: Household | None = None,
    tag: PersonTag | None = None,
    needs: str = "",
    next_visit_on: dt.date | None = None,
) -> Visit:
    existing = Visit.objects.filter(pk=visit_id).first()
    if existing is not None:
        return existing
    if person is None and household is None and tag is None:
        raise ValidationError({"person": _("请选择走访的人员或户。")})
    if tag is not None:
        person = person or tag.person
        if tag.person_id != person.pk:
            raise ValidationError({"tag": _("所选列管类别不属于该人员。")})
    subject = person or household
    assert subject is not None
    if not scope_for(by, "visit", "add").covers_code(subject.scope_code):
        raise ValidationError({"person": _("该人员/户不在您负责的范围内。")})
    if not situation.strip():
        raise ValidationError({"situation": _("请填写走访情况。")})
    if next_visit_on is not None and next_visit_on <= timezone.localtime(made_at).date():
        raise ValidationError({"next_visit_on": _("下次走访日期应晚于本次走访。")})
    visit = Visit.objects.create(
        id=visit_id,
        worker=by,
        person=person,
        household=household,
        tag=tag,
        scope_code=subject.scope_code,
        made_at=made_at,
        situation=situation.strip(),
        needs=needs.strip(),
        next_visit_on=next_visit_on,
    )
    day = timezone.localtime(made_at).date()
    tags = [tag] if tag is not None else list(PersonTag.objects.current().filter(person=person)) if person else []
    for t in tags:
        if PersonTag.objects.visible_to(by, "change").filter(pk=t.pk).exists():
            try:
                record_tag_visit(by=by, tag=t, on=day)
            except ValidationError:
                continue  # the tag ended (or began after that day) while the phone was offline: the visit stays
            if next_visit_on is not None and t.last_visit_on == day:
                # Only the tag's latest visit sets the date (an older one arriving late changes nothing), and only
                # sooner than its cycle: the worker may plan the next visit earlier, never put it off.
                due = min(next_visit_on, t.compute_next_visit())
                PersonTag.objects.filter(pk=t.pk).update(next_visit_due=due)
    return visit
