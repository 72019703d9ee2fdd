"""Migration territory/0002 gives buildings and houses that already exist an ``updated_at`` long past, not the time
it runs: the phone's incremental pull compares it with its cursor, and "now" would make every phone download all
its people and households again on the day of the upgrade."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("territory", "0001_initial")]
AFTER = [("territory", "0002_building_house_updated_at")]


def test_rows_from_before_the_migration_are_not_new_to_the_pull() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        region = old.get_model("territory", "Region").objects.create(code="441302", name="惠城区", level="district")
        grid = old.get_model("territory", "Grid").objects.create(
            code="441302001001001",
            name="网格",
            region=region,
            region_code="441302",
            boundary_wkb=b"",
            min_lon=0,
            min_lat=0,
            max_lon=0,
            max_lat=0,
        )
        building = old.get_model("territory", "Building").objects.create(
            grid=grid, code="44130200100100100001", name="1栋", lon=114.4, lat=23.1
        )
        old.get_model("territory", "House").objects.create(building=building, number="101")

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        cutoff = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
        assert new.get_model("territory", "Building").objects.get().updated_at < cutoff
        assert new.get_model("territory", "House").objects.get().updated_at < cutoff
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
