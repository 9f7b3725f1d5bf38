"""What travels through the photo pipeline, and how it is drawn.

:class:`Layers`: the photo's pixels, the subject's alpha (once cut out), and the backdrop and
shadow as *specifications*, drawn by :func:`flatten` at the final size (so the steps that
change geometry never blur a gradient or a shadow). :class:`Context`: what operations need
besides pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

Segmenter = Callable[[np.ndarray], np.ndarray]  # uint8 RGB proxy → bool mask


class RecipeError(ValueError):
    """A recipe that cannot run; the message is for people."""


@dataclass(frozen=True)
class Layers:
    rgb: np.ndarray  # float32 HxWx3, sRGB 0–1: the photo (the subject's colours)
    alpha: np.ndarray | None = None  # float32 HxW: the subject; None until cut out
    background: dict | None = None  # how to draw the backdrop; None: the photo's own
    shadow: dict | None = None  # how to draw the shadow under the subject
    notes: tuple[str, ...] = ()
    report: dict = field(default_factory=dict)  # figures operations leave (relight, fit)

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]

    def noted(self, *notes: str, **report: Any) -> Layers:
        return replace(self, notes=self.notes + notes, report={**self.report, **report})


@dataclass(frozen=True)
class Context:
    """What operations may need besides pixels: the lighting profile, a background image,
    and the segmenter (offline by default; the gateway's image model when routed)."""

    profile: dict | None = None
    background_image: np.ndarray | None = None  # uint8 RGB
    segmenter: Segmenter | None = None
    segmenter_label: str = "offline cut-out"
    # Found while planning (on the whole photo): the subject's proxy mask.
    known_cutout: np.ndarray | None = None
    # A later step draws a new backdrop: relighting need not carry the photo's own.
    backdrop_replaced: bool = False


def _to_float(pixels: np.ndarray) -> np.ndarray:
    out = np.empty(pixels.shape, np.float32)
    np.multiply(pixels, np.float32(1.0 / 255.0), out=out, casting="unsafe")
    return out


def layers_from_pixels(pixels: np.ndarray) -> Layers:
    alpha = None
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        alpha = _to_float(pixels[..., 3])
        pixels = pixels[..., :3]
    return Layers(rgb=_to_float(np.ascontiguousarray(pixels)), alpha=alpha)


def _to_uint8(values: np.ndarray) -> np.ndarray:
    # OpenCV rounds and saturates in one pass (inputs are never negative).
    return cv2.convertScaleAbs(values, alpha=255.0)


def _bbox(mask: np.ndarray, threshold: float = 0.5) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero((mask > threshold).any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero((mask > threshold).any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def render_shadow(alpha: np.ndarray, spec: dict) -> np.ndarray:
    """The shadow's darkness (float32 HxW, 0–1) for a subject alpha, drawn at alpha's size.

    Sizes are relative to the subject's height, so the same spec looks the same at any scale.
    """
    height, width = alpha.shape
    box = _bbox(alpha)
    if box is None or spec["strength"] <= 0:
        return np.zeros_like(alpha)
    left, top, right, bottom = box
    subject_height = max(1, bottom - top)
    sigma_full = (0.004 + 0.03 * spec["softness"]) * subject_height
    # Draw smaller when the blur is wide (a soft shadow has no detail to lose, and blurs cost
    # area), but never so small that the drawing itself changes the shadow's size.
    factor = int(np.clip(sigma_full // 3, 1, 4))
    small_w, small_h = max(1, width // factor), max(1, height // factor)
    small_alpha = cv2.resize(alpha, (small_w, small_h), interpolation=cv2.INTER_AREA)
    scale = small_h / height
    sigma = max(0.3, sigma_full * scale)
    if spec["kind"] == "contact":
        # An ellipse under the subject's base, as if it stood on the surface.
        shape = np.zeros((small_h, small_w), np.float32)
        centre = (int((left + right) / 2 * scale), int(bottom * scale))
        axes = (
            max(1, int((right - left) * 0.45 * scale)),
            max(1, int(subject_height * 0.025 * scale)),
        )
        cv2.ellipse(shape, centre, axes, 0, 0, 360, 1.0, -1)
        shape = cv2.GaussianBlur(shape, (0, 0), sigma)
    else:
        radians = np.radians(spec["angle"])
        distance = spec["distance"] * subject_height * scale
        shift = np.array(
            [[1, 0, np.cos(radians) * distance], [0, 1, np.sin(radians) * distance]], np.float32
        )
        shape = cv2.warpAffine(small_alpha, shift, (small_w, small_h), borderValue=0)
        shape = cv2.GaussianBlur(shape, (0, 0), sigma)
    shape = np.asarray(shape, np.float32)
    peak = float(shape.max())
    if peak > 0:
        shape *= 1.0 / peak if spec["kind"] == "contact" else 1.0
    darkness = cv2.resize(shape, (width, height), interpolation=cv2.INTER_LINEAR)
    darkness *= spec["strength"]
    # Where the shadow would change a pixel by less than half a level, it does not exist:
    # the backdrop there stays exactly its colour (Amazon checks pure white to the pixel).
    darkness[darkness < 0.5 / 255.0] = 0.0
    return np.clip(darkness, 0.0, 1.0).astype(np.float32)


def render_background(spec: dict, size: tuple[int, int], image: np.ndarray | None) -> np.ndarray:
    width, height = size
    if spec["kind"] in ("white", "colour"):
        return np.broadcast_to(
            np.asarray(spec["colour"], np.float32) / 255.0, (height, width, 3)
        ).copy()
    if spec["kind"] == "gradient":
        top = np.asarray(spec["top"], np.float32) / 255.0
        bottom = np.asarray(spec["bottom"], np.float32) / 255.0
        ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
        return np.broadcast_to(top + (bottom - top) * ramp, (height, width, 3)).copy()
    if image is None:
        raise RecipeError("Choose the brand background image for this recipe.")
    # Cover the frame with the image, centred.
    image_h, image_w = image.shape[:2]
    scale = max(width / image_w, height / image_h)
    resized = cv2.resize(
        image[..., :3],
        (max(width, round(image_w * scale)), max(height, round(image_h * scale))),
        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
    )
    y = (resized.shape[0] - height) // 2
    x = (resized.shape[1] - width) // 2
    return resized[y : y + height, x : x + width].astype(np.float32) / 255.0


def flatten(layers: Layers, context: Context, *, keep_alpha: bool = False) -> np.ndarray:
    """Draw the layers: uint8 HxWx3 (HxWx4 when cut out, no backdrop and ``keep_alpha``)."""
    if layers.alpha is None or layers.background is None:
        if layers.alpha is not None and keep_alpha:
            return np.dstack([_to_uint8(layers.rgb), _to_uint8(layers.alpha)])
        return _to_uint8(layers.rgb)
    backdrop = render_background(layers.background, layers.size, context.background_image)
    if layers.shadow:
        darkness = render_shadow(layers.alpha, layers.shadow)
        np.subtract(1.0, darkness, out=darkness)
        backdrop *= darkness[..., None]
    # backdrop + alpha × (photo − backdrop), in place: four full-size passes, no temporaries.
    difference = np.subtract(layers.rgb, backdrop)
    difference *= layers.alpha[..., None]
    difference += backdrop
    return _to_uint8(difference)
