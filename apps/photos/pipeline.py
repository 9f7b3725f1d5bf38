"""Photo operations as a pipeline of pure functions, composed into recipes.

An image travels as :class:`Layers`: the photo's pixels, the subject's alpha (once cut out),
and the backdrop and shadow as *specifications* that are drawn when the layers are flattened,
at the final size. So an operation is a pure function ``(layers, params) -> layers`` and the
order of the steps that change geometry (the preset's crop, pad and resize) does not blur a
gradient or a shadow. The operations:

==================  =============================================================================
``remove_background``  offline cut-out (:mod:`apps.imaging.segmentation`), or a routed image model
``white_balance``   neutralise the colour cast (white-patch on bright near-neutral pixels)
``exposure``        brighten or darken (EV stops), or "auto": lift dull whites, never darken
``relight``         correct the light to a brand's; the product moves at most the fidelity cap
``background``      white, a brand colour, a gradient, or a brand background image
``shadow``          a soft contact or drop shadow (direction, softness, strength)
``fit_preset``      crop, pad and resize to a channel preset (:mod:`apps.photos.framing`)
==================  =============================================================================

Layers, Context and drawing live in :mod:`apps.photos.layers`.

:func:`run` applies a recipe to decoded pixels. When the recipe ends with a preset, it first
plans the working resolution: the subject is found on a small proxy and the photo is scaled
straight to the size the preset needs (a 12-megapixel photo whose product must end up 1,700
pixels tall is not processed at 12 megapixels).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from apps.brand import lighting
from apps.imaging import colour, confidence, matting, segmentation
from apps.photos.framing import fit_preset
from apps.photos.layers import (  # noqa: F401 (the pipeline's public names)
    Context,
    Layers,
    RecipeError,
    Segmenter,
    _bbox,
    flatten,
    layers_from_pixels,
    render_background,
    render_shadow,
)
from apps.photos.presets import PRESETS


def _subject(layers: Layers, context: Context) -> np.ndarray:
    """The subject's alpha, cutting it out first when no step has done so yet."""
    if layers.alpha is not None:
        return layers.alpha
    return remove_background(layers, {}, context).alpha  # type: ignore[return-value]


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
    alpha = matting.refine_alpha(layers.rgb, detail)
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
    if ev == "auto":
        small = colour.srgb_to_linear(segmentation.proxy(layers.rgb, 256))
        luminance = small @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        whites = float(np.percentile(luminance, 99.5))
        target = float(params.get("target", 0.85))
        ev = float(np.clip(np.log2(target / max(whites, 1e-4)), 0.0, 2.0))
        if ev < 0.1:
            return layers.noted(exposure_ev=0.0)
    ev = float(np.clip(float(ev), -4.0, 4.0))
    gain = np.float32(2.0**ev)
    brightened = lighting.apply_gains(layers.rgb, np.array([gain, gain, gain], np.float32))
    return replace(layers, rgb=brightened).noted(exposure_ev=round(ev, 2))


def relight(layers: Layers, params: dict, context: Context) -> Layers:
    if not context.profile:
        raise RecipeError(
            "Relighting needs a lighting profile: learn one from reference photos first."
        )
    cut = layers if layers.alpha is not None else remove_background(layers, {}, context)
    subject = cut.alpha
    assert subject is not None  # remove_background always leaves an alpha
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
