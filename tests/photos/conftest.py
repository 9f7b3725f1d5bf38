"""Photo studio fixtures: media in a temporary folder, small synthetic images, members by role.

Every image is drawn here (a few hundred pixels at most); nothing is read from ../shared/data.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.brand import lighting
from apps.imaging import matting, segmentation
from apps.photos.services import uploads as photo_uploads
from tests.factories import MembershipFactory, actor_for

BACKDROP = (236, 230, 218)
PRODUCT = (40, 90, 160)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def product_pixels(
    width: int = 240,
    height: int = 180,
    *,
    backdrop: tuple[int, int, int] = BACKDROP,
    product: tuple[int, int, int] = PRODUCT,
    box: tuple[float, float, float, float] = (0.32, 0.22, 0.68, 0.82),
    light: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """A product shot: a shaded rounded block on a softly vignetted backdrop, with noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    vignette = 1.0 - 0.08 * (((xx / width - 0.5) ** 2 + (yy / height - 0.5) ** 2) * 4)
    image = vignette[..., None] * np.asarray(backdrop, np.float32)
    left, top, right, bottom = box
    inside = (xx >= left * width) & (xx < right * width) & (yy >= top * height)
    inside &= yy < bottom * height
    shade = 0.8 + 0.2 * np.cos((xx - (left + right) / 2 * width) / ((right - left) * width) * 2)
    image[inside] = (shade[..., None] * np.asarray(product, np.float32))[inside]
    image = image * light + rng.normal(0, 1.5, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def encode(pixels: np.ndarray, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt, **options)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def bomb_png(width: int = 20000, height: int = 20000) -> bytes:
    """A tiny PNG that declares width×height one-bit pixels (all zero): a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    body = b"".join(compressor.compress(row * 1000) for _ in range(height // 1000))
    body += compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def swapped_primaries_icc() -> bytes:
    """An RGB display profile whose red primary is sRGB's green and vice versa (gamma 2.2).

    A pixel (255, 0, 0) tagged with it *is* green: converted to sRGB it must come out green.
    """
    red, green, blue = (0.3851, 0.7169, 0.0971), (0.4361, 0.2225, 0.0139), (0.1431, 0.0606, 0.7141)

    def xyz(values) -> bytes:
        return b"XYZ " + b"\0" * 4 + b"".join(_s15(v) for v in values)

    description = b"Swapped test RGB\0"
    desc = (
        b"desc" + b"\0" * 4 + struct.pack(">I", len(description)) + description
        + b"\0" * 8 + b"\0" * 3 + b"\0" * 67
    )  # fmt: skip
    curve = b"curv" + b"\0" * 4 + struct.pack(">I", 1) + struct.pack(">H", int(2.2 * 256)) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(red)),
        (b"gXYZ", xyz(green)),
        (b"bXYZ", xyz(blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text" + b"\0" * 4 + b"none\0\0\0\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        while (offset + len(data)) % 4:
            data += b"\0"
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    tag_block = struct.pack(">I", len(tags)) + table + data
    size = 128 + len(tag_block)
    header = (
        struct.pack(">I", size) + b"\0" * 4 + struct.pack(">I", 0x02100000) + b"mntr"
        + b"RGB " + b"XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
        + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 4 + b"\0" * 16 + b"\0" * 28
    )  # fmt: skip
    assert len(header) == 128
    return header + tag_block


def studio_profile(count: int = 5) -> dict:
    """A lighting profile learned from bright, neutral synthetic studio shots."""
    stats = []
    for seed in range(count):
        pixels = product_pixels(
            backdrop=(250, 250, 250), product=(150, 150, 150), light=1.0, seed=seed
        )
        rgb = pixels.astype(np.float32) / 255.0
        alpha = matting.refine_alpha(rgb, segmentation.subject_mask(rgb))
        stats.append(lighting.measure(rgb, alpha))
    return lighting.learn(stats)


@pytest.fixture
def member(workspace):
    """``member("photo_editor")``: a user of ``workspace`` with that role."""

    def make(role: str):
        return MembershipFactory(workspace=workspace, role=role).user

    return make


@pytest.fixture
def editor(member):
    return member("photo_editor")


@pytest.fixture
def reviewer(member):
    return member("reviewer")


@pytest.fixture
def ingest(django_capture_on_commit_callbacks):
    """Upload through the service and run the checking job (tasks run eagerly)."""

    def run(workspace, actor, uploads, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return photo_uploads.photo_upload(
                actor=actor_for(workspace, actor), uploads=uploads, **kwargs
            )

    return run


@pytest.fixture
def learn(django_capture_on_commit_callbacks):
    """Start learning a brand's light and run its job; returns the light, refreshed.
    ``brand``: the brand profile (one is made when not given)."""
    from apps.brand import lighting_services
    from tests.factories import BrandProfileFactory

    def run(workspace, actor, uploads, brand=None, **kwargs):
        brand = brand or BrandProfileFactory(workspace=workspace)
        with django_capture_on_commit_callbacks(execute=True):
            profile = lighting_services.lighting_profile_train(
                actor=actor_for(workspace, actor), brand_id=brand.pk, uploads=uploads, **kwargs
            )
        profile.refresh_from_db()
        return profile

    return run
