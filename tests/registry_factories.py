"""Registry test helpers: valid ID numbers made on demand, and people registered through the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import ric

from gridgov.registry import services
from gridgov.registry.models import Person


def make_ric(birth: dt.date = dt.date(1980, 5, 17), seq: int = 1, area: str = "441302") -> str:
    """A valid 18-digit ID number: area code, birth date, 3-digit sequence (odd = male), check character."""
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


def make_person(city: Any, *, by: str = "worker", grid: str = "441302001001001", seq: int = 1, **data: Any) -> Person:
    house = city.buildings[grid].houses.order_by("number").first()
    fields: dict[str, Any] = {
        "id_number": make_ric(seq=seq),
        "name": f"居民{seq}",
        "phone": f"138{seq:08d}",
        "house": house,
        "current_address": f"惠城区某街道某路{seq}号",
    }
    fields.update(data)
    return services.register_person(by=city.users[by], data=fields)
