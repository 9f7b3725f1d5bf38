"""Offline background removal for product shots.

Product photos are mostly one subject on a backdrop that reaches the frame's edges. So, on a
small proxy (long side :data:`PROXY_LONG_SIDE`):

1. **The backdrop is modelled from the frame's border** (:mod:`apps.imaging.backdrop`), two
   ways: a smooth surface (a quadratic in x and y per CIELAB channel, fitted robustly: a plain
   or graded studio sweep) and a set of colour clusters (k-means; a textured floor, fabric,
   wood). A pixel is backdrop-like when either model explains it; a shadow (darker, same hue)
   counts as backdrop.
2. Pixels the backdrop cannot explain seed OpenCV's GrabCut, which learns both sides' colours
   and follows edges; border pixels that match the backdrop are certain background.
3. The mask is cleaned: specks dropped, every sizeable part kept (a bike is one product even
   when its wheels touch the frame apart), and an enclosed hole filled **only when it does not
   look like the backdrop** (the blue between a stool's legs stays blue; a white label on a
   dark box is kept).
4. :func:`apps.imaging.matting.refine_alpha` brings the mask to the working resolution and
   mattes its edge (closed-form matting): fine edges, no backdrop fringe.

Pure functions of their inputs; no model, no network. An operator may instead supply an ONNX
salient-object model (:mod:`apps.imaging.onnx_segmenter`).
"""

from __future__ import annotations

import cv2
import numpy as np

from apps.imaging import colour
from apps.imaging.backdrop import (
    backdrop_distance,
    border_mask,
    border_thickness,
    distance_threshold,
    enclosed_regions,
    open_backdrop_holes,
    trim_backdrop,
)

PROXY_LONG_SIDE = 320
GRABCUT_ITERATIONS = 4
LOW_THRESHOLD_FLOOR = 4.0  # ΔE: below this a pixel is never taken for the product
SHADOW_HUE_KEPT = 2.0  # a*b*: a darker pixel this close to the backdrop's hue (scaled) is shade


def proxy(rgb: np.ndarray, long_side: int = PROXY_LONG_SIDE) -> np.ndarray:
    """A small copy (uint8 or float) for estimating things cheaply."""
    height, width = rgb.shape[:2]
    scale = long_side / max(height, width)
    if scale >= 1:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def recover_detail(rgb: np.ndarray, mask: np.ndarray, long_side: int = 560) -> np.ndarray:
    """The proxy mask at up to ``long_side`` pixels, with the thin parts a proxy loses (laces,
    cords, a rope's loops) added back: pixels clearly unlike the backdrop that connect to the
    found subject."""
    medium = colour.as_float(proxy(rgb, long_side))
    height, width = medium.shape[:2]
    resized = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    coarse: np.ndarray = np.asarray(resized) > 0.5
    if not coarse.any() or max(height, width) <= max(mask.shape):
        return coarse
    lab = colour.to_lab(medium)
    distance, facts = backdrop_distance(lab, with_edges=False)
    threshold = distance_threshold(facts)
    strong = distance > 1.3 * threshold
    joined = (strong | coarse).astype(np.uint8)
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    touching = np.unique(labels[coarse])
    keep = np.zeros(count, bool)
    keep[touching[touching > 0]] = True
    mask = keep[labels] & (coarse | strong)
    # Backdrop-like: its colour, and smooth as a backdrop is where it shows. A part of the
    # product that happens to have the backdrop's colour (the dark keys of a laptop on black)
    # has edges and detail inside it, and stays.
    with_edges, _ = backdrop_distance(lab, with_edges=True)
    smooth = with_edges < 0.5 * threshold
    # The backdrop's colour in shade (a coloured backdrop): smooth by nature, and backdrop.
    shade = _in_backdrop_shadow(lab)
    smooth |= shade
    slab = (
        (distance < 0.4 * threshold) & (cv2.blur(smooth.astype(np.float32), (9, 9)) > 0.9)
    ) | shade
    mask = trim_backdrop(mask, slab)
    return open_backdrop_holes(mask, (distance < 0.5 * threshold) | shade, smooth)


