"""Offline background removal for product shots.

Product photos are mostly one subject on a backdrop that reaches the frame's edges. So, on a
small proxy (long side :data:`PROXY_LONG_SIDE`):

1. **The backdrop is modelled from the frame's border**, two ways: a smooth surface (a
   quadratic in x and y per CIELAB channel, fitted robustly: a plain or graded studio sweep)
   and a set of colour clusters (k-means; a textured floor, fabric, wood). A pixel is
   backdrop-like when either model explains it; a shadow (darker, same hue) counts as backdrop.
2. Pixels the backdrop cannot explain seed OpenCV's GrabCut, which learns both sides' colours
   and follows edges; border pixels that match the backdrop are certain background.
3. The mask is cleaned: specks dropped, every sizeable part kept (a bike is one product even
   when its wheels touch the frame apart), and an enclosed hole filled **only when it does not
   look like the backdrop** (the blue between a stool's legs stays blue; a white label on a
   dark box is kept).
4. :func:`refine_alpha` brings the mask to the working resolution and mattes its edge
   (closed-form matting, :mod:`apps.imaging.matting`): fine edges, no backdrop fringe.

Pure functions of their inputs; no model, no network. An operator may instead supply an ONNX
salient-object model (:mod:`apps.imaging.onnx_segmenter`).
"""

from __future__ import annotations

import hashlib

import cv2
import numpy as np

from apps.imaging import colour, matting

PROXY_LONG_SIDE = 320
GRABCUT_ITERATIONS = 4
MATTING_LONG_SIDE = 1024  # the edge is matted on a copy at most this size, then upsampled


def proxy(rgb: np.ndarray, long_side: int = PROXY_LONG_SIDE) -> np.ndarray:
    """A small copy (uint8 or float) for estimating things cheaply."""
    height, width = rgb.shape[:2]
    scale = long_side / max(height, width)
    if scale >= 1:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _as_float(rgb: np.ndarray) -> np.ndarray:
    if rgb.dtype == np.uint8:
        return rgb[..., :3].astype(np.float32) / 255.0
    return np.ascontiguousarray(rgb[..., :3], dtype=np.float32)


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
    _, labels, centres = cv2.kmeans(samples, k, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=k)
    keep = centres[counts >= max(1, 0.02 * len(samples))]
    return keep if len(keep) else centres[[int(np.argmax(counts))]]


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
        distance = np.minimum(distance, _distance_to(channels, linear, centre))
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
    }
    return distance, edge_term, facts


def distance_threshold(facts: dict) -> float:
    """What counts as "unlike the backdrop" grows with how much the backdrop itself varies."""
    return float(np.clip(1.6 * facts["border_p98"] + 4.0, 9.0, 40.0))


def recover_detail(rgb: np.ndarray, mask: np.ndarray, long_side: int = 560) -> np.ndarray:
    """The proxy mask at up to ``long_side`` pixels, with the thin parts a proxy loses (laces,
    cords, a rope's loops) added back: pixels clearly unlike the backdrop that connect to the
    found subject."""
    medium = _as_float(proxy(rgb, long_side))
    height, width = medium.shape[:2]
    coarse = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    coarse = coarse > 0.5
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


