"""Fixtures for the case loop, on top of ``build_mini_city()``: units with members, matter categories, photos and
a helper to report a case at a grid's centre.

Units: city management (城管) of district 441302 with member "cm"; the police station of sub-district 441302001
("police"); the justice office of sub-district 441302001 ("justice"); housing of district 441303 ("yhousing"),
whose jurisdiction does not include 441302.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine

from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.roles import Role
from gridgov.cases.models import Case
from gridgov.cases.services import report_case
from gridgov.matters.models import LimitUnit, MatterCategory, MatterKind
from gridgov.units.models import Tier, Unit, UnitKind

from .factories import MiniCity, UserFactory, build_mini_city

#: The worker's grid, and a point in its middle (a weekday office-hours clock is the tests' business).
WORKER_GRID = "441302001001001"
POINT = (114.405, 23.105)


@dataclass
class CaseCity:
    city: MiniCity
    units: dict[str, Unit] = field(default_factory=dict)
    categories: dict[str, MatterCategory] = field(default_factory=dict)

    @property
    def users(self) -> dict[str, User]:
        return self.city.users

    def member(self, username: str, unit: str) -> User:
        user = UserFactory(username=username)
        RoleAssignment.objects.create(user=user, role=Role.DEPARTMENT_HANDLER, unit=self.units[unit])
        self.city.users[username] = user
        return user

    def report(self, by: str = "worker", category: str = "rubbish", **kwargs: Any) -> Case:
        lon, lat = kwargs.pop("point", POINT)
        args: dict[str, Any] = {
            "source": "patrol",
            "description": "垃圾暴露堆放",
            "address": "某路1号",
        }
        args.update(kwargs)
        return report_case(by=self.users[by], category=self.categories[category], lon=lon, lat=lat, **args).case


def make_unit(code: str, name: str, kind: str, tier: str, region: Any, jurisdiction: list[Any] | None = None) -> Unit:
    unit = Unit.objects.create(code=code, name=name, kind=kind, tier=tier, region=region)
    if jurisdiction:
        unit.jurisdiction.set(jurisdiction)
    return unit


def make_category(code: str, name: str, **fields: Any) -> MatterCategory:
    category = MatterCategory(code=code, name=name, **fields)
    if hasattr(category, "published_on"):
        category.published_on = datetime.date(2020, 1, 1)  # type: ignore[attr-defined]
    category.save()
    return category


def build_case_city() -> CaseCity:
    city = build_mini_city()
    cc = CaseCity(city)
    r = city.regions
    cc.units["cm"] = make_unit("U441302CM", "惠城区城管局", UnitKind.CITY_MANAGEMENT, Tier.DISTRICT, r["441302"])
    cc.units["police"] = make_unit("U441302001PS", "街道1派出所", UnitKind.POLICE, Tier.SUBDISTRICT, r["441302001"])
    cc.units["justice"] = make_unit("U441302001JO", "街道1司法所", UnitKind.JUSTICE, Tier.SUBDISTRICT, r["441302001"])
    cc.units["yhousing"] = make_unit("U441303HS", "惠阳区住建局", UnitKind.HOUSING, Tier.DISTRICT, r["441303"])
    cc.member("cm", "cm")
    cc.member("police", "police")
    cc.member("justice", "justice")
    cc.member("yhousing", "yhousing")
    cc.categories["rubbish"] = make_category(
        "0101",
        "暴露垃圾",
        kind=MatterKind.INSPECTION,
        default_tier=Tier.COMMUNITY,
        grid_assignable=True,
        self_settle_allowed=True,
        accept_limit=2,
        accept_limit_unit=LimitUnit.WORKING_HOURS,
        sign_limit=4,
        sign_limit_unit=LimitUnit.WORKING_HOURS,
        handle_limit=4,
        handle_limit_unit=LimitUnit.WORKING_HOURS,
        verify_limit=1,
        verify_limit_unit=LimitUnit.WORKING_DAYS,
    )
    cc.categories["building"] = make_category(
        "0201",
        "违法建设",
        kind=MatterKind.ORDINARY,
        default_tier=Tier.COMMUNITY,
        grid_assignable=False,
        self_settle_allowed=False,
        handle_limit=20,
        handle_limit_unit=LimitUnit.WORKING_DAYS,
    )
    cc.categories["dispute"] = make_category(
        "0301",
        "邻里纠纷",
        kind=MatterKind.DISPUTE,
        default_tier=Tier.COMMUNITY,
        grid_assignable=True,
        handle_limit=7,
        handle_limit_unit=LimitUnit.WORKING_DAYS,
    )
    return cc


def jpeg_with_gps(lon: float = 114.405, lat: float = 23.105, size: tuple[int, int] = (8, 8)) -> bytes:
    """A small JPEG whose EXIF carries a GPS position (as a phone writes it)."""
    from PIL import Image

    def dms(value: float) -> tuple[float, float, float]:
        d = int(value)
        m = int((value - d) * 60)
        s = round(((value - d) * 60 - m) * 60, 4)
        return (float(d), float(m), s)

    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", dms(lat), "E", dms(lon)
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 120, 0)).save(buffer, "PNG")
    return buffer.getvalue()


#: Wednesday 4 March 2026, 10:00 in Shanghai: an ordinary working morning.
WEDNESDAY_10AM = datetime.datetime(2026, 3, 4, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture
def cc(db: None, settings: Any, tmp_path: Any) -> Iterator[CaseCity]:
    """The case city, with photos stored under a temporary directory and the clock on a working morning."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(WEDNESDAY_10AM, tick=False):
        yield build_case_city()
