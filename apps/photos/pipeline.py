"""Photo operations as a pipeline of pure functions, composed into recipes.

An image travels as :class:`Layers`: the photo's pixels, the subject's alpha (once cut out),
and the backdrop and shadow as *specifications* that are drawn when the layers are flattened,
at the final size. So an operation is a pure function ``(layers, params) -> layers`` and the
order of the steps that change geometry (the preset's crop, pad and resize) does not blur a
gradient or a shadow. The operations:

==================  =============================================================================
``remove_background``  offline cut-out (:mod:`apps.photos.segmentation`), or a routed image model
``white_balance``   neutralise the colour cast (white-patch on bright near-neutral pixels)
``exposure``        brighten or darken (EV stops, or "auto" to a target mid-grey)
``relight``         match the brand's lighting profile, within the fidelity guard
``background``      white, a brand colour, a gradient, or a brand background image
``shadow``          a soft contact or drop shadow (direction, softness, strength)
``fit_preset``      crop, pad and resize to a channel preset
==================  =============================================================================

:func:`run` applies a recipe to decoded pixels. When the recipe ends with a preset, it first
plans the working resolution: the subject is found on a small proxy and the photo is scaled
straight to the size the preset needs (a 12-megapixel photo whose product must end up 1,700
pixels tall is not processed at 12 megapixels).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from apps.brand import lighting
from apps.photos import checker, colour, confidence, matting, segmentation
from apps.photos.presets import PRESETS, ChannelPreset

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


def _subject(layers: Layers, context: Context) -> np.ndarray:
    """The subject's alpha, cutting it out first when no step has done so yet."""
    if layers.alpha is not None:
        return layers.alpha
    return remove_background(layers, {}, context).alpha  # type: ignore[return-value]


def _to_uint8(values: np.ndarray) -> np.ndarray:
    # OpenCV rounds and saturates in one pass (inputs are never negative).
    return cv2.convertScaleAbs(values, alpha=255.0)


# --- Operations ---------------------------------------------------------------------------------


def remove_background(layers: Layers, params: dict, context: Context) -> Layers:
    if layers.alpha is not None and not params.get("force"):
        return layers.noted(
            "The photo was already cut out (transparent background kept).",
            cutout="transparency of the upload",
            cutout_confidence=confidence.Confidence(1.0).as_dict(),
        )
    small = segmentation.proxy(layers.rgb)
    if context.known_cutout is not None:
        mask = context.known_cutout
    else:
        mask = (context.segmenter or segmentation.subject_mask)(small)
        if mask.dtype != bool:
            mask = mask > 0.5
    detail = segmentation.recover_detail(layers.rgb, mask)
    trust = confidence.assess(small, detail)
    notes: tuple[str, ...] = ()
    if detail.mean() < 0.003:
        notes = ("No product could be told apart from the backdrop; check the cut-out.",)
    elif trust.needs_look:
        notes = (
            f"Check the cut-out (confidence {trust.score:.2f}): " + "; ".join(trust.reasons) + ".",
        )
    alpha = segmentation.refine_alpha(layers.rgb, detail)
    rgb = matting.decontaminate(layers.rgb, alpha)
    return replace(layers, rgb=rgb, alpha=alpha).noted(
        *notes, cutout=context.segmenter_label, cutout_confidence=trust.as_dict()
    )


def white_balance(layers: Layers, params: dict, context: Context) -> Layers:
    strength = float(np.clip(params.get("strength", 1.0), 0.0, 1.0))
    small = segmentation.proxy(layers.rgb, 256)
    linear = colour.srgb_to_linear(small)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    lab = colour.to_lab(small)
    neutral = np.hypot(lab[..., 1], lab[..., 2]) < 20
    bright = luminance >= np.percentile(luminance[neutral] if neutral.any() else luminance, 90)
    picked = (neutral & bright) if (neutral & bright).sum() >= 20 else bright
    white = linear[picked].mean(axis=0)
    if float(white.min()) <= 1e-4:
        return layers.noted("White balance: no usable white found; left as it was.")
    gains = white.mean() / white
    gains = 1.0 + (np.clip(gains, 0.6, 1.6) - 1.0) * strength
    balanced = colour.linear_to_srgb(colour.srgb_to_linear(layers.rgb) * gains.astype(np.float32))
    return replace(layers, rgb=balanced).noted(
        white_balance_gains=[round(float(g), 3) for g in gains]
    )


