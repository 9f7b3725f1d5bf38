"""Cut-out quality against ground truth: the offline background removal on composites whose
true mask is known, and whether the cut-out confidence flags the bad ones.

    .venv/bin/python bench/photo_cutout.py ../shared/data/photos [--quick]

1. Ground truth: the products of the photos in ``bench/cutout_truth/`` (shot on plain
   backdrops; each mask was derived by ``bench/cutout_truth/make_masks.py`` with settings
   chosen per photo, and checked by eye).
2. Each product is composited onto varied backgrounds (flat colours, gradients, a studio
   sweep, fabric and paper textures, wood planks, tiles, a wall-and-floor scene, a busy
   blurred "lifestyle" backdrop, reported apart: the issue's set is colours, gradients,
   textures and floors), with and without a shadow, at three scales, at a random spot (seeded:
   every run builds the same set).
3. The studio's own ``remove_background`` step (offline segmenter, matting, confidence) cuts
   each composite out; the alpha is scored against the known mask: IoU (alpha ≥ 0.5) and the
   boundary F-measure (outline pixels within 2 px, or 0.4% of the diagonal).
4. The real photos themselves are cut out too and drawn on a contact sheet with their
   confidence (``bench/out/photo_cutout_real.png``); the composites' worst cases go on
   ``bench/out/photo_cutout_composites.png``. Look at both.

Needs no database. Last line:
``iou_mean=<x> iou_p10=<x> boundary_f=<x> flagged_bad=<share of cut-outs with IoU < 0.9 that
the confidence flags>``.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.imaging import confidence, files  # noqa: E402
from apps.photos import pipeline  # noqa: E402

TRUTH = ROOT / "bench" / "cutout_truth"
OUT = ROOT / "bench" / "out"
FRAME = (1200, 960)  # width, height of a composite
SCALES = (0.4, 0.6, 0.8)  # the product's long side, as a share of the frame's short side


# --- Backgrounds ---------------------------------------------------------------------------------


def _noise(rng, height, width, scale: float) -> np.ndarray:
    small = rng.random((max(2, int(height / scale)), max(2, int(width / scale)))).astype(np.float32)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)


def _tint(base, height, width) -> np.ndarray:
    return np.broadcast_to(np.asarray(base, np.float32) / 255.0, (height, width, 3)).copy()


def background(kind: str, rng, width: int, height: int) -> tuple[np.ndarray, float | None]:
    """A background (float32 0–1) and, for floor scenes, the floor line (share of height)."""
    colour_a = rng.integers(30, 240, 3)
    colour_b = rng.integers(30, 240, 3)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    if kind == "flat":
        return _tint(colour_a, height, width), None
    if kind == "gradient":
        ramp = (yy / height * np.cos(0.6) + xx / width * np.sin(0.6))[..., None] / 1.4
        return _tint(colour_a, height, width) * (1 - ramp) + _tint(
            colour_b, height, width
        ) * ramp, None
    if kind == "sweep":
        grey = rng.uniform(0.75, 0.95)
        vignette = 1 - 0.35 * (((xx / width - 0.5) ** 2 + (yy / height - 0.45) ** 2) * 2)
        return np.dstack([vignette * grey] * 3) * np.array([1.0, 0.99, 0.97], np.float32), None
    if kind == "fabric":
        weave = 0.5 + 0.5 * np.sin(xx * 1.3) * np.sin(yy * 1.3)
        texture = 0.85 + 0.1 * _noise(rng, height, width, 6) + 0.05 * weave
        return _tint(colour_a, height, width) * texture[..., None], None
    if kind == "paper":
        texture = 0.9 + 0.08 * _noise(rng, height, width, 40) + 0.03 * _noise(rng, height, width, 3)
        return _tint((235, 228, 214), height, width) * texture[..., None], None
    if kind == "wood":
        return _wood(rng, height, width), None
    if kind == "tiles":
        tile = 120
        grout = ((xx % tile) < 4) | ((yy % tile) < 4)
        marble = 0.85 + 0.12 * _noise(rng, height, width, 25)
        image = _tint((225, 222, 216), height, width) * marble[..., None]
        image[grout] = np.array([0.55, 0.53, 0.5], np.float32)
        return image, None
    if kind == "floor":
        line = rng.uniform(0.55, 0.7)
        wall = (
            _tint(colour_a, height, width)
            * (0.95 + 0.05 * _noise(rng, height, width, 80))[..., None]
        )
        floor = _wood(rng, height, width)
        image = np.where((yy < line * height)[..., None], wall, floor)
        return image.astype(np.float32), line
    if kind == "lifestyle":
        # A busy scene, blurred as a shallow depth of field blurs it.
        blobs = np.zeros((height, width, 3), np.float32)
        for _ in range(40):
            centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            radius = int(rng.integers(20, 160))
            cv2.circle(blobs, centre, radius, rng.uniform(0.1, 0.95, 3).tolist(), -1)
        return cv2.GaussianBlur(blobs, (0, 0), 18), None
    raise ValueError(kind)


def _wood(rng, height, width) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    plank = 90
    base = np.asarray(rng.choice([(164, 116, 73), (196, 160, 118), (120, 80, 50)]), np.float32)
    offsets = rng.uniform(0.85, 1.1, height // plank + 2)
    row = (yy // plank).astype(int)
    grain = 0.9 + 0.1 * np.sin(xx / 9 + 3 * _noise(rng, height, width, 30) + row * 2.1)
    image = base / 255.0 * (offsets[row] * grain)[..., None]
    image[(yy % plank) < 3] *= 0.6
    return np.clip(image, 0, 1).astype(np.float32)


BACKGROUNDS = (
    "flat", "gradient", "sweep", "fabric", "paper", "wood", "tiles", "floor", "lifestyle",
)  # fmt: skip
BUSY = ("lifestyle",)  # beyond the set: reported beside the headline figures


# --- Composites ---------------------------------------------------------------------------------


def load_truth(folder: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, photo float32, alpha float32) for each ground-truth mask, cropped to the product."""
    products = []
    for mask_path in sorted(TRUTH.glob("*.png")):
        photo = folder / "vendure_mock_data" / (mask_path.stem + ".jpg")
        pixels = files.decode(photo.read_bytes())[..., :3].astype(np.float32) / 255.0
        alpha = np.asarray(Image.open(mask_path), np.float32) / 255.0
        ys, xs = np.nonzero(alpha > 0.05)
        top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        products.append(
            (mask_path.stem, pixels[top:bottom, left:right], alpha[top:bottom, left:right])
        )
    return products


