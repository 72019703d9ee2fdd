"""In Chromium at phone size: a record refused because the phone's clock is fast (the server's answer says
``code: "clock_ahead"``) is not "too old, discard only": the app says to set the clock and offers 重新发送, which
passes once the server's time has caught up, and 修改后重新提交. The app decides by the server's code: by the time
the answer arrives the phone's own clock is past the record's time, so comparing with it cannot tell."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import test_fieldwork_attention as attention
from tests.browser.field_server import FieldServer
from tests.browser.test_fieldwork_attention import CLEAR, row, save, stored, sync
from tests.browser.test_fieldwork_offline import tab

pytestmark = [pytest.mark.browser]

phone = attention.phone
server = attention.server


def test_a_record_refused_for_a_fast_clock_can_be_sent_again(
    phone: tuple[Any, Any], server: tuple[FieldServer, dict[str, Any]]
) -> None:
    srv, ids = server
    _context, page = phone
    srv.run_python(CLEAR)
    tab(page, "records")
    uuid = save(page, "visit", {"person": ids["person"], "situation": "钟快时的走访", "needs": ""})

    def ahead(route: Any) -> None:
        sent = route.request.post_data_json["records"]
        route.fulfill(
            json={
                "results": [
                    {
                        "uuid": r["uuid"],
                        "status": 400,
                        "code": "clock_ahead",
                        "errors": {"made_at": ["记录时间晚于服务器当前时间,请校准手机时间。"]},
                    }
                    for r in sent
                ]
            }
        )

    page.route("**/api/v1/sync/records/", ahead)
    try:
        sync(page)
    finally:
        page.unroute("**/api/v1/sync/records/")
    page.wait_for_selector(f"#record-list li[data-uuid='{uuid}'][data-state='attention']")
    text = row(page, uuid).inner_text()
    assert "手机时钟偏快" in text and "服务器已不再接收" not in text
    assert row(page, uuid).locator("[data-action=fix]").count() == 1
    assert stored(srv)["visits"] == []

    # The server's time has caught up (here: the server was never behind): sent again, it is stored.
    row(page, uuid).locator("[data-action=retry]").click()
    page.wait_for_selector(f"#record-list li[data-uuid='{uuid}'][data-state='sent']")
    assert stored(srv)["visits"] == ["钟快时的走访"]