SHADOW_HUE_CHROMA = 10.0  # a backdrop at least this colourful keeps its hue in shadow
SHADOW_HUE_TOLERANCE = 6.0  # ΔE in a*b* from the backdrop's hue, scaled to the shade
SHADE_FLOOR = 0.35  # the deepest shade: its chroma is this share of the backdrop's


def _in_backdrop_shadow(lab: np.ndarray) -> np.ndarray:
    """Pixels that are the backdrop's colour in shade: on a coloured backdrop a shadow keeps
    the hue and loses chroma and lightness together (a*b* ≈ t × the backdrop's, L* ≈ t × its
    L*, t in 0.35–1.1). The inside of a rope's loops in its own shadow is backdrop, though
    darker than the shadow model lets a neutral backdrop's shade be (where a grey product part
    would pass for shade, so nothing is marked on a neutral backdrop). ``lab``: CIELAB."""
    height, width = lab.shape[:2]
    ring = border_mask(height, width, border_thickness(height, width))
    backdrop_ab = np.median(lab[ring][:, 1:], axis=0)
    chroma = float(np.hypot(*backdrop_ab))
    if chroma < SHADOW_HUE_CHROMA:
        return np.zeros((height, width), bool)
    pixel_ab = lab[..., 1:]
    along = (pixel_ab @ backdrop_ab) / (chroma * chroma)
    shade = np.clip(along, SHADE_FLOOR, 1.1)
    off_hue = np.linalg.norm(pixel_ab - shade[..., None] * backdrop_ab, axis=-1)
    # The tolerance stays below SHADE_FLOOR × chroma: a neutral grey is never the shade.
    tolerance = min(SHADOW_HUE_TOLERANCE, 0.25 * chroma)
    # A shade loses lightness as it loses chroma; a glossy black part that mirrors the
    # backdrop's colour is far darker than its chroma says, and is not shade.
    lightness = lab[..., 0] / max(float(np.median(lab[ring][:, 0])), 1.0)
    in_step = (lightness >= SHADE_FLOOR) & (lightness <= 1.05) & (np.abs(along - lightness) < 0.25)
    return np.asarray((off_hue < tolerance) & in_step)


