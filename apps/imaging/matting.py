"""Closed-form alpha matting (Levin, Lischinski & Weiss 2008) on the unknown band of a trimap.

A cut-out's edge is where hair, laces, fabric fuzz and anti-aliasing live: a hard mask there
leaves a stair-stepped outline with a fringe of the old backdrop. Closed-form matting solves
for the alpha that is locally a linear function of the colour (in every 3×3 window), which
follows the photo's own edges to a fraction of a pixel.

Only the unknown band is solved: the matting Laplacian is built for the windows that touch an
unknown pixel, and the known pixels (sure foreground, sure background) enter as boundary
values, so the linear system has one row per band pixel rather than one per image pixel. That
keeps a 1-megapixel edge solve in the tenths of a second with numpy and scipy alone.

(``pymatting`` implements the same Laplacian with numba; its just-in-time compilation costs
about 40 seconds on the first import in every fresh environment, on every web and worker
process start where the cache is not writable, so the band solve is written out here.)
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import cg

from apps.imaging import colour

EPSILON = 1e-5  # the regulariser of the closed-form solution (favours smooth alpha)
MAX_UNKNOWN = 400_000  # beyond this the band is solved at a reduced size


def trimap_from_mask(mask: np.ndarray, band: int) -> np.ndarray:
    """0 (background), 1 (foreground) and 0.5 (unknown) in a band ``band`` pixels each side of
    the mask's edge."""
    mask8 = (np.asarray(mask) > 0.5).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    sure_fg = cv2.erode(mask8, kernel)
    maybe = cv2.dilate(mask8, kernel)
    trimap = np.full(mask8.shape, 0.5, np.float32)
    trimap[maybe == 0] = 0.0
    trimap[sure_fg == 1] = 1.0
    return trimap


