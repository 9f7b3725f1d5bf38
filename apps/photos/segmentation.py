"""Offline background removal for product shots.

Product photos are mostly one subject on a backdrop that reaches the frame's edges. So:

1. On a small proxy (long side :data:`PROXY_LONG_SIDE`), the backdrop's colours are learned
   from the border (k-means in CIELAB; clusters the product covers are small and dropped).
2. Each pixel's distance from the nearest backdrop colour, mixed with a spectral-residual
   saliency map and a weak centre prior, seeds OpenCV's GrabCut: the border is background,
   clearly distinct pixels are probable foreground, the rest probable background.
3. GrabCut's mask is cleaned (small islands dropped, holes filled).
4. :func:`refine_alpha` upsamples it to the working resolution with a guided filter that
   follows the photo's own edges, then tightens it into a clean alpha edge.

Pure functions of their inputs; no model, no network.
"""

from __future__ import annotations

import cv2
import numpy as np

from apps.photos import colour

PROXY_LONG_SIDE = 224
GRABCUT_ITERATIONS = 3


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


def _border_mask(height: int, width: int, thickness: int) -> np.ndarray:
    mask = np.zeros((height, width), dtype=bool)
    mask[:thickness, :] = True
    mask[-thickness:, :] = True
    mask[:, :thickness] = True
    mask[:, -thickness:] = True
    return mask


def _backdrop_distance(lab: np.ndarray, border: np.ndarray) -> np.ndarray:
    """ΔE of every pixel from the nearest of the border's main colours."""
    samples = lab[border].reshape(-1, 3).astype(np.float32)
    k = 4 if len(samples) >= 16 else 1
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 12, 1.0)
    _, labels, centres = cv2.kmeans(samples, k, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=k)
    # A cluster with few border pixels is most likely the product touching the edge.
    keep = centres[counts >= max(1, 0.12 * len(samples))]
    if len(keep) == 0:
        keep = centres[[int(np.argmax(counts))]]
    flat = lab.reshape(-1, 3)
    distance = np.full(flat.shape[0], np.inf, dtype=np.float32)
    for centre in keep:
        distance = np.minimum(distance, np.sqrt(((flat - centre) ** 2).sum(axis=1)))
    return distance.reshape(lab.shape[:2])


def _saliency(rgb: np.ndarray) -> np.ndarray:
    """Spectral-residual saliency (Hou & Zhang 2007), in [0, 1], at rgb's size."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(gray, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32)
    spectrum = np.fft.fft2(small)
    log_amplitude = np.log(np.abs(spectrum) + 1e-6)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    phase = np.angle(spectrum)
    saliency = np.abs(np.fft.ifft2(np.exp(residual + 1j * phase))) ** 2
    saliency = cv2.GaussianBlur(saliency.astype(np.float32), (0, 0), 2.5)
    saliency = cv2.resize(saliency, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
    low, high = float(saliency.min()), float(saliency.max())
    return (saliency - low) / (high - low) if high > low else np.zeros_like(saliency)


def _clean(mask: np.ndarray) -> np.ndarray:
    """Drop specks and small islands, fill holes: a product is one or a few solid shapes."""
    mask = mask.astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask.astype(bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = int(areas.max())
    keep = np.zeros(count, dtype=bool)
    keep[1:] = areas >= max(0.08 * largest, 0.002 * mask.size)
    mask = keep[labels]
    # Holes: background pixels not connected to the image border.
    inverse = (~mask).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(inverse, connectivity=4)
    height, width = mask.shape
    for index in range(1, count):
        x, y, w, h = stats[index, :4]
        touches = x == 0 or y == 0 or x + w >= width or y + h >= height
        if not touches and stats[index, cv2.CC_STAT_AREA] < 0.25 * mask.size:
            mask[labels == index] = True
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
    thickness = max(2, round(0.03 * min(height, width)))
    border = _border_mask(height, width, thickness)
    distance = _backdrop_distance(lab, border)
    saliency = _saliency(small)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    centre = 1.0 - np.clip(
        np.sqrt(((xx / width - 0.5) / 0.6) ** 2 + ((yy / height - 0.5) / 0.6) ** 2), 0, 1
    )
    # Distance from the backdrop, in ΔE, dominates; saliency and the centre break ties.
    score = np.clip(distance / 25.0, 0, 2) + 0.35 * saliency + 0.25 * centre
    threshold = float(np.clip(np.percentile(score, 50) + 0.1, 0.45, 1.0))
    strong = float(max(threshold * 1.6, 1.0))

    grabcut = np.full((height, width), cv2.GC_PR_BGD, dtype=np.uint8)
    grabcut[score >= threshold] = cv2.GC_PR_FGD
    grabcut[(score >= strong) & ~border] = cv2.GC_FGD
    # The border is backdrop, except where the product clearly runs off the frame.
    grabcut[border & (distance < 18.0)] = cv2.GC_BGD
    seeded = (grabcut == cv2.GC_FGD) | (grabcut == cv2.GC_PR_FGD)
    if seeded.sum() < 0.002 * grabcut.size or (grabcut == cv2.GC_BGD).sum() == 0:
        return _clean(score >= threshold)
    image8 = np.clip(small * 255.0 + 0.5, 0, 255).astype(np.uint8)
    image8 = cv2.cvtColor(image8, cv2.COLOR_RGB2BGR)
    # GrabCut's cost grows with its pixels: run it on the seeds' neighbourhood only (the rest
    # stays probable background), with enough margin to learn the backdrop's colours.
    ys, xs = np.nonzero(seeded)
    margin = max(4, round(0.12 * max(height, width)))
    top, bottom = max(0, ys.min() - margin), min(height, ys.max() + 1 + margin)
    left, right = max(0, xs.min() - margin), min(width, xs.max() + 1 + margin)
    region = np.ascontiguousarray(grabcut[top:bottom, left:right])
    if not ((region == cv2.GC_BGD) | (region == cv2.GC_PR_BGD)).any():
        return _clean(score >= threshold)
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
        return _clean(score >= threshold)
    grabcut[top:bottom, left:right] = region
    mask = (grabcut == cv2.GC_FGD) | (grabcut == cv2.GC_PR_FGD)
    mask = _clean(mask)
    if mask.sum() < 0.001 * mask.size:
        mask = _clean(score >= threshold)
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


def refine_alpha(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A clean alpha (float32 0–1) at rgb's size from a coarse mask of any size."""
    height, width = rgb.shape[:2]
    coarse = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    gray = cv2.cvtColor(_as_float(rgb), cv2.COLOR_RGB2GRAY)
    radius = max(2, round(max(height, width) / 250))
    alpha = guided_filter(gray, coarse, radius, 1e-3)
    # Tighten: the filter's soft ramp becomes an edge a couple of pixels wide.
    alpha = (alpha - 0.5) * 2.2 + 0.5
    return np.clip(alpha, 0.0, 1.0, out=alpha).astype(np.float32)


def mask_from_cutout(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The alpha of an image a model returned (or its difference from white), at ``size``."""
    width, height = size
    if pixels.ndim == 3 and pixels.shape[2] == 4 and int(pixels[..., 3].min()) < 250:
        alpha = pixels[..., 3].astype(np.float32) / 255.0
    else:
        rgb = pixels[..., :3].astype(np.float32)
        alpha = (np.abs(rgb - 255.0).max(axis=2) > 12).astype(np.float32)
    return cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR)
