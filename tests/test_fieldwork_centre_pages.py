"""The centre's field-work pages under /field/: tracks of a day, coverage of a month, home visits overdue — per
role and scope (a grid worker sees only their own, an outsider nothing of other districts, a grid out of scope is
a 404, residents and department handlers are refused) — and the nav link for grid heads and dispatchers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from gridgov.registry import services as registry
from gridgov.territory.models import GridKind

from .case_factories import CaseCity
from .factories import make_grid
from .fieldwork_centre_factories import G1, G2, build_field_data
from .registry_factories import make_person


@pytest.fixture
def data(cc: CaseCity) -> Any:
    return build_field_data(cc)


def page(cc: CaseCity, who: str, url: str) -> Any:
    client = Client()
    client.force_login(cc.users[who])
    return client.get(url)


def map_config(response: Any, name: str) -> dict[str, Any]:
    html = response.content.decode()
    start = html.index(f'id="{name}"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_the_tracks_page_draws_each_workers_tracks_and_check_ins_of_the_day(cc: CaseCity, data: Any) -> None:
    response = page(cc, "community", "/field/?day=2026-03-02")
    assert response.status_code == 200
    config = map_config(response, "tracks-map-config")
    patrols = config["patrols"]
    assert [p["id"] for p in patrols] == [str(data.patrols["a"].pk), str(data.patrols["b"].pk)]
    assert len(patrols[0]["latlngs"]) == 11 and patrols[1]["latlngs"] == []
    assert patrols[0]["colour"] == patrols[1]["colour"]  # one colour per worker
    assert {c["far"] for c in config["checkins"]} == {False, True}
    assert [f["properties"]["code"] for f in config["grids"]["features"]] == [G1]


def test_the_tracks_page_marks_flagged_patrols(cc: CaseCity, data: Any) -> None:
    response = page(cc, "community", "/field/?day=2026-03-05")
    config = map_config(response, "tracks-map-config")
    assert [p["flagged"] for p in config["patrols"]] == [True]
    html = response.content.decode()
    assert 'id="flagged-note"' in html and 'class="flagged"' in html
    assert "轨迹跳变" in html  # why, in words


def test_workers_get_different_colours(cc: CaseCity, data: Any) -> None:
    config = map_config(page(cc, "community", "/field/?day=2026-03-03"), "tracks-map-config")
    colours = {p["worker"]: p["colour"] for p in config["patrols"]}
    assert len(colours) == 2 and len(set(colours.values())) == 2


def test_a_grid_worker_sees_only_their_own_tracks(cc: CaseCity, data: Any) -> None:
    config = map_config(page(cc, "worker2", "/field/?day=2026-03-03"), "tracks-map-config")
    assert [p["id"] for p in config["patrols"]] == [str(data.patrols["worker2"].pk)]
    config = map_config(page(cc, "worker", "/field/?day=2026-03-03"), "tracks-map-config")
    assert config["patrols"] == [] and config["checkins"] == []


def test_an_outsider_sees_no_tracks_and_a_grid_out_of_scope_is_404(cc: CaseCity, data: Any) -> None:
    config = map_config(page(cc, "outsider", "/field/?day=2026-03-02"), "tracks-map-config")
    assert config["patrols"] == [] and config["checkins"] == []
    assert page(cc, "outsider", f"/field/?day=2026-03-02&grid={G1}").status_code == 404
    assert page(cc, "outsider", f"/field/coverage/?grid={G1}").status_code == 404
    assert page(cc, "worker", f"/field/visits/?grid={G2}").status_code == 404


@pytest.mark.parametrize("who", ["resident", "cm", "nobody"])
def test_residents_and_department_handlers_are_refused(cc: CaseCity, data: Any, who: str) -> None:
    for url in ("/field/", "/field/coverage/", "/field/visits/", "/field/tasks/", "/field/tasks.xlsx"):
        assert page(cc, who, url).status_code == 403, url


def test_anonymous_users_are_sent_to_log_in(cc: CaseCity) -> None:
    response = Client().get("/field/coverage/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_coverage_page_lists_grids_and_workers_with_their_share(cc: CaseCity, data: Any) -> None:
    response = page(cc, "community", "/field/coverage/?month=2026-03")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<tr class="cov-high" data-grid="{G1}">' in html  # 5 of 5 households
    assert f'<tr class="cov-none" data-grid="{G2}">' in html  # no households on record
    assert "5/5" in html and "3/5" in html and "60%" in html
    config = map_config(response, "coverage-map-config")
    assert config["coverage"] == {G1: 1.0, G2: None}
    assert {f["properties"]["code"] for f in config["grids"]["features"]} == {G1, G2}


def test_micro_grids_are_not_rows_of_the_coverage_page(cc: CaseCity, data: Any) -> None:
    """Grid workers patrol comprehensive and special grids: a micro-grid inside one is not a row of zeros."""
    g1 = cc.city.grids[G1]
    micro = make_grid(f"{G1}01", "微网格1", g1.region, g1.boundary, kind=GridKind.MICRO, parent=g1, households=10)
    response = page(cc, "community", "/field/coverage/?month=2026-03")
    html = response.content.decode()
    assert f'data-grid="{G1}"' in html and f'data-grid="{micro.code}"' not in html
    config = map_config(response, "coverage-map-config")
    assert {f["properties"]["code"] for f in config["grids"]["features"]} == {G1, G2}


def test_the_coverage_page_of_another_month_is_empty(cc: CaseCity, data: Any) -> None:
    html = page(cc, "community", "/field/coverage/?month=2026-05").content.decode()
    assert "0/5" in html and 'data-worker="worker"' not in html


def test_a_grid_worker_sees_only_their_own_coverage(cc: CaseCity, data: Any) -> None:
    html = page(cc, "worker", "/field/coverage/?month=2026-03").content.decode()
    assert 'data-worker="worker"' in html and 'data-worker="worker2"' not in html


def test_the_visits_page_lists_overdue_tags_by_grid(cc: CaseCity, data: Any) -> None:
    late = make_person(cc.city, seq=21, name="王独居")
    registry.tag_person(by=cc.users["worker"], person=late, kind="elderly_alone", on=dt.date(2026, 2, 1))  # due 2-8
    fresh = make_person(cc.city, seq=22, name="李新列")
    registry.tag_person(by=cc.users["worker"], person=fresh, kind="elderly_alone", on=dt.date(2026, 3, 3))  # due 3-10
    response = page(cc, "community", "/field/visits/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-grid="{G1}"' in html and "王独居" in html and "李新列" not in html
    assert ">24</span>" in html  # 8 February to 4 March
    assert "王独居" not in page(cc, "outsider", "/field/visits/").content.decode()


def test_the_nav_links_to_field_work_for_grid_heads_and_dispatchers(cc: CaseCity, data: Any) -> None:
    for who in ("head", "community", "district"):
        assert 'id="nav-field"' in page(cc, who, "/field/coverage/").content.decode(), who
    assert 'id="nav-field"' not in page(cc, "worker", "/field/coverage/").content.decode()


def test_the_admin_lists_field_work_read_only(cc: CaseCity, data: Any) -> None:
    from gridgov.accounts.models import User

    admin_client = Client()
    admin_client.force_login(User.objects.create_superuser("root", "root@example.org", "x-Secret-123"))
    for model in ("patrol", "checkin", "visit", "task", "clientrecord"):
        assert admin_client.get(f"/admin/fieldwork/{model}/").status_code == 200, model
    patrol = data.patrols["a"]
    assert admin_client.get(f"/admin/fieldwork/patrol/{patrol.pk}/change/").status_code == 200
    assert admin_client.get("/admin/fieldwork/patrol/add/").status_code == 403