def _clean(mask: np.ndarray, distance: np.ndarray, hole_threshold: float) -> np.ndarray:
    """Drop specks and small islands; fill enclosed holes that do not look like the backdrop."""
    mask = mask.astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask.astype(bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = int(areas.max())
    keep = np.zeros(count, dtype=bool)
    keep[1:] = areas >= max(0.03 * largest, 0.0005 * mask.size)
    mask = keep[labels]
    for window, region, area in enclosed_regions(~mask):
        # Tiny holes are noise; larger ones are filled only when unlike the backdrop.
        if area <= 2 or float(np.median(distance[window][region])) > hole_threshold:
            mask[window][region] = True
    return mask


def _hysteresis(lab: np.ndarray, distance: np.ndarray, threshold: float, facts: dict) -> np.ndarray:
    """Pixels clearly unlike the backdrop, grown into the fainter ones joined to them.

    The threshold guards against a backdrop's own variation; on a clean backdrop that leaves
    a margin in which a pale product (a light wood seat on cream paper) hides. A faint pixel
    counts when it is connected to a clear one, as Canny keeps a weak edge that continues a
    strong one; faint regions on their own (a smudge on the sweep) do not. A faint pixel that
    is only the backdrop darkened (its hue kept) is the product's shadow, and never counts.
    """
    strong = distance > threshold
    low = max(LOW_THRESHOLD_FLOOR, 2.5 * facts["border_p98"] + 1.5)
    if low >= threshold or not strong.any():
        return strong
    surface = facts["surface"]
    darker = lab[..., 0] < surface[..., 0] - 2.0
    ratio = np.clip(lab[..., 0] / np.maximum(surface[..., 0], 1.0), 0.0, 1.0)[..., None]
    # A shadow keeps the backdrop's hue closely; a grey leg on warm marble is off it by a few
    # units of a*b* only, which is all that tells the two apart.
    hue_kept = np.linalg.norm(lab[..., 1:] - ratio * surface[..., 1:], axis=-1) < SHADOW_HUE_KEPT
    weak = (strong | ((distance > low) & ~(darker & hue_kept))).astype(np.uint8)
    count, labels = cv2.connectedComponents(weak, connectivity=8)
    keep = np.zeros(count, bool)
    keep[np.unique(labels[strong])] = True
    keep[0] = False
    return keep[labels]


def subject_mask(rgb: np.ndarray) -> np.ndarray:
    """Foreground mask (bool, at the proxy's size) of a product photo given as uint8 or float.

    Call it on a proxy (:func:`proxy`); its cost grows with the pixel count.
    """
    # k-means and GrabCut draw from OpenCV's random generator: seed it, so the same photo
    # always gives the same cut-out (a preview matches the batch; a retry matches the first).
    cv2.setRNGSeed(20240607)
    small = colour.as_float(proxy(rgb))
    height, width = small.shape[:2]
    lab = colour.to_lab(small)
    distance, facts = backdrop_distance(lab)
    border = border_mask(height, width, border_thickness(height, width))
    threshold = distance_threshold(facts)
    likely = _hysteresis(lab, distance, threshold, facts)
    grabcut = np.full((height, width), cv2.GC_PR_BGD, dtype=np.uint8)
    grabcut[likely] = cv2.GC_PR_FGD
    sure = cv2.erode(likely.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    grabcut[sure & (distance > 1.8 * threshold) & ~border] = cv2.GC_FGD
    grabcut[border & (distance < threshold * 0.6)] = cv2.GC_BGD
    calm = cv2.erode((distance < 0.35 * threshold).astype(np.uint8), np.ones((7, 7), np.uint8))
    grabcut[calm.astype(bool)] = cv2.GC_BGD
    fallback = _clean(likely, distance, threshold * 0.6)
    seeded = (grabcut == cv2.GC_FGD) | (grabcut == cv2.GC_PR_FGD)
    if seeded.sum() < 0.001 * grabcut.size or (grabcut == cv2.GC_BGD).sum() == 0:
        return fallback
    image8: np.ndarray = np.clip(small * 255.0 + 0.5, 0, 255).astype(np.uint8)
    image8 = cv2.cvtColor(image8, cv2.COLOR_RGB2BGR)
    # GrabCut's cost grows with its pixels: run it on the seeds' neighbourhood only (the rest
    # stays background), with enough margin to learn the backdrop's colours.
    ys, xs = np.nonzero(seeded)
    margin = max(6, round(0.12 * max(height, width)))
    top, bottom = max(0, ys.min() - margin), min(height, ys.max() + 1 + margin)
    left, right = max(0, xs.min() - margin), min(width, xs.max() + 1 + margin)
    region = np.ascontiguousarray(grabcut[top:bottom, left:right])
    has_fg = ((region == cv2.GC_FGD) | (region == cv2.GC_PR_FGD)).any()
    has_bg = ((region == cv2.GC_BGD) | (region == cv2.GC_PR_BGD)).any()
    if not (has_fg and has_bg):
        return fallback
    background_model = np.zeros((1, 65), np.float64)
    foreground_model = np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(
            np.ascontiguousarray(image8[top:bottom, left:right]),
            region,
            None,  # type: ignore[call-overload]  # no rectangle: the mask seeds it
            background_model,
            foreground_model,
            GRABCUT_ITERATIONS,
            cv2.GC_INIT_WITH_MASK,
        )
    except cv2.error:
        return fallback
    grabcut[top:bottom, left:right] = region
    mask = (grabcut == cv2.GC_FGD) | (grabcut == cv2.GC_PR_FGD)
    mask = _clean(mask, distance, threshold * 0.6)
    if mask.sum() < 0.001 * mask.size:
        return fallback
    return mask