def open_backdrop_holes(
    mask: np.ndarray, backdrop_coloured: np.ndarray, smooth: np.ndarray | None = None
) -> np.ndarray:
    """Open the holes a coarse mask filled over: enclosed regions of the backdrop's colour
    (the inside of a rope's loops and the shadows between its strands, between a stool's legs)
    that are as smooth as a backdrop, judged region by region. The outline is left alone."""
    smooth = backdrop_coloured if smooth is None else smooth
    carved = mask & ~backdrop_coloured
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        (~carved).astype(np.uint8), connectivity=4
    )
    height, width = mask.shape
    result = mask.copy()
    for index in range(1, count):
        x, y, w, h = stats[index, :4]
        if x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue  # the outside, and whatever joins it: the outline stays as found
        if stats[index, cv2.CC_STAT_AREA] < 4:
            continue
        region = labels[y : y + h, x : x + w] == index
        if backdrop_coloured[y : y + h, x : x + w][region].mean() <= 0.6:
            continue
        # Judge smoothness away from the region's own rim (the product's edge is there).
        core = cv2.erode(region.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        judged = core if core.sum() >= 4 else region
        if smooth[y : y + h, x : x + w][judged].mean() > 0.8:
            result[y : y + h, x : x + w][region] = False
    return result


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
    small = _as_float(proxy(rgb))
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
    image8 = np.clip(small * 255.0 + 0.5, 0, 255).astype(np.uint8)
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
            None,
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


def _box(image: np.ndarray, radius: int) -> np.ndarray:
    return cv2.boxFilter(image, -1, (2 * radius + 1, 2 * radius + 1), normalize=True)


def guided_filter(
    guide: np.ndarray, source: np.ndarray, radius: int, eps: float, subsample: int = 2
) -> np.ndarray:
    """Fast guided filter (He & Sun 2015) with a grey guide: edge-aware smoothing of source."""
    height, width = guide.shape
    if subsample > 1:
        size = (max(1, width // subsample), max(1, height // subsample))
        guide_s = cv2.resize(guide, size, interpolation=cv2.INTER_AREA)
        source_s = cv2.resize(source, size, interpolation=cv2.INTER_AREA)
        radius_s = max(1, radius // subsample)
    else:
        guide_s, source_s, radius_s = guide, source, radius
    mean_i = _box(guide_s, radius_s)
    mean_p = _box(source_s, radius_s)
    cov_ip = _box(guide_s * source_s, radius_s) - mean_i * mean_p
    var_i = _box(guide_s * guide_s, radius_s) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    mean_a = _box(a, radius_s)
    mean_b = _box(b, radius_s)
    if subsample > 1:
        mean_a = cv2.resize(mean_a, (width, height), interpolation=cv2.INTER_LINEAR)
        mean_b = cv2.resize(mean_b, (width, height), interpolation=cv2.INTER_LINEAR)
    return mean_a * guide + mean_b


def _guided_alpha(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mask brought to rgb's size along the photo's own edges (a guided filter)."""
    height, width = rgb.shape[:2]
    coarse = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    gray = cv2.cvtColor(_as_float(rgb), cv2.COLOR_RGB2GRAY)
    radius = max(2, round(max(height, width) / 250))
    alpha = guided_filter(gray, coarse, radius, 1e-3)
    alpha = (alpha - 0.5) * 2.2 + 0.5
    return np.clip(alpha, 0.0, 1.0, out=alpha).astype(np.float32)


def refine_alpha(rgb: np.ndarray, mask: np.ndarray, *, matte: bool = True) -> np.ndarray:
    """A clean alpha (float32 0–1) at rgb's size from a coarse mask of any size.

    The mask is first brought up along the photo's edges (guided filter), then its edge is
    matted (:mod:`apps.imaging.matting`) on a copy at most :data:`MATTING_LONG_SIDE` pixels
    long, in a band as wide as the coarse mask's pixels are uncertain.
    """
    height, width = rgb.shape[:2]
    if not matte or not np.asarray(mask).any():
        return _guided_alpha(rgb, mask)
    scale = min(1.0, MATTING_LONG_SIDE / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = _as_float(rgb)
    work = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if scale < 1 else image
    guided = _guided_alpha(work, mask)
    # One pixel of the coarse mask spans this many working pixels: the band must cover it.
    coarse_pixel = max(size) / max(mask.shape)
    band = int(np.clip(round(0.8 * coarse_pixel), 2, 12))
    alpha = matting.refine(work, guided > 0.5, band=band, guess=guided)
    if scale < 1:
        alpha = cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR)
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        alpha = guided_filter(gray, alpha, 2, 1e-4, subsample=1)
    return np.clip(alpha, 0.0, 1.0).astype(np.float32)


def mask_from_cutout(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The alpha of an image a model returned (or its difference from white), at ``size``."""
    width, height = size
    if pixels.ndim == 3 and pixels.shape[2] == 4 and int(pixels[..., 3].min()) < 250:
        alpha = pixels[..., 3].astype(np.float32) / 255.0
    else:
        rgb = pixels[..., :3].astype(np.float32)
        alpha = (np.abs(rgb - 255.0).max(axis=2) > 12).astype(np.float32)
    return cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR)
