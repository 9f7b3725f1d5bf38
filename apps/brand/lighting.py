"""The brand's lighting profile (layer 3, the visual half of a brand profile): learn, apply.

*Learning* measures each reference photo in CIELAB — the backdrop (means, spreads,
percentiles), the white point (what the light makes of white) and its colour temperature,
exposure (the lightness of the photo's whites and its median), contrast, and the shadow the
product casts when one can be seen — and pools the photos into one profile. It describes the
*light*, not the products: the references' products say nothing about the colour of a new one.

*Applying* (:func:`relight`) corrects a new photo's light toward the profile: a white balance
that carries the photo's white point to the profile's (a von Kries gain in linear light), and
an exposure gain that brings its whites to the profile's level — never below 1, so a
correctly exposed studio shot is never dulled. The whole photo is corrected; then

* the **product** keeps its own colour: its mean colour may move only as the light's
  correction implies, and never more than ``max_colour_shift`` ΔE*ab (3 by default) from the
  product in its own original photo (the correction is scaled back until it fits);
* the **backdrop** is carried to the profile's backdrop colour, keeping its own shading and
  shadows.

Every limit that bites is reported. The Django models that store profiles are in
``apps/brand/models.py`` (LightingProfile, LightingReference); this module is numbers only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from apps.imaging import colour

PERCENTILES = (5, 25, 50, 75, 95)
MIN_REFERENCES = 5
DEFAULT_MAX_COLOUR_SHIFT = 3.0  # ΔE*ab of the product's mean colour against its original
MAX_EXPOSURE_GAIN = 4.0  # two stops
STATS_LONG_SIDE = 512  # statistics are measured on a copy this size: plenty, and fast


def _region_stats(lab: np.ndarray, mask: np.ndarray) -> dict | None:
    pixels = lab[mask]
    if len(pixels) < 50:
        return None
    chroma = np.hypot(pixels[:, 1], pixels[:, 2])
    percentiles = np.percentile(pixels, PERCENTILES, axis=0)
    return {
        "mean": [round(float(v), 2) for v in pixels.mean(axis=0)],
        "std": [round(float(v), 2) for v in pixels.std(axis=0)],
        "percentiles": {
            str(p): [round(float(v), 2) for v in row]
            for p, row in zip(PERCENTILES, percentiles, strict=True)
        },
        "chroma_mean": round(float(chroma.mean()), 2),
        "share": round(float(mask.mean()), 4),
    }


def _white_point(lab: np.ndarray) -> tuple[float, float]:
    """a*, b* of the brightest near-neutral pixels: what the light makes of white."""
    lightness = lab[..., 0]
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    candidates = chroma < 20
    if candidates.sum() < 50:
        candidates = np.ones_like(candidates)
    threshold = np.percentile(lightness[candidates], 95)
    picked = candidates & (lightness >= threshold)
    return float(lab[..., 1][picked].mean()), float(lab[..., 2][picked].mean())


def _white_level(lab: np.ndarray) -> float:
    """L* of the photo's whites: the 98th percentile of lightness."""
    return float(np.percentile(lab[..., 0], 98))


def _shadow(lab: np.ndarray, subject: np.ndarray) -> dict | None:
    """Strength and direction of the shadow on the backdrop next to the product, if visible.

    Looks in a band around the product for backdrop pixels clearly darker than the backdrop's
    median; strength is their mean darkening (0–1 of the backdrop's lightness), direction the
    angle (degrees, 90 = straight down) from the product's centre to theirs.
    """
    backdrop = ~subject
    if backdrop.sum() < 100 or subject.sum() < 100:
        return None
    lightness = lab[..., 0]
    median = float(np.median(lightness[backdrop]))
    if median < 15:
        return None  # a dark backdrop hides shadows
    size = max(3, int(0.08 * max(subject.shape)))
    near = cv2.dilate(subject.astype(np.uint8), np.ones((size, size), np.uint8)).astype(bool)
    band = near & backdrop
    darker = band & (lightness < median - 6)
    if darker.sum() < max(20, 0.02 * band.sum()):
        return {"strength": 0.0, "angle": 90.0, "measured": False}
    ys, xs = np.nonzero(subject)
    sy, sx = np.nonzero(darker)
    angle = float(np.degrees(np.arctan2(sy.mean() - ys.mean(), sx.mean() - xs.mean())))
    strength = float((median - lightness[darker].mean()) / max(median, 1.0))
    return {"strength": round(min(1.0, strength), 3), "angle": round(angle, 1), "measured": True}


