"""A notification about a case links to the case page by its number (the URL the pages and the API use)."""

from __future__ import annotations

from django.urls import reverse

from gridgov.cases.services import accept_case, dispatch_case
from gridgov.core.models import Notification

from .case_factories import CaseCity


def test_the_unit_is_told_with_a_link_to_the_case_page(cc: CaseCity) -> None:
    case = cc.report()
    case = accept_case(case, by=cc.users["community"])
    dispatch_case(case, by=cc.users["community"], to=cc.units["cm"])
    note = Notification.objects.filter(recipient=cc.users["cm"]).latest("created_at")
    assert note.url == reverse("cases:case", args=[case.number])
    assert note.url == f"/cases/{case.number}/"