def solve(
    image: np.ndarray,
    trimap: np.ndarray,
    epsilon: float = EPSILON,
    guess: np.ndarray | None = None,
) -> np.ndarray:
    """Alpha (float32 0–1) for ``image`` (float 0–1, HxWx3) given a trimap (0, 1, else unknown).

    Pixels the trimap fixes keep their value; unknown pixels are solved, starting from
    ``guess`` (an alpha of the same size) when given.
    """
    image = np.ascontiguousarray(image[..., :3], dtype=np.float64)
    height, width = trimap.shape
    known_fg = trimap >= 0.99
    known_bg = trimap <= 0.01
    unknown = ~(known_fg | known_bg)
    alpha = known_fg.astype(np.float32)
    if not unknown.any():
        return alpha
    # Windows (3×3, by their centre) that contain an unknown pixel; centres on the frame's edge
    # are skipped (their window would leave the image).
    near = cv2.dilate(unknown.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    near[0, :] = near[-1, :] = near[:, 0] = near[:, -1] = False
    cy, cx = np.nonzero(near)
    if cy.size == 0:
        return alpha
    offsets = np.array([(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    ys = cy[:, None] + offsets[None, :, 0]  # (windows, 9)
    xs = cx[:, None] + offsets[None, :, 1]
    colours = image[ys, xs]  # (windows, 9, 3)
    mean = colours.mean(axis=1, keepdims=True)
    centred = colours - mean
    covariance = np.einsum("wki,wkj->wij", centred, centred) / 9.0
    covariance += (epsilon / 9.0) * np.eye(3)[None]
    inverse = np.linalg.inv(covariance)
    # L_ij = Σ_windows [δ_ij − (1 + (I_i − μ)ᵀ (Σ + ε/9·I)⁻¹ (I_j − μ)) / 9]
    weights = (1.0 + np.einsum("wki,wij,wlj->wkl", centred, inverse, centred)) / 9.0
    index = (ys * width + xs).astype(np.int64)  # (windows, 9)
    rows = np.repeat(index, 9, axis=1).ravel()
    cols = np.tile(index, (1, 9)).ravel()
    values = (np.eye(9)[None] - weights).ravel()
    # Keep only the rows of unknown pixels: L_uu α_u = −L_uk α_k.
    flat_unknown = unknown.ravel()
    keep = flat_unknown[rows]
    rows, cols, values = rows[keep], cols[keep], values[keep]
    unknown_ids = np.flatnonzero(flat_unknown)
    position = np.full(height * width, -1, np.int64)
    position[unknown_ids] = np.arange(unknown_ids.size)
    col_unknown = flat_unknown[cols]
    count = unknown_ids.size
    laplacian_uu = coo_matrix(
        (values[col_unknown], (position[rows[col_unknown]], position[cols[col_unknown]])),
        shape=(count, count),
    ).tocsr()
    known_alpha = known_fg.ravel().astype(np.float64)
    rhs = -np.bincount(
        position[rows[~col_unknown]],
        weights=values[~col_unknown] * known_alpha[cols[~col_unknown]],
        minlength=count,
    )
    diagonal = laplacian_uu.diagonal()
    # Unknown pixels whose windows were all skipped (on the frame's edge) have an empty row:
    # pin them to 0.5 so the system stays solvable, then take the starting guess there.
    empty = diagonal <= 1e-12
    if empty.any():
        laplacian_uu = laplacian_uu + coo_matrix(
            (empty.astype(np.float64), (np.arange(count), np.arange(count))), shape=(count, count)
        )
        rhs[empty] += 0.5
        diagonal = laplacian_uu.diagonal()
    start = trimap if guess is None else guess
    start = np.clip(start.ravel()[unknown_ids].astype(np.float64), 0.0, 1.0)
    preconditioner = _jacobi(diagonal)
    solution, _ = cg(laplacian_uu, rhs, x0=start, rtol=1e-4, maxiter=300, M=preconditioner)
    flat = alpha.ravel()
    flat[unknown_ids] = np.clip(solution, 0.0, 1.0)
    return flat.reshape(height, width)


def _jacobi(diagonal: np.ndarray):
    from scipy.sparse.linalg import LinearOperator

    inverse = 1.0 / np.maximum(diagonal, 1e-12)
    return LinearOperator(
        (diagonal.size, diagonal.size), matvec=lambda v: inverse * v, dtype=np.float64
    )


def refine(
    image: np.ndarray, mask: np.ndarray, band: int = 3, guess: np.ndarray | None = None
) -> np.ndarray:
    """A matted alpha at ``image``'s size from a mask of the same size (bool or 0–1).

    The unknown band is ``band`` pixels each side of the mask's edge; where it would be too
    large to solve quickly, it is solved on a reduced copy and the result scaled back.
    """
    height, width = mask.shape
    trimap = trimap_from_mask(mask, band)
    if guess is not None:
        # Where the starting alpha is already certain, well inside the band's reach of any
        # doubt, it is kept: only the neighbourhood of its soft edge is solved.
        soft = ((guess > 0.02) & (guess < 0.98)).astype(np.uint8)
        near_soft = cv2.dilate(soft, np.ones((5, 5), np.uint8)).astype(bool)
        band_only = (trimap > 0.01) & (trimap < 0.99)
        settle = band_only & ~near_soft
        trimap[settle] = (guess[settle] >= 0.5).astype(np.float32)
    unknown = int(((trimap > 0.01) & (trimap < 0.99)).sum())
    if unknown <= MAX_UNKNOWN:
        return solve(image, trimap, guess=guess)
    factor = float(np.sqrt(unknown / MAX_UNKNOWN))
    size = (max(1, round(width / factor)), max(1, round(height / factor)))
    small_image = cv2.resize(image.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    small_mask = cv2.resize(np.asarray(mask, np.float32), size, interpolation=cv2.INTER_AREA)
    small_alpha = solve(small_image, trimap_from_mask(small_mask, band))
    alpha = cv2.resize(small_alpha, (width, height), interpolation=cv2.INTER_LINEAR)
    # Outside the band the mask is sure: keep it exact.
    alpha[trimap >= 0.99] = 1.0
    alpha[trimap <= 0.01] = 0.0
    return alpha


def decontaminate(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The subject's own colour at its soft edge, without the old backdrop mixed in.

    A pixel at the edge is ``α·F + (1 − α)·B``; with B taken as the nearby backdrop (a
    blur of the pixels outside the subject), F is solved for. Without this a white backdrop
    leaves a pale fringe round a dark product placed on a new background.
    """
    edge = (alpha > 0.02) & (alpha < 0.98)
    if not edge.any():
        return image
    # The nearby backdrop is smooth: estimate it on a copy a quarter the size.
    height, width = alpha.shape
    factor = 4 if min(height, width) >= 64 else 1
    size = (max(1, width // factor), max(1, height // factor))
    small_image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    outside = (cv2.resize(alpha, size, interpolation=cv2.INTER_AREA) <= 0.02).astype(np.float32)
    sigma = max(1.0, max(size) / 300)
    weight = cv2.GaussianBlur(outside, (0, 0), sigma)
    backdrop: np.ndarray = cv2.GaussianBlur(small_image * outside[..., None], (0, 0), sigma)
    backdrop /= np.maximum(weight, 1e-4)[..., None]
    ys, xs = np.nonzero(edge)
    # Sample the small estimates at the edge pixels (nearest: the estimate is smooth).
    sy = np.minimum(ys // factor, size[1] - 1)
    sx = np.minimum(xs // factor, size[0] - 1)
    local_backdrop = backdrop[sy, sx]
    trusted = (weight[sy, sx] > 0.05)[:, None]
    out = image.copy()
    observed = image[ys, xs]
    a = np.maximum(alpha[ys, xs], 0.15)[:, None]
    solved = (observed - (1.0 - a) * local_backdrop) / a
    # Where no backdrop was near enough to judge, keep the pixel as it is.
    out[ys, xs] = np.where(trusted, np.clip(solved, 0.0, 1.0), observed)
    return out


# --- A coarse mask to a clean alpha ------------------------------------------------------------

MATTING_LONG_SIDE = 1024  # the edge is matted on a copy at most this size, then upsampled


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
    gray = cv2.cvtColor(colour.as_float(rgb), cv2.COLOR_RGB2GRAY)
    radius = max(2, round(max(height, width) / 250))
    alpha = guided_filter(gray, coarse, radius, 1e-3)
    alpha = (alpha - 0.5) * 2.2 + 0.5
    return np.clip(alpha, 0.0, 1.0, out=alpha).astype(np.float32)


def refine_alpha(rgb: np.ndarray, mask: np.ndarray, *, matte: bool = True) -> np.ndarray:
    """A clean alpha (float32 0–1) at rgb's size from a coarse mask of any size.

    The mask is first brought up along the photo's edges (guided filter), then its edge is
    matted (:func:`refine`) on a copy at most :data:`MATTING_LONG_SIDE` pixels
    long, in a band as wide as the coarse mask's pixels are uncertain.
    """
    height, width = rgb.shape[:2]
    if not matte or not np.asarray(mask).any():
        return _guided_alpha(rgb, mask)
    scale = min(1.0, MATTING_LONG_SIDE / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = colour.as_float(rgb)
    work = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if scale < 1 else image
    guided = _guided_alpha(work, mask)
    # One pixel of the coarse mask spans this many working pixels: the band must cover it.
    coarse_pixel = max(size) / max(mask.shape)
    band = int(np.clip(round(0.8 * coarse_pixel), 2, 12))
    alpha = refine(work, guided > 0.5, band=band, guess=guided)
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