def measure(rgb: np.ndarray, subject: np.ndarray) -> dict:
    """The lighting statistics of one photo (rgb float32 0–1, subject a bool/float mask)."""
    height, width = rgb.shape[:2]
    scale = min(1.0, STATS_LONG_SIDE / max(height, width))
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        subject = cv2.resize(subject.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    mask = np.asarray(subject) > 0.5
    lab = colour.to_lab(rgb)
    product = _region_stats(lab, mask)
    backdrop = _region_stats(lab, ~mask)
    white_a, white_b = _white_point(lab)
    whole = lab.reshape(-1, 3)
    background_rgb = (
        colour.rgb255_of_lab(backdrop["percentiles"]["50"]) if backdrop else (255, 255, 255)
    )
    return {
        "product": product,
        "background": backdrop,
        "white_level": round(_white_level(lab), 2),
        "white_point": [round(white_a, 2), round(white_b, 2)],
        "colour_temperature": colour.cct_of_lab_white(white_a, white_b),
        "exposure": round(float(np.median(whole[:, 0])), 2),
        "contrast": round(float(whole[:, 0].std()), 2),
        "saturation": round(float(np.hypot(whole[:, 1], whole[:, 2]).mean()), 2),
        "background_rgb": list(background_rgb),
        "shadow": _shadow(lab, mask),
    }


def _mean(values: list[float]) -> float:
    return round(float(np.mean(values)), 2) if values else 0.0


def _pool_region(stats: list[dict | None]) -> dict | None:
    rows = [s for s in stats if s]
    if not rows:
        return None
    pooled = {
        "mean": [_mean([r["mean"][i] for r in rows]) for i in range(3)],
        "std": [_mean([r["std"][i] for r in rows]) for i in range(3)],
        "percentiles": {
            str(p): [_mean([r["percentiles"][str(p)][i] for r in rows]) for i in range(3)]
            for p in PERCENTILES
        },
        "chroma_mean": _mean([r["chroma_mean"] for r in rows]),
        "share": _mean([r["share"] for r in rows]),
        # How much the references agree: the spread of their means.
        "spread_of_means": [
            round(float(np.std([r["mean"][i] for r in rows])), 2) for i in range(3)
        ],
    }
    return pooled


def learn(photos: list[dict]) -> dict:
    """Pool the statistics of the reference photos into a profile (a JSON-ready dict)."""
    if len(photos) < MIN_REFERENCES:
        raise ValueError(f"A lighting profile needs at least {MIN_REFERENCES} reference photos.")
    white_a = _mean([p["white_point"][0] for p in photos])
    white_b = _mean([p["white_point"][1] for p in photos])
    shadows = [p["shadow"] for p in photos if p.get("shadow") and p["shadow"]["measured"]]
    background_rgb = [
        round(float(np.median([p["background_rgb"][i] for p in photos]))) for i in range(3)
    ]
    shadow = None
    if shadows:
        angles = np.radians([s["angle"] for s in shadows])
        shadow = {
            "strength": _mean([s["strength"] for s in shadows]),
            "angle": round(
                float(np.degrees(np.arctan2(np.sin(angles).mean(), np.cos(angles).mean()))), 1
            ),
            "measured_in": len(shadows),
        }
    return {
        "references": len(photos),
        "background": _pool_region([p["background"] for p in photos]),
        "white_level": _mean([p.get("white_level", 95.0) for p in photos]),
        "white_lab": [_mean([p.get("white_level", 95.0) for p in photos]), white_a, white_b],
        "white_point": [white_a, white_b],
        "colour_temperature": colour.cct_of_lab_white(white_a, white_b),
        "exposure": _mean([p["exposure"] for p in photos]),
        "contrast": _mean([p["contrast"] for p in photos]),
        "saturation": _mean([p["saturation"] for p in photos]),
        "background_rgb": background_rgb,
        "background_hex": colour.hex_of_rgb255(background_rgb),
        "shadow": shadow,
    }


@dataclass
class RelightReport:
    exposure_ev: float = 0.0  # the light's exposure gain, in stops (never negative)
    white_point_shift: float = 0.0  # ΔE*ab (a*b*) between the photo's white and the profile's
    colour_shift_wanted: float = 0.0  # ΔE*ab the full light correction moves the product
    colour_shift_applied: float = 0.0  # ΔE*ab the product moved (≤ the cap)
    correction_applied: float = 1.0  # the share of the light's correction the product got
    backdrop_shift: float = 0.0  # ΔE*ab the backdrop moved toward the profile's
    limited: bool = False  # the fidelity cap held the correction back
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "exposure_ev": round(self.exposure_ev, 2),
            "white_point_shift": round(self.white_point_shift, 2),
            "colour_shift_wanted": round(self.colour_shift_wanted, 2),
            "colour_shift_applied": round(self.colour_shift_applied, 2),
            "correction_applied": round(self.correction_applied, 3),
            "backdrop_shift": round(self.backdrop_shift, 2),
            "limited": self.limited,
            "notes": list(self.notes),
        }