def exposure(layers: Layers, params: dict, context: Context) -> Layers:
    """Brighten or darken by ``ev`` stops, or ``"auto"``: lift an under-exposed photo until
    its whites are white (at most two stops). Auto never darkens, so a correctly exposed
    studio shot is left as it is rather than pulled toward a dull mid-grey."""
    ev = params.get("ev", "auto")
    linear = colour.srgb_to_linear(layers.rgb)
    if ev == "auto":
        small = segmentation.proxy(linear, 256)
        luminance = small @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        whites = float(np.percentile(luminance, 99.5))
        target = float(params.get("target", 0.85))
        ev = float(np.clip(np.log2(target / max(whites, 1e-4)), 0.0, 2.0))
        if ev < 0.1:
            return layers.noted(exposure_ev=0.0)
    ev = float(np.clip(float(ev), -4.0, 4.0))
    brightened = colour.linear_to_srgb(linear * (2.0**ev))
    return replace(layers, rgb=brightened).noted(exposure_ev=round(ev, 2))


def relight(layers: Layers, params: dict, context: Context) -> Layers:
    if not context.profile:
        raise RecipeError(
            "Relighting needs a lighting profile: learn one from reference photos first."
        )
    cut = layers if layers.alpha is not None else remove_background(layers, {}, context)
    subject = cut.alpha
    trust = cut.report.get("cutout_confidence") or {}
    notes: tuple[str, ...] = ()
    weight, match_backdrop = subject, not context.backdrop_replaced
    if trust.get("needs_look"):
        # A doubtful cut-out would light part of the product like the backdrop: the whole
        # photo gets the product's (capped) correction and the backdrop keeps its colour.
        weight, match_backdrop = np.ones_like(subject), False
        notes = (
            "Relit as one: the cut-out is not trusted, so the backdrop was not carried to the "
            "profile's colour.",
        )
    rgb, report = lighting.relight(
        cut.rgb,
        weight,
        context.profile,
        strength=float(params.get("strength", 1.0)),
        max_colour_shift=float(params.get("max_colour_shift", lighting.DEFAULT_MAX_COLOUR_SHIFT)),
        match_backdrop=match_backdrop,
    )
    return replace(cut, rgb=rgb, alpha=subject).noted(
        *notes, *report.notes, relight=report.as_dict()
    )


BACKGROUND_KINDS = ("white", "colour", "profile", "gradient", "image")


def background(layers: Layers, params: dict, context: Context) -> Layers:
    kind = params.get("kind", "white")
    if kind not in BACKGROUND_KINDS:
        raise RecipeError(f"“{kind}” is not a kind of background ({', '.join(BACKGROUND_KINDS)}).")
    spec: dict[str, Any] = {"kind": kind}
    if kind == "white":
        spec["colour"] = [255, 255, 255]
    elif kind == "colour":
        spec["colour"] = list(colour.rgb255_of_hex(params.get("colour", "#ffffff")))
    elif kind == "profile":
        if not context.profile:
            raise RecipeError("The profile's backdrop colour needs a lighting profile.")
        spec = {"kind": "colour", "colour": list(context.profile["background_rgb"])}
    elif kind == "gradient":
        spec["top"] = list(colour.rgb255_of_hex(params.get("top", "#ffffff")))
        spec["bottom"] = list(colour.rgb255_of_hex(params.get("bottom", "#e9e6e1")))
    else:
        if context.background_image is None:
            raise RecipeError("Choose the brand background image for this recipe.")
        spec["image"] = True
    subject = _subject(layers, context)
    return replace(layers, alpha=subject, background=spec)