def composite(product, alpha, kind, scale, shadow, rng):
    width, height = FRAME
    back, floor_line = background(kind, rng, width, height)
    long_side = scale * min(width, height)
    factor = long_side / max(product.shape[:2])
    size = (max(1, round(product.shape[1] * factor)), max(1, round(product.shape[0] * factor)))
    product = cv2.resize(product, size, interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    pw, ph = size
    x = int(
        rng.integers(int(0.05 * width), max(int(0.05 * width) + 1, width - pw - int(0.05 * width)))
    )
    if floor_line is not None:
        y = int(
            np.clip(
                floor_line * height + rng.uniform(0.05, 0.2) * height - ph,
                0.04 * height,
                height - ph - 0.04 * height,
            )
        )
    else:
        y = int(
            rng.integers(
                int(0.05 * height), max(int(0.05 * height) + 1, height - ph - int(0.05 * height))
            )
        )
    truth = np.zeros((height, width), np.float32)
    truth[y : y + ph, x : x + pw] = alpha
    layer = np.zeros((height, width, 3), np.float32)
    layer[y : y + ph, x : x + pw] = product
    if shadow:
        # A soft drop shadow, offset down and to the side, darkening the background.
        offset = np.float32([[1, 0, 0.04 * pw], [0, 1, 0.03 * ph]])
        cast = cv2.warpAffine(truth, offset, (width, height))
        cast = cv2.GaussianBlur(cast, (0, 0), 0.02 * long_side + 1)
        back = back * (1 - rng.uniform(0.3, 0.55) * cast)[..., None]
    image = layer * truth[..., None] + back * (1 - truth[..., None])
    noise = rng.normal(0, 0.006, image.shape).astype(np.float32)
    pixels = np.clip((image + noise) * 255 + 0.5, 0, 255).astype(np.uint8)
    # As a shop would upload it: a JPEG.
    pixels = files.decode(files.encode(pixels, fmt="JPEG", quality=90))[..., :3]
    return pixels, truth


def cut_out(pixels: np.ndarray) -> tuple[np.ndarray, dict]:
    layers = pipeline.remove_background(pipeline.layers_from_pixels(pixels), {}, pipeline.Context())
    return layers.alpha, layers.report["cutout_confidence"]


def boundary_f(predicted: np.ndarray, truth: np.ndarray) -> float:
    tolerance = max(2, round(0.004 * np.hypot(*truth.shape)))
    kernel = np.ones((3, 3), np.uint8)
    edges = []
    for mask in (predicted, truth):
        mask8 = mask.astype(np.uint8)
        edges.append(cv2.morphologyEx(mask8, cv2.MORPH_GRADIENT, kernel) > 0)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance + 1, 2 * tolerance + 1))
    near_truth = cv2.dilate(edges[1].astype(np.uint8), disk) > 0
    near_pred = cv2.dilate(edges[0].astype(np.uint8), disk) > 0
    if not edges[0].any() or not edges[1].any():
        return 0.0
    precision = float((edges[0] & near_truth).sum() / edges[0].sum())
    recall = float((edges[1] & near_pred).sum() / edges[1].sum())
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def iou(predicted: np.ndarray, truth: np.ndarray) -> float:
    union = (predicted | truth).sum()
    return float((predicted & truth).sum() / union) if union else 1.0


