"""What the photo studio's pages share: ids from a form, image responses, sizes."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import HttpResponse

from apps.imaging import files

IMAGE_SIZES = {"thumb": 320, "large": 1200}


def ids_of(values: list[str]) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


def brand_id_of(value: str | None) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def image_response(content: bytes, *, name: str = "") -> HttpResponse:
    content_type = "image/png" if content[:4] == b"\x89PNG" else "image/jpeg"
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    if name:
        response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def sized(field: FieldFile, size: str) -> bytes:
    """A stored image at one of :data:`IMAGE_SIZES` (a thumbnail), or whole."""
    content = files.read_stored(field)
    if size in IMAGE_SIZES:
        return files.thumbnail(content, size=IMAGE_SIZES[size])
    return content
