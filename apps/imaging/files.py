"""Reading image files safely, and writing them back out.

:func:`normalise_upload` is the one gate every uploaded or catalog-picked file passes: the
content (not the file name) must be a JPEG, PNG or WebP; size and pixel limits are checked
before any pixel is decoded, so a decompression bomb is refused from its header; EXIF
orientation is applied; every piece of metadata (GPS location included) is dropped by
re-encoding; an embedded colour profile is converted to sRGB. Problems raise
:class:`~apps.core.errors.ServiceError` with a message that names the file.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import IO

import numpy as np
from django.conf import settings
from django.core.files.base import File
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from apps.core.errors import ServiceError

# Our own limits are checked first; Pillow's bomb guard (MAX_IMAGE_PIXELS) stays on as a second
# line, and truncated files are refused rather than half-decoded.
ImageFile.LOAD_TRUNCATED_IMAGES = False

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)
# What a refused file looks like, to tell the person what they sent instead.
_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive or an Office document"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"<svg", "an SVG drawing"),
    (b"<?xml", "an XML or SVG file"),
)
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112


def read_stored(field: File) -> bytes:
    """The whole content of a stored file (a model's ``FileField`` value), opened and closed."""
    with field.open("rb") as handle:
        return handle.read()


def max_upload_bytes() -> int:
    return settings.PHOTOS_UPLOAD_MAX_BYTES


def max_pixels() -> int:
    return settings.PHOTOS_MAX_PIXELS


@dataclass
class NormalisedImage:
    """An upload made safe: its bytes (JPEG, or PNG when it has transparency) and facts."""

    content: bytes
    extension: str  # "jpg" or "png"
    width: int
    height: int
    source_format: str
    has_alpha: bool
    notes: list[str] = field(default_factory=list)


def sniff_format(head: bytes) -> str | None:
    """The image format the first bytes announce (JPEG, PNG, WEBP), or None."""
    for signature, name in _SIGNATURES:
        if head.startswith(signature):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _describe_other(head: bytes) -> str:
    stripped = head.lstrip()
    for signature, what in _OTHER_SIGNATURES:
        if stripped.startswith(signature):
            return what
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "not an image we know"
    return "text, not an image"


def _open_checked(content: bytes, name: str) -> Image.Image:
    """Open (header only) and check format and pixel count before decoding anything."""
    return _open_checked_stream(io.BytesIO(content), len(content), name)


def _open_checked_stream(stream: IO[bytes], size: int, name: str) -> Image.Image:
    """``_open_checked`` for a file on disk: only its header is read."""
    if not size:
        raise ServiceError(f"“{name}” is empty.", field="files")
    limit_bytes = max_upload_bytes()
    if size > limit_bytes:
        raise ServiceError(
            f"“{name}” is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{limit_bytes / 1024 / 1024:.0f} MB per photo.",
            field="files",
        )
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    announced = sniff_format(head)
    if announced is None:
        raise ServiceError(
            f"“{name}” is not a JPEG, PNG or WebP image (its content is "
            f"{_describe_other(head)}), whatever its name says.",
            field="files",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream, formats=[announced])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb(name, None) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ServiceError(
            f"“{name}” looks like a {announced} file but cannot be read: it is damaged or "
            "incomplete.",
            field="files",
        ) from None
    width, height = image.size
    if width < 1 or height < 1:
        raise ServiceError(f"“{name}” has no pixels.", field="files")
    if width * height > max_pixels():
        raise _bomb(name, (width, height))
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        raise ServiceError(
            f"“{name}” is animated ({frames} frames); upload a still image.",
            field="files",
        )
    return image


def _bomb(name: str, size: tuple[int, int] | None) -> ServiceError:
    limit = max_pixels() / 1_000_000
    if size:
        width, height = size
        return ServiceError(
            f"“{name}” is {width}×{height} pixels ({width * height / 1_000_000:.0f} megapixels); "
            f"the limit is {limit:.0f} megapixels. It was refused without being decoded (a file "
            "this large for its size can be a decompression bomb).",
            field="files",
        )
    return ServiceError(
        f"“{name}” declares more pixels than the {limit:.0f}-megapixel limit and was refused "
        "as a possible decompression bomb.",
        field="files",
    )


@dataclass(frozen=True)
class Inspected:
    source_format: str
    width: int
    height: int


def inspect_upload(content: bytes, *, name: str) -> Inspected:
    """The quick checks, from the header only (no pixel decoded): content type, size, pixel
    count (decompression bombs), animation. Cheap enough to answer while the person waits."""
    image = _open_checked(content, name)
    return Inspected(source_format=image.format or "", width=image.width, height=image.height)


def inspect_file(stream: IO[bytes], *, name: str, size: int) -> Inspected:
    """``inspect_upload`` for an uploaded file on disk, reading its header only (an upload of
    many large files is never held in memory)."""
    image = _open_checked_stream(stream, size, name)
    inspected = Inspected(source_format=image.format or "", width=image.width, height=image.height)
    stream.seek(0)
    return inspected


def _icc_to_srgb(image: Image.Image, icc: bytes, notes: list[str], name: str) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ImageCms.PyCMSError):
        notes.append("The embedded colour profile could not be read; the colours were kept.")
        return image
    description = (ImageCms.getProfileDescription(source) or "").strip()
    if "srgb" in description.lower().replace(" ", "") and image.mode in ("RGB", "RGBA"):
        return image  # already sRGB
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB"
    if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        image = image.convert("RGBA" if mode == "RGBA" else "RGB")
    try:
        converted = ImageCms.profileToProfile(
            image,
            source,
            ImageCms.createProfile("sRGB"),
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode=mode,
        )
    except (OSError, ImageCms.PyCMSError, ValueError):
        notes.append(
            f"The colour profile “{description or 'unnamed'}” could not be applied; the "
            "colours were kept as they are."
        )
        return image.convert(mode)
    notes.append(f"Colours converted to sRGB from “{description or 'an embedded profile'}”.")
    assert converted is not None  # only an in-place conversion returns None
    return converted