def _linear_white(lightness: float, a: float, b: float) -> np.ndarray:
    lab = np.array([[[lightness, a, b]]], np.float32)
    return np.maximum(colour.srgb_to_linear(colour.to_rgb(lab))[0, 0], 1e-4)


def light_correction(measured: dict, profile: dict) -> tuple[np.ndarray, float, float]:
    """Linear-RGB gains that carry the photo's light to the profile's: (gains, exposure gain,
    white-point ΔE). The white balance keeps luminance; the exposure gain is ≥ 1."""
    level = float(np.clip(measured.get("white_level", 95.0), 20.0, 100.0))
    photo_white = _linear_white(level, *measured["white_point"])
    target_white = _linear_white(level, *profile["white_point"])
    balance = target_white / photo_white
    luminance = np.array([0.2126, 0.7152, 0.0722], np.float32)
    balance /= float(luminance @ (balance * photo_white)) / float(luminance @ photo_white)
    target_level = float(profile.get("white_level") or 95.0)
    exposure = 1.0
    if level < target_level:
        # The whites' luminance ratio (L* → Y), never darkening.
        exposure = float(np.clip(_y_of_l(target_level) / _y_of_l(level), 1.0, MAX_EXPOSURE_GAIN))
    shift = float(np.hypot(*np.subtract(measured["white_point"], profile["white_point"])))
    return balance.astype(np.float32), exposure, shift


def _y_of_l(lightness: float) -> float:
    f = (lightness + 16.0) / 116.0
    return f**3 if f**3 > 0.008856 else (lightness / 903.3)


def _mean_lab(lab: np.ndarray, weight: np.ndarray) -> np.ndarray:
    total = float(weight.sum())
    return (lab * weight[..., None]).reshape(-1, 3).sum(axis=0) / max(total, 1e-6)


