"""The dispatcher workbench: only visible cases, filters (status, overdue) with htmx, overdue first, the map's
points, and the Excel export of the same list."""

from __future__ import annotations

import io
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case

from .case_factories import CaseCity

ELSEWHERE = (114.435, 23.135)  # grid 441302002002002: same district, another sub-district
FAR = (114.47, 23.12)  # district 441303


def listed(client: Client, query: str = "") -> list[str]:
    response = client.get(f"/cases/{query}")
    assert response.status_code == 200
    return [c.number for c in response.context["page"]]


def test_each_user_sees_only_the_cases_in_their_scope(cc: CaseCity, client: Client) -> None:
    mine = cc.report(by="worker")
    elsewhere = cc.report(by="district", source="hotline", point=ELSEWHERE)
    far = cc.report(by="outsider", source="hotline", point=FAR)
    expected = {
        "community": {mine.number},
        "worker": {mine.number},
        "district": {mine.number, elsewhere.number},
        "outsider": {far.number},
        "admin": {mine.number, elsewhere.number, far.number},
        "cm": set(),
    }
    for username, numbers in expected.items():
        client.force_login(cc.users[username])
        assert set(listed(client)) == numbers, username


def test_the_page_shows_the_queue_the_filters_and_a_map_of_the_listed_cases(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    client.force_login(cc.users["community"])
    response = client.get("/cases/")
    html = response.content.decode()
    assert case.number in html and "暴露垃圾" in html
    assert 'name="status"' in html and 'name="overdue"' in html and 'hx-get="/cases/"' in html
    points = response.context["map_config"]["points"]
    assert [(p["number"], p["status"]) for p in points] == [(case.number, "reported")]
    assert f'href="/cases/{case.number}/"' in html


def test_filtering_by_status_narrows_the_queue(cc: CaseCity, client: Client) -> None:
    reported = cc.report()
    accepted = cc.report(description="另一处垃圾")
    services.accept_case(accepted, by=cc.users["community"])
    client.force_login(cc.users["community"])
    assert listed(client, "?status=accepted") == [accepted.number]
    assert listed(client, "?status=reported") == [reported.number]
    assert set(listed(client, "?status=reported&status=accepted")) == {reported.number, accepted.number}


def test_filtering_by_overdue_and_overdue_cases_come_first(cc: CaseCity, client: Client) -> None:
    late = cc.report(description="早报的")
    fresh = cc.report(description="刚报的")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    Case.objects.filter(pk=fresh.pk).update(due_at=timezone.now() - timedelta(minutes=1) + timedelta(days=2))
    client.force_login(cc.users["community"])
    assert listed(client, "?overdue=true") == [late.number]
    assert listed(client, "?overdue=false") == [fresh.number]
    response = client.get("/cases/")
    assert [c.number for c in response.context["page"]] == [late.number, fresh.number]
    assert 'class="overdue"' in response.content.decode()


def test_the_forms_empty_choices_mean_all(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    client.force_login(cc.users["community"])
    everything = "?status=&overdue=&tier=&category=&source=&grid=&q="
    assert listed(client, everything) == [case.number]
    response = client.get("/cases/?status=&overdue=false&q=", HTTP_HX_REQUEST="true")
    assert "/cases/export.xlsx?overdue=false" in response.content.decode()


def test_an_htmx_request_gets_only_the_queue(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    client.force_login(cc.users["community"])
    response = client.get("/cases/?status=reported", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert case.number in html
    assert "<html" not in html and 'name="overdue"' not in html
    assert 'id="case-map-config"' in html  # the map's new points come with the queue
    assert "/cases/export.xlsx?status=reported" in html


def test_a_bad_filter_value_is_an_error_not_the_whole_list(cc: CaseCity, client: Client) -> None:
    cc.report()
    client.force_login(cc.users["community"])
    response = client.get("/cases/?overdue=maybe")
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert "errorlist" in response.content.decode()


def test_the_queue_is_paginated(cc: CaseCity, client: Client) -> None:
    for n in range(27):
        cc.report(description=f"垃圾{n}")
    client.force_login(cc.users["community"])
    first = client.get("/cases/")
    assert len(first.context["page"]) == 25 and first.context["total"] == 27
    assert len(client.get("/cases/?page=2").context["page"]) == 2


def test_the_export_link_returns_an_xlsx_of_the_visible_filtered_cases(cc: CaseCity, client: Client) -> None:
    from openpyxl import load_workbook

    mine = cc.report()
    accepted = cc.report(description="另一处垃圾")
    services.accept_case(accepted, by=cc.users["community"])
    far = cc.report(by="outsider", source="hotline", point=FAR)
    client.force_login(cc.users["community"])
    response = client.get("/cases/export.xlsx?status=reported")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    cells = {str(c.value) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows() for c in row}
    assert mine.number in cells
    assert accepted.number not in cells and far.number not in cells


def test_the_workbench_needs_a_login(client: Client) -> None:
    response = client.get("/cases/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_nav_shows_the_cases_link_to_dispatchers_but_not_to_grid_workers(cc: CaseCity, client: Client) -> None:
    client.force_login(cc.users["community"])
    assert 'href="/cases/"' in client.get("/").content.decode()
    client.force_login(cc.users["worker"])
    assert 'href="/cases/"' not in client.get("/").content.decode()


def test_the_queue_costs_the_same_queries_for_more_cases(cc: CaseCity, client: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cc.users["community"])
    cc.report()
    client.get("/cases/")  # warm the session and the user's role cache
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/")
    for n in range(8):
        services.accept_case(cc.report(description=f"垃圾{n}"), by=cc.users["community"])
    with CaptureQueriesContext(connection) as many:
        client.get("/cases/")
    assert len(many) == len(few)
