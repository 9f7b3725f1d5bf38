"""How the ground-truth masks beside this script were made (run once, by hand; checked by eye).

    .venv/bin/python bench/cutout_truth/make_masks.py ../shared/data/photos [--sheet OUT.png]

Each photo listed in ``PHOTOS`` was shot on a plain backdrop. Its backdrop is modelled as a
smooth surface (a quadratic in x and y per CIELAB channel, fitted robustly to the frame's
border), every pixel's ΔE*ab from that surface is thresholded at a value chosen per photo
while looking at the result (or, where the product's colour differs from the backdrop's, its
a*b* distance from the backdrop's hue in shade), shadows are told apart by their hue, enclosed
regions that match the backdrop stay background (the inside of a stool's legs), then
per-photo corrections (rectangles to add or remove) are applied and the edge is matted. The
result was looked at, photo by photo, on the sheet this script draws; the PNGs are the
ground truth of ``bench/photo_cutout.py``. This is not the studio's segmenter: it is told
the threshold, the corrections and which regions are shadow for each photo.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from apps.imaging import colour, files, matting  # noqa: E402

HERE = Path(__file__).resolve().parent
LONG_SIDE = 1200

# file → settings: threshold (ΔE from the backdrop surface), shadow (ignore darkening with
# unchanged chroma), add/remove: rectangles as fractions (left, top, right, bottom).
PHOTOS: dict[str, dict] = {
    "vendure_mock_data/alexander-andrews-260988-unsplash.jpg": {
        "threshold": 16,
        "shadow": True,
        "hull": True,
    },
    "vendure_mock_data/imani-clovis-234736-unsplash.jpg": {"threshold": 12},
    "vendure_mock_data/jonathan-talbert-697262-unsplash.jpg": {"threshold": 12},
    "vendure_mock_data/nikolai-chernichenko-1299748-unsplash.jpg": {"threshold": 12},
    "vendure_mock_data/oscar-ivan-esquivel-arteaga-687447-unsplash.jpg": {
        "threshold": 12,
        "shadow": True,
        "hull": True,
    },
    "vendure_mock_data/vincent-botta-736919-unsplash.jpg": {
        "threshold": 12,
        "shadow": True,
        "hull": True,
    },
    # A pale stool on blue, and an orange rope on purple: told apart by colour alone (a*b*), so
    # the backdrop's shadows (the rope's under its loops, the stool's on the floor) stay out;
    # the backdrop between the stool's legs and inside the rope's loops is not filled in.
    "vendure_mock_data/ruslan-bardash-351288-unsplash.jpg": {
        "threshold": 6.5,
        "chroma": True,
        "fill_below": 30,
    },
    "vendure_mock_data/stoica-ionela-530966-unsplash.jpg": {
        "threshold": 25,
        "chroma": True,
        "shadow_floor": 0.3,
        "fill_below": 30,
    },
    "vendure_mock_data/charles-deluvio-695736-unsplash.jpg": {"threshold": 14, "shadow": True},
    "vendure_mock_data/pierre-chatel-innocenti-483198-unsplash.jpg": {"threshold": 16},
}


def backdrop_surface(lab: np.ndarray, border: np.ndarray) -> np.ndarray:
    """A quadratic surface per Lab channel fitted to the border pixels (outliers dropped)."""
    height, width = lab.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    x, y = xx / width - 0.5, yy / height - 0.5
    basis = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1)
    rows = basis[border]
    values = lab[border].astype(np.float64)
    keep = np.ones(len(rows), bool)
    for _ in range(4):
        coefficients, *_ = np.linalg.lstsq(rows[keep], values[keep], rcond=None)
        residual = np.sqrt(((rows @ coefficients - values) ** 2).sum(axis=1))
        limit = max(3.0, 2.5 * float(np.median(residual[keep])) * 1.4826)
        keep = residual < limit
    return (basis.reshape(-1, 6) @ coefficients).reshape(height, width, 3).astype(np.float32)


def derive(pixels: np.ndarray, settings: dict) -> np.ndarray:
    rgb = pixels.astype(np.float32) / 255.0
    lab = colour.to_lab(rgb)
    height, width = lab.shape[:2]
    ring = max(4, round(0.02 * min(height, width)))
    border = np.zeros((height, width), bool)
    border[:ring], border[-ring:], border[:, :ring], border[:, -ring:] = True, True, True, True
    surface = backdrop_surface(lab, border)
    difference = lab - surface
    plain_distance = np.sqrt((difference**2).sum(axis=-1))
    if settings.get("chroma"):
        return _derive_by_chroma(rgb, lab, surface, settings)
    if settings.get("shadow"):
        # A shadow darkens without changing the hue much: weigh lightness loss down.
        lightness = difference[..., 0]
        difference[..., 0] = np.where(lightness < 0, lightness * 0.25, lightness)
    distance = np.sqrt((difference**2).sum(axis=-1))
    distance = cv2.GaussianBlur(distance, (0, 0), 1.0)
    mask = (distance > settings["threshold"]).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count > 1:
        areas = stats[1:, cv2.CC_STAT_AREA]
        keep = np.zeros(count, bool)
        keep[1:] = areas >= settings.get("min_share", 0.02) * areas.max()
        mask = keep[labels].astype(np.uint8)
    if settings.get("hull"):
        points = cv2.findNonZero(mask)
        mask = cv2.fillConvexPoly(np.zeros_like(mask), cv2.convexHull(points), 1)
    # Fill enclosed regions that do not look like the backdrop.
    inverse = (1 - mask).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(inverse, connectivity=4)
    for index in range(1, count):
        x, y, w, h = stats[index, :4]
        if x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue
        region = labels == index
        if float(np.median(plain_distance[region])) > settings["threshold"] * 0.5:
            mask[region] = 1
    for key, value in (("add", 1), ("remove", 0)):
        for left, top, right, bottom in settings.get(key, []):
            box = (slice(round(top * height), round(bottom * height)),
                   slice(round(left * width), round(right * width)))  # fmt: skip
            mask[box] = value
    return matting.refine(rgb, mask.astype(bool), band=2)


def _derive_by_chroma(
    rgb: np.ndarray, lab: np.ndarray, surface: np.ndarray, settings: dict
) -> np.ndarray:
    """Product where the colour (a*, b*) is off the backdrop's, or lighter than it.

    A shadow keeps the backdrop's hue and loses chroma as it darkens: a pixel is compared with
    the backdrop's a*b* scaled by t in [``shadow_floor``, 1.15] (its best t), so a shadow is
    backdrop while an orange rope on purple, or a pale stool on blue, is not.
    """
    backdrop_ab, pixel_ab = surface[..., 1:], lab[..., 1:]
    t = (pixel_ab * backdrop_ab).sum(-1) / np.maximum((backdrop_ab * backdrop_ab).sum(-1), 1e-6)
    t = np.clip(t, settings.get("shadow_floor", 1.0), 1.15)
    off_hue = np.sqrt(((pixel_ab - t[..., None] * backdrop_ab) ** 2).sum(-1))
    lighter = np.maximum(lab[..., 0] - surface[..., 0], 0) * settings["threshold"] / 8.0
    distance = cv2.GaussianBlur(np.maximum(off_hue, lighter), (0, 0), 1.0)
    mask = (distance > settings["threshold"]).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count > 1:
        areas = stats[1:, cv2.CC_STAT_AREA]
        keep = np.zeros(count, bool)
        keep[1:] = areas >= 0.02 * areas.max()
        mask = keep[labels].astype(np.uint8)
    # Only specks of noise are filled: every real hole shows the backdrop.
    height, width = mask.shape
    count, labels, stats, _ = cv2.connectedComponentsWithStats(1 - mask, connectivity=4)
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        if x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue
        if area < settings.get("fill_below", 30):
            mask[labels == index] = 1
    return matting.refine(rgb, mask.astype(bool), band=2)


def main(folder: Path, sheet: Path | None) -> None:
    tiles = []
    for name, settings in PHOTOS.items():
        pixels = files.decode((folder / name).read_bytes(), max_long_side=LONG_SIDE)[..., :3]
        alpha = derive(pixels, settings)
        out = HERE / (Path(name).stem + ".png")
        Image.fromarray(np.round(alpha * 255).astype(np.uint8)).save(out, optimize=True)
        print(f"{out.name}: {pixels.shape[1]}×{pixels.shape[0]}, subject {alpha.mean():.1%}")
        if sheet:
            tiles.append(overlay(pixels, alpha))
    if sheet:
        contact_sheet(tiles, sheet)


def overlay(pixels: np.ndarray, alpha: np.ndarray, size: int = 420) -> np.ndarray:
    """The cut-out on magenta beside the photo with the mask's outline in green."""
    scale = size / max(pixels.shape[:2])
    dims = (round(pixels.shape[1] * scale), round(pixels.shape[0] * scale))
    small = cv2.resize(pixels, dims, interpolation=cv2.INTER_AREA).astype(np.float32)
    a = cv2.resize(alpha, dims, interpolation=cv2.INTER_AREA)[..., None]
    cut = small * a + np.array([255, 0, 255], np.float32) * (1 - a)
    outline = small.copy()
    edge = cv2.morphologyEx((a[..., 0] > 0.5).astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3)))
    outline[edge > 0] = (0, 255, 0)
    tile = np.full((size, 2 * size + 8, 3), 255, np.uint8)
    tile[: dims[1], : dims[0]] = outline.astype(np.uint8)
    tile[: dims[1], size + 8 : size + 8 + dims[0]] = np.clip(cut, 0, 255).astype(np.uint8)
    return tile


def contact_sheet(tiles: list[np.ndarray], path: Path, columns: int = 2) -> None:
    height, width = tiles[0].shape[:2]
    rows = (len(tiles) + columns - 1) // columns
    sheet = np.full((rows * (height + 8), columns * (width + 8), 3), 255, np.uint8)
    for index, tile in enumerate(tiles):
        y, x = (index // columns) * (height + 8), (index % columns) * (width + 8)
        sheet[y : y + height, x : x + width] = tile
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sheet).save(path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", type=Path)
    parser.add_argument("--sheet", type=Path)
    arguments = parser.parse_args()
    main(arguments.photos, arguments.sheet)
