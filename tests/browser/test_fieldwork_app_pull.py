"""In Chromium at phone size: an incremental pull holds only the people and households that changed since the
cursor, and lists the ids of all in scope; one listed that the phone does not hold (someone who came into the grid
without changing) makes the app drop its cursor and pull everything (docs/fieldwork-sync.md "Download")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import test_fieldwork_attention as attention
from tests.browser.field_server import FieldServer

pytestmark = [pytest.mark.browser]

phone = attention.phone
server = attention.server

PEOPLE = "gridgovField.db.get('pulled').then(p => p.people.map(x => x.id))"


def test_a_person_in_scope_missing_on_the_phone_brings_a_full_pull(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    _srv, ids = server
    _context, page = phone
    page.evaluate("gridgovField.syncNow()")  # the start's pull is over
    assert ids["person"] in page.evaluate(PEOPLE)
    assert page.evaluate("gridgovField.db.get('cursor')")
    # The phone lacks a person the server has in scope and will not send again (unchanged since the cursor: a
    # cursor of now, past the fixture's writes and the cursor's margin).
    page.evaluate("gridgovField.db.set('cursor', new Date().toISOString().replace('Z', '+00:00'))")
    page.evaluate(
        "id => gridgovField.db.get('pulled').then(p => gridgovField.db.set('pulled',"
        " {...p, people: p.people.filter(x => x.id !== id)}))",
        ids["person"],
    )
    assert ids["person"] not in page.evaluate(PEOPLE)
    pulls: list[str] = []
    page.on("request", lambda r: pulls.append(r.url) if "/api/v1/sync/pull/" in r.url else None)
    page.evaluate("gridgovField.syncNow()")
    assert ids["person"] in page.evaluate(PEOPLE)
    # The incremental pull, then one without since.
    assert ["since=" in url for url in pulls] == [True, False], pulls
    assert page.evaluate("gridgovField.db.get('cursor')")