SHADOW_KINDS = ("contact", "drop")


def shadow(layers: Layers, params: dict, context: Context) -> Layers:
    kind = params.get("kind", "contact")
    if kind not in SHADOW_KINDS:
        raise RecipeError(f"“{kind}” is not a kind of shadow (contact or drop).")
    angle, strength = 90.0, 0.35
    if params.get("from_profile") and context.profile and context.profile.get("shadow"):
        measured = context.profile["shadow"]
        angle = float(measured["angle"])
        strength = float(np.clip(measured["strength"] * 1.5, 0.1, 0.7))
    angle = float(params.get("angle", angle)) if not params.get("from_profile") else angle
    strength = (
        float(params.get("strength", strength)) if not params.get("from_profile") else strength
    )
    spec = {
        "kind": kind,
        "angle": angle,
        "strength": float(np.clip(strength, 0.0, 1.0)),
        "softness": float(np.clip(params.get("softness", 0.5), 0.0, 1.0)),
        "distance": float(np.clip(params.get("distance", 0.03), 0.0, 0.2)),
    }
    subject = _subject(layers, context)
    return replace(layers, alpha=subject, shadow=spec)


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
        shift = np.float32([[1, 0, np.cos(radians) * distance], [0, 1, np.sin(radians) * distance]])
        shape = cv2.warpAffine(small_alpha, shift, (small_w, small_h), borderValue=0)
        shape = cv2.GaussianBlur(shape, (0, 0), sigma)
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


def _transform(
    layers: Layers,
    scale: float,
    offset: tuple[float, float],
    size: tuple[int, int],
    pad: tuple[float, float, float] | None = None,
):
    """Scale the photo and alpha by ``scale`` and place them at ``offset`` in a ``size`` frame.

    Outside the photo: its edge pixels repeated, or the colour ``pad``."""
    matrix = np.float32([[scale, 0, offset[0]], [0, scale, offset[1]]])
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    if scale < 0.5:
        # warpAffine has no area filter: shrink first, then place.
        small = cv2.resize(
            layers.rgb,
            (max(1, round(layers.size[0] * scale)), max(1, round(layers.size[1] * scale))),
            interpolation=cv2.INTER_AREA,
        )
        small_alpha = (
            cv2.resize(layers.alpha, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_AREA)
            if layers.alpha is not None
            else None
        )
        real = (small.shape[1] / layers.size[0], small.shape[0] / layers.size[1])
        matrix = np.float32([[scale / real[0], 0, offset[0]], [0, scale / real[1], offset[1]]])
        source, source_alpha = small, small_alpha
        interpolation = cv2.INTER_LINEAR
    else:
        source, source_alpha = layers.rgb, layers.alpha
    if pad is None:
        rgb = cv2.warpAffine(
            source, matrix, size, flags=interpolation, borderMode=cv2.BORDER_REPLICATE
        )
    else:
        rgb = cv2.warpAffine(
            source,
            matrix,
            size,
            flags=interpolation,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=pad,
        )
    alpha = None
    if source_alpha is not None:
        alpha = cv2.warpAffine(source_alpha, matrix, size, flags=interpolation, borderValue=0)
    return replace(layers, rgb=rgb, alpha=alpha)