def normalise_upload(content: bytes, *, name: str) -> NormalisedImage:
    """Check ``content`` and return it re-encoded as a safe sRGB JPEG or PNG."""
    image = _open_checked(content, name)
    source_format = image.format or ""
    notes: list[str] = []
    try:
        exif = image.getexif()
    except Exception:  # a broken EXIF block must not lose the photo; it is dropped anyway
        exif = Image.Exif()
    if exif.get_ifd(_GPS_IFD) or _GPS_IFD in exif:
        notes.append("Location (GPS) data removed.")
    orientation = exif.get(_ORIENTATION, 1)
    icc = image.info.get("icc_profile")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            if orientation not in (None, 1):
                image = ImageOps.exif_transpose(image)
                notes.append("Turned upright as its camera recorded (EXIF orientation).")
    except (OSError, SyntaxError, ValueError):
        raise ServiceError(
            f"“{name}” looks like a {source_format} file but cannot be read: it is damaged or "
            "incomplete.",
            field="files",
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb(name, image.size) from None
    if icc:
        image = _icc_to_srgb(image, icc, notes, name)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    if has_alpha:
        alpha = np.asarray(image.getchannel("A"))
        if int(alpha.min()) == 255:
            has_alpha = False  # an alpha channel that hides nothing
            image = image.convert("RGB")
        else:
            notes.append("Transparent background kept: it is used as the cut-out.")
    out = io.BytesIO()
    if has_alpha:
        image.save(out, format="PNG", optimize=False, compress_level=6)
        extension = "png"
    else:
        # No exif= and no icc_profile= here: the stored file carries no metadata at all.
        image.save(out, format="JPEG", quality=95, subsampling=0, optimize=True)
        extension = "jpg"
    return NormalisedImage(
        content=out.getvalue(),
        extension=extension,
        width=image.width,
        height=image.height,
        source_format=source_format,
        has_alpha=has_alpha,
        notes=notes,
    )


# --- Decoding stored files for processing -------------------------------------------------------


def decode(content: bytes, *, max_long_side: int | None = None) -> np.ndarray:
    """Stored image bytes → uint8 array (HxWx3, or HxWx4 with transparency).

    ``max_long_side`` lets JPEG decoding skip detail that will be thrown away (libjpeg scales
    by 1/2, 1/4, 1/8 while decoding, which is several times faster than decoding in full).
    """
    image: Image.Image = Image.open(io.BytesIO(content))
    if max_long_side and image.format == "JPEG":
        long_side = max(image.size)
        if long_side > max_long_side:
            scale = max_long_side / long_side
            image.draft("RGB", (int(image.width * scale) + 1, int(image.height * scale) + 1))
    image.load()
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    return np.asarray(image)


def encode(pixels: np.ndarray, *, fmt: str = "JPEG", quality: int = 92) -> bytes:
    """uint8 HxWx3 (or x4 for PNG) → file bytes, without metadata."""
    out = io.BytesIO()
    image: Image.Image = Image.fromarray(pixels)
    if fmt == "JPEG":
        if image.mode != "RGB":
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=quality, subsampling=0)
    elif fmt == "WEBP":
        image.save(out, format="WEBP", quality=quality)
    else:
        image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


def thumbnail(content: bytes, *, size: int = 320) -> bytes:
    """A small JPEG of a stored image (transparency shown on white)."""
    image: Image.Image = Image.open(io.BytesIO(content))
    if image.format == "JPEG":
        image.draft("RGB", (size, size))
    image.load()
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        canvas = Image.new("RGB", image.size, (255, 255, 255))
        canvas.paste(image, mask=image.getchannel("A"))
        image = canvas
    elif image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