def relight(
    rgb: np.ndarray,
    subject: np.ndarray,
    profile: dict,
    *,
    strength: float = 1.0,
    max_colour_shift: float = DEFAULT_MAX_COLOUR_SHIFT,
    match_backdrop: bool = True,
) -> tuple[np.ndarray, RelightReport]:
    """Correct the light of ``rgb`` (float32 0–1) toward ``profile``; see the module doc.

    ``subject`` (float 0–1) says where the product is: the product's change is capped, the
    backdrop is carried to the profile's backdrop colour.
    """
    report = RelightReport()
    if not profile.get("white_point"):
        report.notes.append("The profile has no light measured; nothing was changed.")
        return rgb, report
    weight = np.asarray(subject, dtype=np.float32)
    small_rgb = cv2.resize(rgb, _stats_size(rgb), interpolation=cv2.INTER_AREA)
    small_weight = cv2.resize(weight, _stats_size(rgb), interpolation=cv2.INTER_AREA)
    measured = measure(small_rgb, small_weight)
    if measured["product"] is None:
        report.notes.append("No product region was found; nothing was changed.")
        return rgb, report
    strength = float(np.clip(strength, 0.0, 1.0))
    balance, exposure, shift = light_correction(measured, profile)
    report.white_point_shift = shift
    full_gains = (balance * exposure) ** strength
    carry = None
    if match_backdrop and profile.get("background"):
        carry = _backdrop_offset(small_rgb, small_weight, full_gains, profile, strength)
    # The product's pixels (at most 20,000 of them) are enough to follow its mean colour, as
    # the blend will make them: the product's correction where the cut-out is solid, the
    # backdrop's toward its edge.
    inside = small_weight > 0.02
    step = max(1, int(inside.sum()) // 20_000)
    pixels = small_rgb[inside][::step].reshape(-1, 1, 3)
    pixel_weight = small_weight[inside][::step].reshape(-1, 1)
    pixel_blend = _blend_weight(pixel_weight)[..., None]
    linear_pixels = colour.srgb_to_linear(pixels)
    as_backdrop = _carried(colour.linear_to_srgb(linear_pixels * full_gains), carry)
    original_lab = colour.to_lab(pixels)
    # The cap holds for the product's mean colour and for the means of its fifths by
    # lightness: a gain that keeps the average may still shift the shadows of a dark shoe.
    lightness = original_lab[..., 0].ravel()
    groups = [np.ones(lightness.size, bool)]
    if lightness.size >= 50:
        cuts = np.percentile(lightness, [20, 40, 60, 80])
        bins = np.digitize(lightness, cuts)
        groups += [bins == band for band in range(5) if (bins == band).sum() >= 10]
    originals = [_mean_lab(original_lab[group], pixel_weight[group]) for group in groups]

    def product_shift(share: float) -> float:
        relit = colour.linear_to_srgb(linear_pixels * full_gains**share)
        moved = colour.to_lab(as_backdrop + pixel_blend * (relit - as_backdrop))
        return max(
            colour.delta_e76(_mean_lab(moved[group], pixel_weight[group]), before)
            for group, before in zip(groups, originals, strict=True)
        )

    wanted = product_shift(1.0)
    report.colour_shift_wanted = wanted
    share = 1.0
    if max_colour_shift >= 0 and wanted > max_colour_shift:
        # Scale the correction back (in log-gain) until the product moves at most the cap.
        low, high = 0.0, 1.0
        for _ in range(10):
            middle = (low + high) / 2
            low, high = (
                (middle, high) if product_shift(middle) <= max_colour_shift else (low, middle)
            )
        share = low
        report.limited = True
        report.notes.append(
            f"Fidelity cap: the full light correction would have moved the product's colour by "
            f"ΔE {wanted:.1f} from the original; {share:.0%} of it was applied, holding the "
            f"change to ΔE {max_colour_shift:.1f}."
        )
    report.correction_applied = share
    report.colour_shift_applied = product_shift(share)
    report.exposure_ev = float(np.log2(exposure)) * strength
    if carry is not None:
        report.backdrop_shift = float(np.linalg.norm(carry))
    blend = _blend_weight(weight)
    product = apply_gains(rgb, full_gains**share)
    backdrop = apply_gains(rgb, full_gains)
    if carry is not None:
        # Only where the backdrop shows (the Lab round trip costs; the product needs none).
        showing = blend < 1.0
        backdrop[showing] = _carried(backdrop[showing].reshape(-1, 1, 3), carry).reshape(-1, 3)
    # Blend: backdrop + w × (product − backdrop), in place.
    product -= backdrop
    product *= blend[..., None]
    product += backdrop
    return product, report


def _carried(rgb: np.ndarray, offset: np.ndarray | None) -> np.ndarray:
    """``rgb`` moved by a CIELAB offset (the backdrop carried to the profile's colour)."""
    if offset is None:
        return rgb
    lab = colour.to_lab(rgb)
    lab += offset.astype(np.float32)
    return colour.to_rgb(lab)


def _backdrop_offset(
    small_rgb: np.ndarray,
    small_weight: np.ndarray,
    light_gains: np.ndarray,
    profile: dict,
    strength: float,
) -> np.ndarray | None:
    """The CIELAB offset that carries the light-corrected backdrop's median colour to the
    profile's backdrop colour: an offset, not a gain, so a dark backdrop's shading and
    texture keep their size instead of having their noise multiplied."""
    outside = small_weight < 0.05
    if outside.sum() < 50:
        return None
    corrected = apply_gains(small_rgb, light_gains)
    current = np.median(colour.to_lab(corrected)[outside], axis=0)
    target = np.asarray(profile["background"]["percentiles"]["50"], np.float32)
    return ((target - current) * strength).astype(np.float32)


def _blend_weight(alpha: np.ndarray) -> np.ndarray:
    """How much of the product's correction a pixel gets: all of it where the cut-out is
    half solid or more, so the product's edge is not lit like the new backdrop."""
    return np.clip(alpha * 2.0, 0.0, 1.0).astype(np.float32)


LUT_SIZE = 4096


def apply_gains(rgb: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """``linear_to_srgb(gains × srgb_to_linear(rgb))`` per channel, through a lookup table
    (a gain in linear light is a one-dimensional curve in sRGB: 12-bit steps are far below
    what a JPEG keeps, and the table costs a fraction of the full conversion)."""
    grid = np.linspace(0.0, 1.0, LUT_SIZE, dtype=np.float32)
    linear = colour.srgb_to_linear(grid)
    index = np.empty(rgb.shape[:2], np.uint16)
    out = np.empty_like(rgb, dtype=np.float32)
    for channel in range(3):
        table = colour.linear_to_srgb(linear * np.float32(gains[channel]))
        np.multiply(rgb[..., channel], LUT_SIZE - 1, out=out[..., channel])
        np.add(out[..., channel], 0.5, out=out[..., channel])
        np.clip(out[..., channel], 0, LUT_SIZE - 1, out=out[..., channel])
        index[...] = out[..., channel]
        np.take(table, index, out=out[..., channel])
    return out


def _stats_size(rgb: np.ndarray) -> tuple[int, int]:
    height, width = rgb.shape[:2]
    scale = min(1.0, STATS_LONG_SIDE / max(height, width))
    return max(1, round(width * scale)), max(1, round(height * scale))


def product_mean_lab(rgb: np.ndarray, subject: np.ndarray) -> tuple[float, float, float] | None:
    """Mean CIELAB of the product region (for ΔE against a profile)."""
    stats = measure(rgb, subject)["product"]
    return (stats["mean"][0], stats["mean"][1], stats["mean"][2]) if stats else None
