"""The tracks page stays bounded on a wide scope's day: each track is thinned in the database (at most
MAX_DRAWN_POINTS + 1 points read a patrol, its first and last kept), at most MAX_DRAWN_PATROLS patrols and
MAX_DRAWN_CHECKINS check-ins are drawn, with the day's totals and a message asking for a grid."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from gridgov.fieldwork.models import Patrol, TrackPoint
from gridgov.fieldwork.views import centre

from .case_factories import CaseCity
from .fieldwork_centre_factories import G1, G2, bj, build_field_data, make_checkin, make_patrol


@pytest.fixture
def data(cc: CaseCity) -> Any:
    return build_field_data(cc)


def tracks(cc: CaseCity, url: str) -> tuple[str, dict[str, Any]]:
    client = Client()
    client.force_login(cc.users["community"])
    html = client.get(url).content.decode()
    start = html.index('id="tracks-map-config"')
    return html, json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])


def long_patrol(cc: CaseCity, n: int) -> Patrol:
    patrol = make_patrol(cc.users["worker"], cc.city.grids[G1], bj(6, 8), minutes=n // 60, metres=0)
    TrackPoint.objects.bulk_create(
        [
            TrackPoint(patrol=patrol, t=bj(6, 8) + dt.timedelta(seconds=i), lon=114.401 + i * 1e-6, lat=23.105)
            for i in range(n)
        ]
    )
    patrol.points = n
    patrol.save(update_fields=["points"])
    return patrol


def test_a_long_track_is_thinned_in_the_database_keeping_its_ends(cc: CaseCity, data: Any) -> None:
    patrol = long_patrol(cc, 3 * 3600)
    rows = list(centre.drawn_points([patrol]).values_list("t", flat=True))
    assert 400 < len(rows) <= centre.MAX_DRAWN_POINTS + 1
    assert rows[0] == bj(6, 8) and rows[-1] == bj(6, 8) + dt.timedelta(seconds=3 * 3600 - 1)
    _html, config = tracks(cc, "/field/?day=2026-03-06")
    (drawn,) = config["patrols"]
    assert len(drawn["latlngs"]) == len(rows)
    assert drawn["latlngs"][0] == [23.105, 114.401]


def test_a_short_track_is_drawn_whole(cc: CaseCity, data: Any) -> None:
    patrol = long_patrol(cc, 300)
    assert centre.drawn_points([patrol]).count() == 300


def test_a_day_with_more_patrols_than_drawn_says_so_and_counts_them_all(
    cc: CaseCity, data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(centre, "MAX_DRAWN_PATROLS", 1)
    monkeypatch.setattr(centre, "MAX_DRAWN_CHECKINS", 1)
    make_patrol(cc.users["worker"], cc.city.grids[G1], bj(3, 15), minutes=30, metres=100, flagged=True)
    building = cc.city.buildings[G1]
    make_checkin(cc.users["worker"], building, bj(3, 15, 10), patrol=None, distance=10)
    # 3 March: worker2's and the neighbour's patrols from the constructed data, and this one; two check-ins.
    html, config = tracks(cc, "/field/?day=2026-03-03")
    assert len(config["patrols"]) == 1 and len(config["checkins"]) == 1
    assert 'id="tracks-capped"' in html and "当天共 3 次巡查" in html
    assert 'id="checkins-capped"' in html and "当天共 2 次楼栋打卡" in html
    assert 'id="flagged-note"' in html  # the flagged patrol is beyond the drawn one but still counted
    html, config = tracks(cc, f"/field/?day=2026-03-03&grid={G2}")
    assert len(config["patrols"]) == 1 and 'id="tracks-capped"' not in html
    assert uuid.UUID(config["patrols"][0]["id"]) == data.patrols["neighbour"].pk


def test_the_thinning_counts_the_points_itself(cc: CaseCity, data: Any) -> None:
    patrol = long_patrol(cc, 1200)
    Patrol.objects.filter(pk=patrol.pk).update(points=0)  # a stored count out of step (bulk-written rows)
    rows = list(centre.drawn_points([patrol]).values_list("t", flat=True))
    assert 300 < len(rows) <= centre.MAX_DRAWN_POINTS + 1
    assert rows[0] == bj(6, 8) and rows[-1] == bj(6, 8) + dt.timedelta(seconds=1199)
