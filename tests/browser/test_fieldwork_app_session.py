"""In Chromium at phone size: the field app is bound to the user it was opened by, and its service worker and
data follow (docs/fieldwork-sync.md "The expected user", docs/fieldwork-app.md).

A tab opened by one grid worker whose session now belongs to a colleague (logged out and in again in another tab)
sends nothing and pulls nothing: the server answers 409 user_mismatch, the app asks to log in again and keeps the
records saved; logged in again as the first worker, they go under their name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import test_fieldwork_offline as offline
from tests.browser.field_server import FieldServer
from tests.browser.test_fieldwork_attention import phone_records, save, until
from tests.browser.test_fieldwork_offline import tab
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]

#: The offline test's phone (logged in as "worker", the service worker controlling the page), on this module's server.
phone = offline.phone

SETUP = """
import json
from gridgov.accounts.models import Role
from tests.case_factories import build_case_city
cc = build_case_city()
cc.city.grant("worker2", Role.GRID_WORKER, grid="441302001001002")
print(json.dumps({}))
"""

STORED = """
import json
from gridgov.fieldwork.models import ClientRecord, Patrol
print(json.dumps({
    "records": sorted([str(u), n] for u, n in ClientRecord.objects.values_list("uuid", "user__username")),
    "patrols": sorted(Patrol.objects.values_list("worker__username", flat=True)),
}))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FieldServer, dict[str, Any]]]:
    srv = FieldServer(Path(tmp_path_factory.mktemp("field-server-session")))
    srv.migrate()
    ids = srv.run_python(SETUP)
    srv.start()
    yield srv, ids
    srv.kill()


def log_in(context: Any, srv: FieldServer, username: str) -> None:
    """Log in as ``username`` in another tab of the same browser (the session cookie is shared)."""
    other = context.new_page()
    try:
        other.goto(f"{srv.url}/accounts/login/")
        other.fill("input[name=username]", username)
        other.fill("input[name=password]", PASSWORD)
        with other.expect_navigation():
            other.click("form:has(input[name=password]) button[type=submit]")
        assert "/accounts/login/" not in other.url, f"{username} not logged in"
    finally:
        other.close()


def test_a_tab_of_another_user_sends_and_pulls_nothing_until_its_user_logs_in_again(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, _ids = server
    context, page = phone
    tab(page, "records")
    pulled = page.evaluate("gridgovField.db.get('pulled').then(p => JSON.stringify(p.grids))")
    cursor = page.evaluate("gridgovField.db.get('cursor')")
    patrol = str(page.evaluate("crypto.randomUUID()"))
    start = save(page, "patrol_start", {"patrol": patrol})

    log_in(context, srv, "worker2")
    page.click("#sync-now")
    until(page, "document.body.dataset.syncPhase === 'login'")
    page.wait_for_selector("#notice a")  # 请重新登录, with the link
    assert [r["state"] for r in phone_records(page) if r["uuid"] == start] == ["saved"]
    assert srv.run_python(STORED) == {"records": [], "patrols": []}
    # worker2's grid never reached worker's database on this phone.
    assert page.evaluate("gridgovField.db.get('pulled').then(p => JSON.stringify(p.grids))") == pulled
    assert page.evaluate("gridgovField.db.get('cursor')") == cursor

    log_in(context, srv, "worker")
    page.click("#sync-now")
    page.wait_for_selector(f"#record-list li[data-uuid='{start}'][data-state='sent']")
    assert srv.run_python(STORED) == {"records": [[start, "worker"]], "patrols": ["worker"]}
