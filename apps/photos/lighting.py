"""The brand's lighting profile (layer 3, the visual half of a brand profile): learn, apply.

*Learning* measures each reference photo in CIELAB — the product region and the backdrop
separately (means, spreads, percentiles), the white point and its colour temperature, exposure
and contrast (lightness median and spread), saturation (chroma), the backdrop's colour, and the
shadow the product casts when one can be seen — and pools the photos into one profile.

*Applying* moves a new photo's product region toward the profile: a lightness tone curve
through the profile's percentiles (exposure and contrast), the chroma spread scaled toward the
profile's (saturation), and the product's mean colour shifted toward the profile's (white point
and colour cast). The **fidelity guard** caps that colour shift: the product's mean a*b* never
moves more than ``max_colour_shift`` ΔE, so a red product stays red in a studio whose references
are grey. The same guard holds the product's median lightness within ``max_lightness_shift``
L* (a white shirt stays white beside dark references). Every limit that bites is reported.

The Django models that store profiles are in ``apps/photos/models.py`` (LightingProfile,
LightingReference); this module is numbers only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from apps.photos import colour

PERCENTILES = (5, 25, 50, 75, 95)
MIN_REFERENCES = 5
DEFAULT_MAX_COLOUR_SHIFT = 12.0  # ΔE*ab of the product's mean colour
DEFAULT_MAX_LIGHTNESS_SHIFT = 25.0  # L* of the product's median
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
        "product": _pool_region([p["product"] for p in photos]),
        "background": _pool_region([p["background"] for p in photos]),
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
    exposure_change: float = 0.0  # ΔL* of the product's median
    colour_shift_wanted: float = 0.0  # ΔE*ab the full match would move the product's colour
    colour_shift_applied: float = 0.0
    limited: bool = False  # a guard held the change back
    saturation_scale: float = 1.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "exposure_change": round(self.exposure_change, 2),
            "colour_shift_wanted": round(self.colour_shift_wanted, 2),
            "colour_shift_applied": round(self.colour_shift_applied, 2),
            "limited": self.limited,
            "saturation_scale": round(self.saturation_scale, 3),
            "notes": list(self.notes),
        }


def _tone_curve(source: list[float], target: list[float], strength: float) -> np.ndarray:
    """Knots (input → output L*) through the percentiles, anchored at 0 and 100."""
    xs = [0.0, *source, 100.0]
    ys = [0.0, *target, 100.0]
    # Monotone, with bounded slopes: no inversions, no posterised steps.
    points = [(0.0, 0.0)]
    for x, y in zip(xs[1:], ys[1:], strict=True):
        px, py = points[-1]
        if x <= px + 0.5:
            continue
        slope = np.clip((y - py) / (x - px), 0.3, 3.5)
        points.append((x, py + slope * (x - px)))
    grid = np.linspace(0.0, 100.0, 1001, dtype=np.float32)
    knots_x = np.array([p[0] for p in points])
    knots_y = np.clip(np.array([p[1] for p in points]), 0.0, 100.0)
    mapped = np.interp(grid, knots_x, knots_y)
    # Smooth the corners of the piecewise curve a little.
    mapped = np.convolve(np.pad(mapped, 15, mode="edge"), np.ones(31) / 31, mode="valid")
    return (grid + strength * (mapped - grid)).astype(np.float32)


def relight(
    rgb: np.ndarray,
    subject: np.ndarray,
    profile: dict,
    *,
    strength: float = 1.0,
    max_colour_shift: float = DEFAULT_MAX_COLOUR_SHIFT,
    max_lightness_shift: float = DEFAULT_MAX_LIGHTNESS_SHIFT,
) -> tuple[np.ndarray, RelightReport]:
    """Move the product region of ``rgb`` (float32 0–1) toward ``profile``; see the module doc.

    ``subject`` (float 0–1) says where the product is: statistics come from it, and the change
    is blended in by it, so the backdrop is left alone.
    """
    report = RelightReport()
    target = profile.get("product")
    if not target:
        report.notes.append("The profile has no product statistics; nothing was changed.")
        return rgb, report
    weight = np.asarray(subject, dtype=np.float32)
    measured = measure(rgb, weight)
    source = measured["product"]
    if source is None:
        report.notes.append("No product region was found; nothing was changed.")
        return rgb, report
    strength = float(np.clip(strength, 0.0, 1.0))
    lab = colour.to_lab(rgb)
    lightness, channel_a, channel_b = cv2.split(lab)

    # Exposure and contrast: a tone curve through the percentiles of L*, applied as a
    # 256-entry table (steps of 0.4 L*, below what an eye tells apart).
    curve = _tone_curve(
        [source["percentiles"][str(p)][0] for p in PERCENTILES],
        [target["percentiles"][str(p)][0] for p in PERCENTILES],
        strength,
    )
    median = source["percentiles"]["50"][0]
    change = float(curve[round(median * 10)] - median)
    if abs(change) > max_lightness_shift > 0:
        # The same guard for lightness: a white shirt must not turn grey because the
        # references were dark products (nor a black camera grey the other way round).
        grid = np.linspace(0.0, 100.0, len(curve), dtype=np.float32)
        curve = grid + (curve - grid) * np.float32(max_lightness_shift / abs(change))
        report.notes.append(
            f"Exposure match limited: matching the profile fully would have changed the "
            f"product's lightness by {change:+.1f} L*; it was held to "
            f"{math.copysign(max_lightness_shift, change):+.1f}."
        )
        report.limited = True
        change = math.copysign(max_lightness_shift, change)
    report.exposure_change = change
    table = curve[np.round(np.linspace(0, 1000, 256)).astype(int)].reshape(256, 1)
    new_lightness = cv2.LUT(cv2.convertScaleAbs(lightness, alpha=2.55), table)

    # Saturation: scale the chroma spread around the product's mean colour.
    source_spread = float(np.hypot(source["std"][1], source["std"][2]))
    target_spread = float(np.hypot(target["std"][1], target["std"][2]))
    scale = 1.0
    if source_spread > 1.0:
        scale = float(np.clip(target_spread / source_spread, 0.75, 1.35)) ** strength
    report.saturation_scale = scale

    # Colour: move the product's mean a*b* toward the profile's, within the fidelity guard.
    mean_a, mean_b = source["mean"][1], source["mean"][2]
    shift = np.array([target["mean"][1] - mean_a, target["mean"][2] - mean_b]) * strength
    wanted = float(np.hypot(*shift))
    report.colour_shift_wanted = wanted
    if wanted > max_colour_shift > 0:
        shift *= max_colour_shift / wanted
        report.limited = True
        report.notes.append(
            f"Colour match limited by the fidelity guard: matching the profile fully would "
            f"have moved the product's colour by ΔE {wanted:.1f}; it was held to ΔE "
            f"{max_colour_shift:.1f} so the product stays recognisable."
        )
    elif max_colour_shift <= 0:
        shift[:] = 0
    report.colour_shift_applied = float(np.hypot(*shift))
    # a' = mean + shift + (a − mean) × scale, as one multiply-add per channel.
    channel_a *= np.float32(scale)
    channel_a += np.float32(mean_a + shift[0] - mean_a * scale)
    channel_b *= np.float32(scale)
    channel_b += np.float32(mean_b + shift[1] - mean_b * scale)
    relit = colour.to_rgb(cv2.merge([new_lightness, channel_a, channel_b]))
    del lab, lightness, channel_a, channel_b, new_lightness
    # Blend by the subject: rgb + weight × (relit − rgb), in place.
    relit -= rgb
    relit *= weight[..., None]
    relit += rgb
    return relit, report


def product_mean_lab(rgb: np.ndarray, subject: np.ndarray) -> tuple[float, float, float] | None:
    """Mean CIELAB of the product region (for ΔE against a profile)."""
    stats = measure(rgb, subject)["product"]
    return tuple(stats["mean"]) if stats else None  # type: ignore[return-value]
