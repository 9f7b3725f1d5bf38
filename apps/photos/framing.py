"""Framing for a channel preset: crop, pad and resize, never cutting the subject off.

With a drawn backdrop the subject (and its shadow) is scaled to the preset's fill and centred;
without one the photo covers the frame only when the subject's box, with a margin, stays
inside, and is otherwise scaled down and padded with its own backdrop colour.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from apps.imaging import backdrop, confidence, segmentation
from apps.photos import checker
from apps.photos.layers import Context, Layers, RecipeError, _bbox, flatten
from apps.photos.presets import PRESETS, ChannelPreset


def _transform(
    layers: Layers,
    scale: float,
    offset: tuple[float, float],
    size: tuple[int, int],
    pad: tuple[float, float, float] | None = None,
):
    """Scale the photo and alpha by ``scale`` and place them at ``offset`` in a ``size`` frame.

    Outside the photo: its edge pixels repeated, or the colour ``pad``."""
    matrix = np.array([[scale, 0, offset[0]], [0, scale, offset[1]]], np.float32)
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
        matrix = np.array(
            [[scale / real[0], 0, offset[0]], [0, scale / real[1], offset[1]]], np.float32
        )
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
    if layers.alpha is None or layers.background is None:
        return None  # nothing cut out or drawn: the caller fits the photo as it is
    width, height = layers.size
    factor = int(np.clip(max(width, height) // 500, 1, 4))
    small_w, small_h = max(1, width // factor), max(1, height // factor)
    pad_x, pad_y = small_w // 3, small_h // 3
    rgb = cv2.resize(layers.rgb, (small_w, small_h), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(layers.alpha, (small_w, small_h), interpolation=cv2.INTER_AREA)
    padded_alpha = np.asarray(
        cv2.copyMakeBorder(alpha, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT, value=0)
    )
    padded = replace(
        layers,
        rgb=cv2.copyMakeBorder(rgb, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_REPLICATE),
        alpha=padded_alpha,
    )
    drawn = flatten(padded, context)
    backdrop = preset.background or (
        tuple(layers.background["colour"]) if "colour" in layers.background else None
    )
    box = checker.content_bbox(drawn, backdrop) if backdrop else None
    if box is None:
        box = _bbox(padded_alpha)
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
        raise RecipeError(
            "Nothing to frame: no product could be told apart from the backdrop, so the cut-out "
            "is empty. A photo of the product on a plain backdrop, or a PNG already cut out "
            "(with transparency), works."
        )
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


def _subject_box_of_photo(
    layers: Layers, context: Context
) -> tuple[tuple[int, int, int, int] | None, bool]:
    """The subject's box in the photo's pixels (from its alpha, or found on a proxy), and
    whether it can be trusted: a cut-out found here is checked by the cut-out confidence."""
    if layers.alpha is not None:
        return _bbox(layers.alpha), True
    small = segmentation.proxy(layers.rgb)
    trusted = True
    if context.known_cutout is not None:
        mask = np.asarray(context.known_cutout) > 0.5
    else:
        mask = np.asarray((context.segmenter or segmentation.subject_mask)(small)) > 0.5
        trusted = not confidence.assess(small, mask).needs_look
    # The thin parts a proxy loses (a lamp's cord) belong in the box too.
    mask = segmentation.recover_detail(layers.rgb, mask)
    box = _bbox(np.asarray(mask, np.float32))
    if box is None:
        return None, False
    factor_x = layers.size[0] / mask.shape[1]
    factor_y = layers.size[1] / mask.shape[0]
    scaled = (
        int(box[0] * factor_x),
        int(box[1] * factor_y),
        int(np.ceil(box[2] * factor_x)),
        int(np.ceil(box[3] * factor_y)),
    )
    return scaled, trusted


def _place(size: float, extent: float, low: float, high: float) -> float:
    """The offset of a photo ``extent`` long in a frame ``size`` long, whose subject spans
    ``low``–``high`` of the scaled photo: the subject keeps :data:`SUBJECT_MARGIN` from both
    ends of the frame; within that, the photo covers the frame where it can (else it is
    centred), and the subject is as central as that allows."""
    margin = SUBJECT_MARGIN * size
    keep_low, keep_high = margin - low, size - margin - high  # the subject stays inside
    if extent >= size:
        cover_low, cover_high = size - extent, 0.0
    else:
        cover_low = cover_high = (size - extent) / 2
    centred = size / 2 - (low + high) / 2
    low_bound, high_bound = max(keep_low, cover_low), min(keep_high, cover_high)
    if low_bound <= high_bound:
        return float(np.clip(centred, low_bound, high_bound))
    # Covering the frame would cut the subject (it touches the photo's edge, say): pad.
    return float(np.clip((cover_low + cover_high) / 2, keep_low, keep_high))


def _fit_photo(
    layers: Layers, preset: ChannelPreset, frame: tuple[int, int], context: Context
) -> Layers:
    """No backdrop to draw: fill the frame with the photo, centred on the subject, but never
    cut the subject: when covering the frame would crop it (or it touches the photo's own
    edge), the photo is scaled down or moved until the whole subject keeps a margin, and the
    frame is padded with the photo's backdrop colour. A subject that cannot be found with
    confidence is taken to be the whole photo: nothing is cropped on a guess.
    """
    width, height = layers.size
    frame_w, frame_h = frame
    cover = max(frame_w / width, frame_h / height)
    box, trusted = _subject_box_of_photo(layers, context)
    notes: tuple[str, ...] = ()
    guessed = box is None or not trusted
    if guessed or box is None:  # (the second test only tells the type checker)
        box = (0, 0, width, height)
        notes = (
            "The product could not be found with confidence, so the whole photo was kept, "
            "padded with its backdrop colour, rather than cropped on a guess.",
        )
    left, top, right, bottom = box
    room = 1 - 2 * SUBJECT_MARGIN
    fit = min(room * frame_w / max(1, right - left), room * frame_h / max(1, bottom - top))
    scale = min(cover, fit)
    scaled_w, scaled_h = width * scale, height * scale
    offset = (
        _place(frame_w, scaled_w, left * scale, right * scale),
        _place(frame_h, scaled_h, top * scale, bottom * scale),
    )
    padded = (
        offset[0] > 0.5
        or offset[1] > 0.5
        or offset[0] + scaled_w < frame_w - 0.5
        or offset[1] + scaled_h < frame_h - 0.5
    )
    fitted = _transform(layers, scale, offset, frame, pad=_edge_colour(layers))
    if padded:
        fitted = replace(fitted, rgb=_pad_by_side(fitted.rgb, layers, offset, scale))
    if padded and not guessed:
        notes = (
            f"Cropping to the {preset.label} frame would have cut the product off, so the photo "
            "was padded with its backdrop colour instead.",
        )
    subject = (
        left * scale + offset[0],
        top * scale + offset[1],
        right * scale + offset[0],
        bottom * scale + offset[1],
    )
    return replace(fitted, alpha=None if layers.alpha is None else fitted.alpha).noted(
        *notes, preset=preset.code, padded=padded, subject_box=_shares(subject, frame)
    )


def _pad_by_side(
    rgb: np.ndarray, layers: Layers, offset: tuple[float, float], scale: float
) -> np.ndarray:
    """Each side's padding in the colour of the photo's own edge on that side, so a backdrop
    that is darker at the bottom than at the top shows no band where the photo meets it."""
    height, width = layers.rgb.shape[:2]
    frame_h, frame_w = rgb.shape[:2]
    left, top = offset
    right, bottom = left + width * scale, top + height * scale
    strip = max(2, min(height, width) // 100)
    out = rgb.copy()
    sides = (
        ((slice(0, max(0, int(np.floor(top)))), slice(None)), layers.rgb[:strip]),
        ((slice(min(frame_h, int(np.ceil(bottom))), None), slice(None)), layers.rgb[-strip:]),
        ((slice(None), slice(0, max(0, int(np.floor(left))))), layers.rgb[:, :strip]),
        ((slice(None), slice(min(frame_w, int(np.ceil(right))), None)), layers.rgb[:, -strip:]),
    )
    # Top and bottom first, then the sides over them: the corners take the side's colour.
    for region, edge in sides:
        out[region] = np.median(edge.reshape(-1, edge.shape[-1]), axis=0)
    return out


def _edge_colour(layers: Layers) -> tuple[float, float, float]:
    """The median colour of the photo's outermost pixels (what padding should look like)."""
    height, width = layers.rgb.shape[:2]
    ring = backdrop.border_mask(height, width, 2)
    return tuple(float(v) for v in np.median(layers.rgb[ring], axis=0))  # type: ignore[return-value]
