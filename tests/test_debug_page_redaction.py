"""The technical 500 page (DEBUG on, development only) masks ID and mobile numbers too (DESIGN rule 4)."""

from __future__ import annotations

import sys

from django.test import RequestFactory, override_settings
from django.views.debug import technical_500_response

from .registry_factories import make_ric


@override_settings(DEBUG=True)
def test_the_debug_page_masks_id_and_mobile_numbers() -> None:
    id_number = make_ric(seq=3)
    phone = "13912345678"
    request = RequestFactory().post("/registry/", {"id_number": id_number, "phone": phone})
    try:
        secret = f"{id_number} {phone}"  # a local variable the page would list
        raise ValueError(f"bad person {secret}")
    except ValueError:
        response = technical_500_response(request, *sys.exc_info())
    html = response.content.decode()
    assert "ValueError" in html  # the page is the real technical page
    assert id_number not in html and phone not in html
    assert id_number[:4] + "*" * 10 + id_number[-4:] in html
