"""The backdrop of a product shot, modelled from the frame's border.

Two models, on a small proxy: a smooth surface (a quadratic in x and y per CIELAB channel,
fitted robustly: a plain or graded studio sweep) and a set of colour clusters (k-means; a
textured floor, fabric, wood). A pixel is backdrop-like when either model explains it; a shadow
(darker, same hue) counts as backdrop, and a sharp edge the backdrop lacks counts as unlike it.
The segmenter (:mod:`apps.imaging.segmentation`) and the confidence
(:mod:`apps.imaging.confidence`) both ask how far each pixel is from the backdrop; the mask
clean-ups here trim backdrop a coarse mask took in and open holes it filled over.

Pure functions of their inputs; no model, no network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import cv2
import numpy as np

from apps.imaging import colour


def border_mask(height: int, width: int, thickness: int) -> np.ndarray:
    mask = np.zeros((height, width), dtype=bool)
    mask[:thickness, :] = True
    mask[-thickness:, :] = True
    mask[:, :thickness] = True
    mask[:, -thickness:] = True
    return mask


def border_thickness(height: int, width: int) -> int:
    return max(2, round(0.025 * min(height, width)))


def backdrop_surface(lab: np.ndarray, border: np.ndarray) -> tuple[np.ndarray, float]:
    """A quadratic surface per Lab channel fitted to the border (outliers dropped), and the
    median ΔE by which the border's inliers miss it (small: a plain backdrop)."""
    height, width = lab.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    x, y = xx / width - 0.5, yy / height - 0.5
    basis = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1)
    rows = basis[border].astype(np.float64)
    values = lab[border].astype(np.float64)
    keep = np.ones(len(rows), bool)
    residual = np.zeros(len(rows))
    for _ in range(4):
        coefficients, *_ = np.linalg.lstsq(rows[keep], values[keep], rcond=None)
        residual = np.sqrt(((rows @ coefficients - values) ** 2).sum(axis=1))
        limit = max(3.0, 2.5 * 1.4826 * float(np.median(residual[keep])))
        keep = residual < limit
    surface = (basis.reshape(-1, 6) @ coefficients.astype(np.float32)).reshape(lab.shape)
    return surface.astype(np.float32), float(np.median(residual))


def _linear_of_lab(lab: np.ndarray) -> np.ndarray:
    return colour.srgb_to_linear(colour.to_rgb(lab))