# --- Sheets -------------------------------------------------------------------------------------


def tile(pixels: np.ndarray, alpha: np.ndarray, label: str, size: int = 300) -> Image.Image:
    """The photo and its cut-out on a checkerboard, side by side, with a label."""
    scale = size / max(pixels.shape[:2])
    dims = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
    small = cv2.resize(pixels, dims, interpolation=cv2.INTER_AREA).astype(np.float32)
    a = cv2.resize(alpha, dims, interpolation=cv2.INTER_AREA)[..., None]
    yy, xx = np.mgrid[0 : dims[1], 0 : dims[0]]
    checker = np.where(((yy // 12 + xx // 12) % 2 == 0)[..., None], 235.0, 200.0)
    cut = small * a + checker * (1 - a)
    canvas = Image.new("RGB", (2 * size + 6, size + 16), "white")
    canvas.paste(Image.fromarray(small.astype(np.uint8)), (0, 0))
    canvas.paste(Image.fromarray(np.clip(cut, 0, 255).astype(np.uint8)), (size + 6, 0))
    ImageDraw.Draw(canvas).text((2, size + 2), label, fill="black")
    return canvas


def save_sheet(tiles: list[Image.Image], path: Path, columns: int = 3) -> None:
    if not tiles:
        return
    width, height = tiles[0].size
    rows = (len(tiles) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * (width + 8), rows * (height + 8)), "white")
    for index, image in enumerate(tiles):
        sheet.paste(image, ((index % columns) * (width + 8), (index // columns) * (height + 8)))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)


# --- Main ---------------------------------------------------------------------------------------


def main(folder: Path, quick: bool) -> None:
    started = time.perf_counter()
    products = load_truth(folder)
    if os.environ.get("CUTOUT_PRODUCTS"):  # for a quick look at some products only
        wanted = os.environ["CUTOUT_PRODUCTS"].split(",")
        products = [p for p in products if any(w in p[0] for w in wanted)]
    names = ", ".join(name.split("-")[0] for name, *_ in products)
    print(f"ground truth: {len(products)} products ({names})")
    rng = np.random.default_rng(20261201)
    results = []
    kinds = BACKGROUNDS[::3] if quick else BACKGROUNDS
    if os.environ.get("CUTOUT_KINDS"):
        kinds = tuple(os.environ["CUTOUT_KINDS"].split(","))
    for name, product, alpha in products:
        for kind in kinds:
            for scale in SCALES:
                shadow = bool(rng.random() < 0.5)
                pixels, truth = composite(product, alpha, kind, scale, shadow, rng)
                predicted, trust = cut_out(pixels)
                score = iou(predicted >= 0.5, truth >= 0.5)
                edge = boundary_f(predicted >= 0.5, truth >= 0.5)
                flag = " FLAG" if trust["needs_look"] else ""
                label = f"{name[:18]} {kind} IoU {score:.3f} conf {trust['score']:.2f}{flag}"
                results.append(
                    {"name": name, "kind": kind, "scale": scale, "shadow": shadow, "iou": score,
                     "boundary_f": edge, "confidence": trust["score"],
                     "flagged": trust["needs_look"], "reasons": trust["reasons"],
                     "signals": trust["signals"], "tile": tile(pixels, predicted, label)}
                )  # fmt: skip
    if os.environ.get("CUTOUT_DUMP"):
        import json

        rows = [{k: v for k, v in r.items() if k != "tile"} for r in results]
        Path(os.environ["CUTOUT_DUMP"]).write_text(json.dumps(rows))
    # The headline is the set of backgrounds; busy scenes are reported beside it.
    busy = [r for r in results if r["kind"] in BUSY]
    results_all, results = results, [r for r in results if r["kind"] not in BUSY]
    ious = np.array([r["iou"] for r in results])
    bad = [r for r in results if r["iou"] < 0.9]
    good = [r for r in results if r["iou"] >= 0.9]
    flagged_bad = sum(r["flagged"] for r in bad) / len(bad) if bad else 1.0
    flagged_good = sum(r["flagged"] for r in good) / len(good) if good else 0.0
    elapsed = time.perf_counter() - started
    print(
        f"{len(results_all)} composites ({len(kinds)} backgrounds × {len(SCALES)} scales × "
        f"{len(products)} products, half with a shadow) in {elapsed:.0f} s"
    )
    print("by background:   IoU mean   p10   flagged")
    for kind in kinds:
        rows = [r for r in results_all if r["kind"] == kind]
        values = np.array([r["iou"] for r in rows])
        print(f"  {kind:<12} {values.mean():8.3f} {np.percentile(values, 10):6.3f} "
              f"{sum(r['flagged'] for r in rows):>4}/{len(rows)}")  # fmt: skip
    print("by product:")
    for name, *_ in products:
        rows = [r for r in results if r["name"] == name]
        values = np.array([r["iou"] for r in rows])
        print(f"  {name[:34]:<34} {values.mean():6.3f} {values.min():6.3f}")
    print(f"bad cut-outs (IoU < 0.9): {len(bad)}; flagged {sum(r['flagged'] for r in bad)}")
    for r in sorted(bad, key=lambda r: r["iou"]):
        print(f"  {r['name'][:20]:<20} {r['kind']:<9} {r['scale']} shadow={r['shadow']:d} "
              f"IoU {r['iou']:.3f} conf {r['confidence']:.2f} {r['signals']}")  # fmt: skip
    print(f"good cut-outs flagged anyway (false alarms): {flagged_good:.1%} of {len(good)}")
    print(f"confidence threshold {confidence.THRESHOLD}")
    if busy:
        busy_ious = np.array([r["iou"] for r in busy])
        print(
            f"busy scenes (not in the last line): {len(busy)} composites, IoU mean "
            f"{busy_ious.mean():.3f}, flagged {sum(r['flagged'] for r in busy)}/{len(busy)}"
        )

    worst = sorted(results, key=lambda r: r["iou"])[:12]
    sample = results_all[:: max(1, len(results_all) // 9)][:9]
    save_sheet([r["tile"] for r in worst + sample], OUT / "photo_cutout_composites.png")
    real_tiles = []
    with (folder / "photos_manifest.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows if not quick else rows[::4]:
        pixels = files.decode(
            (folder / row["folder"] / row["file"]).read_bytes(), max_long_side=1200
        )
        predicted, trust = cut_out(pixels[..., :3])
        flag = " NEEDS A LOOK" if trust["needs_look"] else ""
        label = f"{row['file'][:26]} conf {trust['score']:.2f}{flag}"
        real_tiles.append(tile(pixels[..., :3], predicted, label))
    save_sheet(real_tiles, OUT / "photo_cutout_real.png", columns=4)
    print(f"contact sheets: {OUT / 'photo_cutout_composites.png'}, {OUT / 'photo_cutout_real.png'}")
    boundary = np.mean([r["boundary_f"] for r in results])
    print(
        f"iou_mean={ious.mean():.3f} iou_p10={np.percentile(ious, 10):.3f} "
        f"boundary_f={boundary:.3f} flagged_bad={flagged_bad:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", type=Path, help="the folder with photos_manifest.csv")
    parser.add_argument("--quick", action="store_true", help="a third of the backgrounds")
    arguments = parser.parse_args()
    main(arguments.photos, arguments.quick)
