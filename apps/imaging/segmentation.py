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
    open_backdrop_holes,
    trim_backdrop,
)

PROXY_LONG_SIDE = 320
GRABCUT_ITERATIONS = 4


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
    distance, facts = backdrop_distance(colour.to_lab(medium), with_edges=False)
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
    with_edges, _ = backdrop_distance(colour.to_lab(medium), with_edges=True)
    smooth = with_edges < 0.5 * threshold
    slab = (distance < 0.4 * threshold) & (cv2.blur(smooth.astype(np.float32), (9, 9)) > 0.9)
    mask = trim_backdrop(mask, slab)
    return open_backdrop_holes(mask, distance < 0.5 * threshold, smooth)


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
    inverse = (~mask).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(inverse, connectivity=4)
    height, width = mask.shape
    for index in range(1, count):
        x, y, w, h = stats[index, :4]
        if x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue
        region = labels[y : y + h, x : x + w] == index
        values = distance[y : y + h, x : x + w][region]
        # Tiny holes are noise; larger ones are filled only when unlike the backdrop.
        if region.sum() <= 2 or float(np.median(values)) > hole_threshold:
            mask[y : y + h, x : x + w][region] = True
    return mask


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
    likely = distance > threshold
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