def _norm(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return cv2.sqrt(a * a + b * b + c * c)


SHADOW_FLOOR = 0.2  # a shadow darker than this (linear light) is taken for a dark product
SHADOW_FACTORS = np.linspace(SHADOW_FLOOR, 1.0, 41, dtype=np.float32)
EDGE_WEIGHT = 3.0  # ΔE-equivalent per L* per pixel of an edge the backdrop does not have
SHADOW_PENALTY = 24.0  # ΔE added per (1 − k)²: deep "shadows" must match the backdrop's hue well


def _distance_to(
    channels: tuple[np.ndarray, ...], linear: np.ndarray, backdrop_lab: np.ndarray
) -> np.ndarray:
    """ΔE*ab of each pixel from the backdrop, or from the backdrop in shadow if closer.

    A shadow multiplies the backdrop's light (in linear RGB) by a factor k < 1 and keeps its
    hue. The pixel is compared with k × backdrop for its best k (at least
    :data:`SHADOW_FLOOR`), plus a penalty that grows with the darkness, so a mid-grey product
    on white is not taken for a shadow.
    ``backdrop_lab`` is one colour (3,) or one per pixel (HxWx3).
    """
    lightness, a, b = channels
    backdrop_lab = np.asarray(backdrop_lab, np.float32)
    if backdrop_lab.ndim == 1:
        bl, ba, bb = (float(v) for v in backdrop_lab)
        plain = _norm(lightness - bl, a - ba, b - bb)
        backdrop_linear = _linear_of_lab(backdrop_lab.reshape(1, 1, 3))[0, 0]
        k = (linear @ backdrop_linear) / max(float(backdrop_linear @ backdrop_linear), 1e-6)
        k = np.clip(k, SHADOW_FLOOR, 1.0)
        # The backdrop in shadow depends on k alone: a table of k → L*a*b*, interpolated.
        table = colour.to_lab(
            colour.linear_to_srgb(SHADOW_FACTORS[:, None, None] * backdrop_linear[None, None, :])
        )[:, 0]
        shaded = [np.interp(k, SHADOW_FACTORS, table[:, i]).astype(np.float32) for i in range(3)]
    else:
        plain = _norm(
            lightness - backdrop_lab[..., 0], a - backdrop_lab[..., 1], b - backdrop_lab[..., 2]
        )
        backdrop_linear = _linear_of_lab(backdrop_lab)
        k = np.einsum("ijc,ijc->ij", linear, backdrop_linear) / np.maximum(
            np.einsum("ijc,ijc->ij", backdrop_linear, backdrop_linear), 1e-6
        )
        k = np.clip(k, SHADOW_FLOOR, 1.0)
        shaded_lab = colour.to_lab(colour.linear_to_srgb(backdrop_linear * k[..., None]))
        shaded = [shaded_lab[..., i] for i in range(3)]
    in_shadow = _norm(lightness - shaded[0], a - shaded[1], b - shaded[2])
    # On a coloured backdrop, a pixel that keeps the backdrop's hue while darker is very likely
    # its shadow; on a neutral one a grey product looks the same, so deep "shadows" must pay.
    if backdrop_lab.ndim == 1:
        chroma = float(np.hypot(backdrop_lab[1], backdrop_lab[2]))
    else:
        chroma = np.hypot(backdrop_lab[..., 1], backdrop_lab[..., 2])
    penalty = SHADOW_PENALTY * np.clip(1.0 - (chroma - 5.0) / 30.0, 0.3, 1.0)
    in_shadow += penalty * (1.0 - k) ** 2
    return np.minimum(plain, in_shadow)


def backdrop_clusters(lab: np.ndarray, border: np.ndarray, k: int = 6) -> np.ndarray:
    """The border's main colours (k-means in CIELAB); rare ones (the product touching the
    frame) are dropped."""
    samples = lab[border].reshape(-1, 3).astype(np.float32)
    k = min(k, max(1, len(samples) // 20))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 15, 0.5)
    # OpenCV takes None for the initial labels (its stubs do not say so).
    _, labels, centres = cv2.kmeans(
        samples,
        k,
        None,  # type: ignore[call-overload]
        criteria,
        2,
        cv2.KMEANS_PP_CENTERS,
    )
    counts = np.bincount(labels.ravel(), minlength=k)
    keep = centres[counts >= max(1, 0.02 * len(samples))]
    return keep if len(keep) else centres[[int(np.argmax(counts))]]


THIN_MEMBER = 10.0  # ΔE within which a pixel counts as a cluster's colour
THIN_SHARE = 0.15  # a cluster whose border pixels are this little "wide" appears only as lines


def _only_as_thin(distance: np.ndarray, border: np.ndarray) -> np.ndarray:
    """A colour the backdrop shows only as thin lines (tile grout, the gaps between floor
    planks) explains thin lines elsewhere, not a wide area: a grey stool leg on white tiles
    with grey grout is not grout. Wide areas of the colour lose the explanation."""
    member = (distance < THIN_MEMBER).astype(np.uint8)
    on_border = int(member[border].sum())
    if on_border == 0:
        return distance
    wide = cv2.morphologyEx(
        member, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    ).astype(bool)
    if float(wide[border].sum()) / on_border >= THIN_SHARE:
        return distance
    return np.where(wide, np.float32(100.0), distance)


_LAST: dict = {}


def backdrop_distance(lab: np.ndarray, *, with_edges: bool = True) -> tuple[np.ndarray, dict]:
    """How far each pixel is from the backdrop (ΔE*ab, shadows counted as backdrop), and facts
    about the backdrop: how plain it is, and how much its border varies.

    ``with_edges``: also count sharp edges the backdrop lacks as unlike it (they find a grey
    leg on a grey sweep, but mark a pixel or two of backdrop beside every edge as well, so
    the colour-only distance is the one to grow or trim a mask with).

    The segmenter and the confidence ask for the same proxy one after the other: the last
    answer is kept (keyed by a hash of the pixels) and reused.
    """
    digest = hashlib.blake2b(np.ascontiguousarray(lab).tobytes(), digest_size=16).digest()
    key = (digest, lab.shape)
    if _LAST.get("key") != key:
        _LAST.clear()
        _LAST.update(key=key, value=_backdrop_distance(lab))
    colour_only, edge_term, facts = _LAST["value"]
    if with_edges:
        return np.maximum(colour_only, edge_term), facts
    return colour_only, facts


def _backdrop_distance(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    height, width = lab.shape[:2]
    border = border_mask(height, width, border_thickness(height, width))
    surface, surface_miss = backdrop_surface(lab, border)
    linear = _linear_of_lab(lab)
    channels = tuple(np.ascontiguousarray(lab[..., i]) for i in range(3))
    distance = _distance_to(channels, linear, surface)
    for centre in backdrop_clusters(lab, border):
        distance = np.minimum(
            distance, _only_as_thin(_distance_to(channels, linear, centre), border)
        )
    # Texture: judge a pixel with its neighbours (a grain line is not a product edge).
    distance = cv2.GaussianBlur(distance, (0, 0), 0.7)
    # A sharp edge the backdrop does not have is unlike the backdrop too: it finds a grey leg
    # on a grey sweep, where colour alone cannot.
    lightness = cv2.GaussianBlur(channels[0], (0, 0), 0.7)
    edges = (
        cv2.magnitude(
            cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3),
            cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3),
        )
        / 8.0
    )
    border_edges = float(np.percentile(edges[border], 98))
    edge_term = (edges - border_edges - 1.0) * EDGE_WEIGHT
    border_values = np.maximum(distance, edge_term)[border]
    facts = {
        "border_edges": border_edges,
        "surface_miss": surface_miss,
        "border_p90": float(np.percentile(border_values, 90)),
        "border_p98": float(np.percentile(border_values, 98)),
        "surface": surface,  # the backdrop's smooth model, L*a*b* per pixel
    }
    return distance, edge_term, facts


def distance_threshold(facts: dict) -> float:
    """What counts as "unlike the backdrop" grows with how much the backdrop itself varies."""
    return float(np.clip(1.6 * facts["border_p98"] + 4.0, 9.0, 40.0))


def trim_backdrop(mask: np.ndarray, backdrop_like: np.ndarray) -> np.ndarray:
    """Remove slabs of backdrop a coarse mask took in at its outline (a tile, a patch of
    floor): sizeable regions that look exactly like the backdrop and reach the outside."""
    area = int(mask.sum())
    if area == 0:
        return mask
    inside = (mask & backdrop_like).astype(np.uint8)
    inside = cv2.morphologyEx(inside, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(inside, connectivity=8)
    if count <= 1:
        return mask
    outside = cv2.dilate((~mask).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    result = mask.copy()
    for index in range(1, count):
        if stats[index, cv2.CC_STAT_AREA] < 0.01 * area:
            continue
        region = labels == index
        if (region & outside).any():
            result[region] = False
    return result


def enclosed_regions(
    free: np.ndarray, *, pad: int = 0
) -> Iterator[tuple[tuple[slice, slice], np.ndarray, int]]:
    """Each 4-connected region of ``free`` that does not reach the frame's edge (a hole in what
    surrounds it), as ``(window, region, area)``: the window is a pair of slices round the
    region, ``pad`` pixels wider each side, and the region a bool array over the window."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        free.astype(np.uint8), connectivity=4
    )
    height, width = free.shape
    for index in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[index])
        if x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue  # the outside, and whatever joins it
        window = (slice(max(0, y - pad), y + h + pad), slice(max(0, x - pad), x + w + pad))
        yield window, labels[window] == index, area


def open_backdrop_holes(
    mask: np.ndarray, backdrop_coloured: np.ndarray, smooth: np.ndarray | None = None
) -> np.ndarray:
    """Open the holes a coarse mask filled over: enclosed regions of the backdrop's colour
    (the inside of a rope's loops and the shadows between its strands, between a stool's legs)
    that are as smooth as a backdrop, judged region by region. The outline is left alone."""
    smooth = backdrop_coloured if smooth is None else smooth
    carved = mask & ~backdrop_coloured
    result = mask.copy()
    for window, region, area in enclosed_regions(~carved):
        if area < 4 or backdrop_coloured[window][region].mean() <= 0.6:
            continue
        # Judge smoothness away from the region's own rim (the product's edge is there).
        core = cv2.erode(region.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        judged = core if core.sum() >= 4 else region
        if smooth[window][judged].mean() > 0.8:
            result[window][region] = False
    return result
