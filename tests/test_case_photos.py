"""Photos: only JPEG/PNG/WebP by content, a size limit, and the GPS position taken out of the stored file but
kept as data."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gridgov.cases.models import CaseAttachment
from gridgov.cases.photos import check_photo

from .case_factories import CaseCity, jpeg_with_gps, png_bytes


def test_the_gps_position_is_stripped_from_the_stored_jpeg_but_kept_as_data(cc: CaseCity) -> None:
    from PIL import Image

    original = jpeg_with_gps(114.405, 23.105)
    assert b"Exif" in original
    case = cc.report(photos=[original])
    photo = CaseAttachment.objects.get(case=case)
    assert photo.exif_lon == pytest.approx(114.405, abs=1e-4)
    assert photo.exif_lat == pytest.approx(23.105, abs=1e-4)
    with photo.file.open("rb") as f:
        stored = f.read()
    assert b"Exif" not in stored
    assert b"PhoneMaker" not in stored
    with Image.open(photo.file.path) as image:
        assert image.getexif().get_ifd(0x8825) == {}
        assert image.size == (8, 8)
    assert photo.content_type == "image/jpeg"
    assert photo.file.name.endswith(".jpg")


def test_a_png_is_accepted(cc: CaseCity) -> None:
    case = cc.report(photos=[png_bytes()])
    assert case.attachments.get().content_type == "image/png"


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(cc: CaseCity) -> None:
    with pytest.raises(ValidationError, match="JPEG、PNG 或 WebP"):
        check_photo(b"GIF89a" + b"\x00" * 100)
    with pytest.raises(ValidationError):
        cc.report(photos=[b"%PDF-1.4 not a photo"])
    assert not CaseAttachment.objects.exists()


def test_a_truncated_image_with_the_right_magic_bytes_is_refused() -> None:
    with pytest.raises(ValidationError, match="损坏"):
        check_photo(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)


def test_a_photo_over_the_size_limit_is_refused(settings: object) -> None:
    settings.GRIDGOV_PHOTO_MAX_BYTES = 1000  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="不能超过"):
        check_photo(jpeg_with_gps(size=(200, 200)) + b"\x00" * 1000)
