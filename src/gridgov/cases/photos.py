"""Photos (of cases, and of the phone's field records through ``fieldwork.services.photos``): type by magic bytes
(JPEG, PNG, WebP), size limit, decodable to the last pixel (a truncated file is refused as broken), and EXIF removed
from the stored file (a phone photo's GPS tag says where the reporter stood, often at home); the location is kept as
data instead. This is the one photo check: every upload path calls :func:`check_photo`.

JPEG is stripped losslessly by dropping its metadata segments (APP1 EXIF/XMP, APP13 IPTC) — no re-encoding; PNG
and WebP are re-saved by Pillow without their metadata.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

JPEG, PNG, WEBP = "image/jpeg", "image/png", "image/webp"
GPS_IFD = 0x8825


@dataclass(frozen=True)
class CheckedPhoto:
    content: bytes  # metadata removed
    content_type: str
    original_sha256: str
    exif_lon: float | None
    exif_lat: float | None


def sniff(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def read_bytes(photo: Any) -> bytes:
    if isinstance(photo, bytes | bytearray | memoryview):
        return bytes(photo)
    if hasattr(photo, "seek"):
        photo.seek(0)
    data: bytes = photo.read()
    return data


def check_photo(photo: Any) -> CheckedPhoto:
    """Validate one upload (bytes or a file object) and return it without metadata."""
    from PIL import Image, UnidentifiedImageError

    data = read_bytes(photo)
    limit = settings.GRIDGOV_PHOTO_MAX_BYTES
    if len(data) > limit:
        raise ValidationError(_("照片不能超过 %(mb).1f MB。") % {"mb": limit / 1024 / 1024}, code="photo_too_large")
    content_type = sniff(data)
    if content_type is None:
        raise ValidationError(_("照片只接受 JPEG、PNG 或 WebP 格式。"), code="photo_type")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            # Decode every pixel: verify() reads the headers only, and a JPEG cut short in its image data (an upload
            # broken off near its end) passes it. load() raises on it as long as ImageFile.LOAD_TRUNCATED_IMAGES
            # stays off (Pillow's default; gridgov never turns it on).
            image.load()
            lon, lat = gps_of(image)
            stripped = _strip_jpeg(data) if content_type == JPEG else _resave(image, content_type)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("照片文件已损坏,无法识别。"), code="photo_corrupt") from exc
    return CheckedPhoto(stripped, content_type, hashlib.sha256(data).hexdigest(), lon, lat)


def _rational(value: Any) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def gps_of(image: Any) -> tuple[float | None, float | None]:
    """(lon, lat) from the EXIF GPS tags, or (None, None)."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:  # malformed EXIF is just "no location"
        return None, None
    try:
        lat_ref, lat_dms, lon_ref, lon_dms = gps.get(1), gps.get(2), gps.get(3), gps.get(4)
        if not lat_dms or not lon_dms:
            return None, None
        lat = sum(_rational(v) / 60**i for i, v in enumerate(lat_dms))
        lon = sum(_rational(v) / 60**i for i, v in enumerate(lon_dms))
    except (TypeError, ValueError, ZeroDivisionError):
        return None, None
    if str(lat_ref).upper().startswith("S"):
        lat = -lat
    if str(lon_ref).upper().startswith("W"):
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return round(lon, 7), round(lat, 7)


_JPEG_METADATA = {0xE1, 0xED}  # APP1 (EXIF, XMP), APP13 (IPTC / Photoshop)


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise ValueError("bad JPEG marker")
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[i:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += data[i : i + 2]
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker not in _JPEG_METADATA:
            out += data[i : i + 2 + length]
        i += 2 + length
    raise ValueError("JPEG without image data")


def _resave(image: Any, content_type: str) -> bytes:
    buffer = io.BytesIO()
    image.load()
    if content_type == PNG:
        image.info.pop("exif", None)
        image.save(buffer, "PNG")
    else:
        image.save(buffer, "WEBP", lossless=image.info.get("lossless", False), quality=90)
    return buffer.getvalue()