def _measure_content(
    layers: Layers, context: Context, preset: ChannelPreset
) -> tuple[int, int, int, int] | None:
    """The box the checker will find around the drawn subject and its shadow.

    Drawn on a padded canvas (a shadow under a subject that touches the frame's edge lies
    partly outside the photo, but not outside the preset's frame) at a quarter of the size
    (a box needs no detail), then mapped back to the layers' pixels.
    """
    width, height = layers.size
    factor = int(np.clip(max(width, height) // 500, 1, 4))
    small_w, small_h = max(1, width // factor), max(1, height // factor)
    pad_x, pad_y = small_w // 3, small_h // 3
    rgb = cv2.resize(layers.rgb, (small_w, small_h), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(layers.alpha, (small_w, small_h), interpolation=cv2.INTER_AREA)
    padded = replace(
        layers,
        rgb=cv2.copyMakeBorder(rgb, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_REPLICATE),
        alpha=cv2.copyMakeBorder(alpha, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT, value=0),
    )
    drawn = flatten(padded, context)
    backdrop = preset.background or (
        tuple(layers.background["colour"]) if "colour" in layers.background else None
    )
    box = checker.content_bbox(drawn, backdrop) if backdrop else None
    if box is None:
        box = _bbox(padded.alpha)
    if box is None:
        return None
    scale_x, scale_y = width / small_w, height / small_h
    left, top, right, bottom = box
    return (
        round((left - pad_x) * scale_x),
        round((top - pad_y) * scale_y),
        round((right - pad_x) * scale_x),
        round((bottom - pad_y) * scale_y),
    )


SUBJECT_MARGIN = 0.04  # a cropped photo keeps the subject this share of the frame from each edge


def fit_preset(layers: Layers, params: dict, context: Context) -> Layers:
    preset = PRESETS.get(params.get("preset", ""))
    if preset is None:
        raise RecipeError(f"“{params.get('preset')}” is not a channel preset.")
    # ``scale`` draws the same frame smaller (previews).
    factor = float(params.get("scale", 1.0))
    frame = (max(1, round(preset.width * factor)), max(1, round(preset.height * factor)))
    if layers.alpha is None or layers.background is None:
        return _fit_photo(layers, preset, frame, context)
    box = _measure_content(layers, context, preset)
    if box is None:
        raise RecipeError("Nothing to frame: the cut-out is empty.")
    left, top, right, bottom = box
    fill = float(params.get("fill", preset.fill))
    scale = min(fill * frame[0] / (right - left), fill * frame[1] / (bottom - top))
    centre = ((left + right) / 2, (top + bottom) / 2)
    offset = (frame[0] / 2 - centre[0] * scale, frame[1] / 2 - centre[1] * scale)
    fitted = _transform(layers, scale, offset, frame)
    notes: tuple[str, ...] = ()
    if scale / factor > 1.6:
        notes = (
            f"The product is only {max(right - left, bottom - top)} pixels across in this "
            f"photo; it was enlarged {scale / factor:.1f}× to fill the {preset.label} frame "
            "and may look soft. A larger original gives a sharper result.",
        )
    return fitted.noted(
        *notes,
        preset=preset.code,
        fill=round(fill, 3),
        subject_box=_shares(_bbox(fitted.alpha), frame),
    )


def _shares(box, frame: tuple[int, int]) -> list[float] | None:
    if box is None:
        return None
    left, top, right, bottom = box
    return [
        round(left / frame[0], 4),
        round(top / frame[1], 4),
        round(right / frame[0], 4),
        round(bottom / frame[1], 4),
    ]


def _subject_box_of_photo(layers: Layers, context: Context) -> tuple[int, int, int, int] | None:
    """The subject's box in the photo's pixels: from its alpha, or found on a proxy."""
    if layers.alpha is not None:
        return _bbox(layers.alpha)
    small = segmentation.proxy(layers.rgb)
    if context.known_cutout is not None:
        mask = context.known_cutout
    else:
        mask = (context.segmenter or segmentation.subject_mask)(small)
    # The thin parts a proxy loses (a lamp's cord) belong in the box too.
    mask = segmentation.recover_detail(layers.rgb, np.asarray(mask) > 0.5)
    box = _bbox(np.asarray(mask, np.float32))
    if box is None:
        return None
    factor_x = layers.size[0] / mask.shape[1]
    factor_y = layers.size[1] / mask.shape[0]
    return (
        int(box[0] * factor_x),
        int(box[1] * factor_y),
        int(np.ceil(box[2] * factor_x)),
        int(np.ceil(box[3] * factor_y)),
    )


def _fit_photo(
    layers: Layers, preset: ChannelPreset, frame: tuple[int, int], context: Context
) -> Layers:
    """No backdrop to draw: fill the frame with the photo, centred on the subject, but never
    cut the subject: when covering the frame would crop it, the photo is scaled down until the
    whole subject fits with a margin, and the frame is padded with the photo's backdrop colour.
    """
    width, height = layers.size
    frame_w, frame_h = frame
    cover = max(frame_w / width, frame_h / height)
    box = _subject_box_of_photo(layers, context)
    scale, centre = cover, (width / 2, height / 2)
    if box is not None:
        left, top, right, bottom = box
        centre = ((left + right) / 2, (top + bottom) / 2)
        room = 1 - 2 * SUBJECT_MARGIN
        fit = min(room * frame_w / max(1, right - left), room * frame_h / max(1, bottom - top))
        scale = min(cover, fit)
    scaled_w, scaled_h = width * scale, height * scale
    offset = []
    for size, extent, middle in ((frame_w, scaled_w, centre[0]), (frame_h, scaled_h, centre[1])):
        if extent >= size:
            offset.append(float(np.clip(size / 2 - middle * scale, size - extent, 0.0)))
        else:
            offset.append((size - extent) / 2)
    padded = scaled_w < frame_w - 0.5 or scaled_h < frame_h - 0.5
    fitted = _transform(layers, scale, (offset[0], offset[1]), frame, pad=_edge_colour(layers))
    notes: tuple[str, ...] = ()
    if padded:
        notes = (
            f"Cropping to the {preset.label} frame would have cut the product off, so the photo "
            "was padded with its backdrop colour instead.",
        )
    subject = None
    if box is not None:
        subject = (
            box[0] * scale + offset[0],
            box[1] * scale + offset[1],
            box[2] * scale + offset[0],
            box[3] * scale + offset[1],
        )
    return replace(fitted, alpha=None if layers.alpha is None else fitted.alpha).noted(
        *notes, preset=preset.code, padded=padded, subject_box=_shares(subject, frame)
    )


def _edge_colour(layers: Layers) -> tuple[float, float, float]:
    """The median colour of the photo's outermost pixels (what padding should look like)."""
    ring = segmentation.border_mask(*layers.rgb.shape[:2], 2)
    return tuple(float(v) for v in np.median(layers.rgb[ring], axis=0))  # type: ignore[return-value]


# --- Recipes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    name: str
    label: str
    function: Callable[[Layers, dict, Context], Layers]
    defaults: dict


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("remove_background", "Remove the background", remove_background, {}),
        Operation("white_balance", "White balance", white_balance, {"strength": 1.0}),
        Operation("exposure", "Exposure", exposure, {"ev": "auto"}),
        Operation(
            "relight",
            "Relight to the lighting profile",
            relight,
            {"strength": 1.0, "max_colour_shift": lighting.DEFAULT_MAX_COLOUR_SHIFT},
        ),
        Operation("background", "Background", background, {"kind": "white"}),
        Operation(
            "shadow",
            "Shadow",
            shadow,
            {"kind": "contact", "strength": 0.35, "softness": 0.5, "angle": 90.0},
        ),
        Operation("fit_preset", "Crop, pad and resize to the preset", fit_preset, {}),
    )
}
ORDER = list(OPERATIONS)


def validate_steps(steps: list[dict], preset: str = "") -> list[dict]:
    """Steps in their canonical order, with defaults filled in; RecipeError when unusable."""
    if not isinstance(steps, list):
        raise RecipeError("A recipe is a list of steps.")
    seen: dict[str, dict] = {}
    for position, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or step.get("op") not in OPERATIONS:
            name = step.get("op") if isinstance(step, dict) else step
            raise RecipeError(f"Step {position}: “{name}” is not an operation.")
        if step["op"] == "fit_preset":
            continue  # the preset is the recipe's own field
        params = step.get("params") or {}
        if not isinstance(params, dict):
            raise RecipeError(f"Step {position} ({step['op']}): its settings must be a mapping.")
        seen[step["op"]] = {**OPERATIONS[step["op"]].defaults, **params}
    if preset:
        if preset not in PRESETS:
            raise RecipeError(f"“{preset}” is not a channel preset.")
        seen["fit_preset"] = {"preset": preset}
    if not seen:
        raise RecipeError("A recipe needs at least one step or a preset.")
    return [{"op": name, "params": seen[name]} for name in ORDER if name in seen]


def _plan_scale(
    pixels: np.ndarray, steps: list[dict], context: Context
) -> tuple[float, Any, tuple[int, int, int, int] | None]:
    """How much to shrink the photo before processing, the proxy mask found on the way, and
    the part of the photo that can reach the output (None: all of it).

    Only when the recipe ends in a preset: the subject (found on a proxy) must end up
    ``fill × frame`` pixels, so more resolution than that (with a little margin) is waste.
    """
    fit = next((s for s in steps if s["op"] == "fit_preset"), None)
    if fit is None:
        return 1.0, None, None
    preset = PRESETS[fit["params"]["preset"]]
    height, width = pixels.shape[:2]
    mask = None
    box = None
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        box = _bbox(pixels[..., 3].astype(np.float32) / 255.0)
    elif any(s["op"] in ("remove_background", "background", "shadow") for s in steps):
        small = segmentation.proxy(pixels)
        mask = (context.segmenter or segmentation.subject_mask)(small)
        if mask.dtype != bool:
            mask = mask > 0.5
        small_box = _bbox(mask.astype(np.float32))
        if small_box is not None:
            factor = width / small.shape[1]
            box = tuple(int(v * factor) for v in small_box)  # type: ignore[assignment]
    if box is None:
        # No subject to frame: the photo is cropped to cover the frame.
        need = max(preset.width / width, preset.height / height)
    else:
        left, top, right, bottom = box
        need = max(
            preset.fill * preset.width / max(1, right - left),
            preset.fill * preset.height / max(1, bottom - top),
        )
    crop = None
    if box is not None and preset.fit == "contain" and any(s["op"] == "background" for s in steps):
        # The backdrop (and the shadow, and the frame's margin) are drawn, so only the
        # subject's own pixels reach the output: the rest of the photo need not be processed.
        # The margin leaves room for a cut-out that grows a little at full resolution.
        left, top, right, bottom = box
        margin = round(0.08 * max(right - left, bottom - top)) + 8
        crop = (
            max(0, left - margin),
            max(0, top - margin),
            min(width, right + margin),
            min(height, bottom + margin),
        )
    return float(min(1.0, need * 1.05)), mask, crop


def run(pixels: np.ndarray, steps: list[dict], context: Context | None = None) -> Layers:
    """Apply validated ``steps`` to decoded pixels (uint8 RGB or RGBA)."""
    context = context or Context()
    scale, proxy_mask, crop = _plan_scale(pixels, steps, context)
    if crop is not None:
        left, top, right, bottom = crop
        full_h, full_w = pixels.shape[:2]
        pixels = pixels[top:bottom, left:right]
        if proxy_mask is not None:
            mask_h, mask_w = proxy_mask.shape
            proxy_mask = proxy_mask[
                round(top * mask_h / full_h) : max(round(bottom * mask_h / full_h), 1),
                round(left * mask_w / full_w) : max(round(right * mask_w / full_w), 1),
            ]
    if scale < 0.98:
        size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    layers = layers_from_pixels(pixels)
    if proxy_mask is not None:
        # The subject was already found while planning: reuse it rather than segment twice.
        context = replace(context, known_cutout=proxy_mask)
    if any(step["op"] == "background" for step in steps):
        context = replace(context, backdrop_replaced=True)
    for step in steps:
        layers = OPERATIONS[step["op"]].function(layers, step["params"], context)
    return layers


def render(
    pixels: np.ndarray, steps: list[dict], context: Context | None = None
) -> tuple[np.ndarray, Layers]:
    """Run a recipe and draw the result (uint8; RGBA when cut out without a backdrop)."""
    context = context or Context()
    layers = run(pixels, steps, context)
    return flatten(layers, context, keep_alpha=True), layers
