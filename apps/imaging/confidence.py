"""How far a cut-out can be trusted, from evidence independent of the method that made it.

Every cut-out gets a confidence between 0 and 1, with the reasons that lowered it, from:

* **agreement**: the cut-out against a second, plainer method (pixels the backdrop model cannot
  explain); two methods that disagree mean at least one is wrong;
* **edge contrast**: how different the two sides of the cut-out's outline are; an outline
  through flat colour is a guess;
* **backdrop left in**: the share of the cut-out that looks exactly like the backdrop;
* **doubtful holes**: holes cut inside the product that look like the product around them (the
  gaps between a black laptop's keys, on black), where a real hole shows something else;
* **backdrop**: how plain the backdrop is (a busy scene is where cut-outs fail);
* **shape**: the share of the frame it covers (a speck, or nearly everything), how many pieces
  it falls into, how much of it runs off the frame's edge, and how intricate it is (a rope,
  a stool's legs, a cable: most of such a cut-out is edge, and edges are where cut-outs fail).

Below :data:`THRESHOLD` the checker says "needs a look" instead of "meets" for every preset,
and the studio and review pages show the reasons. The figure is calibrated on
``bench/photo_cutout.py`` (cut-outs whose overlap with the true mask is below 0.9 should fall
below the threshold).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from apps.imaging import backdrop, colour, segmentation

THRESHOLD = 0.6


@dataclass(frozen=True)
class Confidence:
    score: float
    reasons: tuple[str, ...] = ()
    signals: dict = field(default_factory=dict)

    @property
    def needs_look(self) -> bool:
        return self.score < THRESHOLD

    def as_dict(self) -> dict:
        return {
            "score": round(self.score, 3),
            "needs_look": self.needs_look,
            "threshold": THRESHOLD,
            "reasons": list(self.reasons),
            "signals": {k: round(float(v), 3) for k, v in self.signals.items()},
        }


def _ramp(value: float, bad: float, good: float) -> float:
    """0 at ``bad``, 1 at ``good``, linear between (either direction)."""
    if good == bad:
        return 1.0
    return float(np.clip((value - bad) / (good - bad), 0.0, 1.0))


def _edge_contrast(lab: np.ndarray, mask: np.ndarray) -> float:
    """Median ΔE between the colours just inside and just outside the outline."""
    mask8 = mask.astype(np.uint8)
    kernel = np.ones((3, 3), np.uint8)
    inner = mask8 - cv2.erode(mask8, kernel, iterations=2)
    outer = cv2.dilate(mask8, kernel, iterations=2) - mask8
    if inner.sum() < 10 or outer.sum() < 10:
        return 0.0
    # Compare each outer pixel with the mean of the inside ring near it.
    weight = cv2.blur(inner.astype(np.float32), (7, 7))
    near_inside = cv2.blur(lab * inner[..., None], (7, 7)) / np.maximum(weight, 1e-6)[..., None]
    where = (outer > 0) & (weight > 0.05)
    if where.sum() < 10:
        return 0.0
    difference = np.sqrt(((lab[where] - near_inside[where]) ** 2).sum(axis=1))
    return float(np.median(difference))


def _doubtful_holes(lab: np.ndarray, mask: np.ndarray) -> float:
    """The share of the cut-out's outline area taken by holes that look like the product around
    them (the gaps cut between a black laptop's keys on black): a hole is right where it shows
    something unlike its rim (the blue between a stool's legs), doubtful where it does not."""
    doubtful = 0
    for window, hole, area in backdrop.enclosed_regions(~mask, pad=2):
        if area < 3:
            continue  # a speck
        rim = cv2.dilate(hole.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & ~hole
        if not rim.any():
            continue
        colours = lab[window]
        step = np.linalg.norm(np.median(colours[hole], axis=0) - np.median(colours[rim], axis=0))
        if step < HOLE_CONTRAST:
            doubtful += area
    return doubtful / max(1.0, float(mask.sum()) + doubtful)


HOLE_CONTRAST = 12.0  # ΔE between a hole and its rim below which the hole is doubtful


def assess(rgb: np.ndarray, mask: np.ndarray) -> Confidence:
    """The confidence of ``mask`` (bool or 0–1, any size) as the cut-out of ``rgb``."""
    small = colour.as_float(segmentation.proxy(rgb))
    height, width = small.shape[:2]
    mask = np.asarray(mask, np.float32)
    if mask.shape != (height, width):
        mask = cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)
    mask = mask > 0.5
    area = float(mask.mean())
    if area < 0.002:
        return Confidence(0.0, ("No product was found.",), {"area": area})
    lab = colour.to_lab(small)
    distance, facts = backdrop.backdrop_distance(lab, with_edges=False)
    threshold = backdrop.distance_threshold(facts)
    plain = distance > threshold
    union = float((plain | mask).sum())
    agreement = float((plain & mask).sum()) / union if union else 0.0
    backdrop_inside = float((distance[mask] < 0.5 * threshold).mean())
    contrast = _edge_contrast(lab, mask)
    border = backdrop.border_mask(height, width, 2)
    on_frame = float(mask[border].mean())
    sides = sum(
        float(edge.mean()) > 0.02 for edge in (mask[0, :], mask[-1, :], mask[:, 0], mask[:, -1])
    )
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    pieces = stats[1:, cv2.CC_STAT_AREA] if count > 1 else np.array([1])
    largest_share = float(pieces.max() / pieces.sum())
    eroded = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    edge_share = 1.0 - float(eroded.sum()) / max(1.0, float(mask.sum()))
    holes = _doubtful_holes(lab, mask)
    signals = {
        "doubtful_holes": holes,
        "agreement": agreement,
        "edge_contrast": contrast,
        "backdrop_inside": backdrop_inside,
        "backdrop_variation": facts["border_p90"],
        "area": area,
        "on_frame": on_frame,
        "pieces": float(len(pieces)),
        "edge_share": edge_share,
    }
    scores = {
        "doubtful_holes": _ramp(holes, 0.005, 0.001),
        "agreement": _ramp(agreement, 0.7, 0.88),
        "edge_contrast": _ramp(contrast, 6.0, 18.0),
        "backdrop_inside": _ramp(backdrop_inside, 0.35, 0.1),
        "backdrop_variation": _ramp(facts["border_p90"], 22.0, 8.0),
        "area": min(_ramp(area, 0.004, 0.02), _ramp(area, 0.9, 0.7)),
        "on_frame": _ramp(on_frame, 0.3, 0.05) * (1.0 if sides <= 1 else 0.7),
        "pieces": min(_ramp(largest_share, 0.3, 0.7), _ramp(len(pieces), 8, 3)),
        "intricate": _ramp(edge_share, 0.25, 0.12),
    }
    reasons_text = {
        "doubtful_holes": "holes were cut where the product looks like the backdrop",
        "agreement": "a second method finds a different outline",
        "edge_contrast": "the outline runs through colours much like the backdrop's",
        "backdrop_inside": "part of the cut-out looks like the backdrop",
        "backdrop_variation": "the backdrop is busy (textured or a scene), not plain",
        "area": "the product covers very little, or nearly all, of the photo",
        "on_frame": "the cut-out runs off the edge of the photo",
        "pieces": "the cut-out falls apart into several pieces",
        "intricate": "the product is thin or intricate (cords, legs, loops): check its edges",
    }
    # The weakest piece of evidence dominates; the others temper it.
    ordered = sorted(scores.values())
    score = 0.6 * ordered[0] + 0.25 * ordered[1] + 0.15 * float(np.mean(ordered[2:]))
    reasons = tuple(reasons_text[name] for name, value in scores.items() if value < 0.5)
    return Confidence(float(score), reasons, signals)
