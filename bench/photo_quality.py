"""Photo quality on the real photos: relighting keeps the product's colour while the light and
backdrop move to the brand's; crops keep the whole subject; Amazon outputs pass Amazon's rules.

    .venv/bin/python bench/photo_quality.py ../shared/data/photos

1. Learns a lighting profile from the reference set: the photos labelled
   ``white_or_light_plain`` in ``photos_manifest.csv`` (a white-studio look).
2. Relights every other photo (coloured, dark and lifestyle backdrops, outdoor fashion) to it,
   with its offline cut-out, and measures in CIELAB (ΔE*ab 1976):
   * the product's mean colour (its solid body: alpha ≥ 0.98) against the product in its own
     original photo (the fidelity cap is 3 by default);
   * the backdrop's median colour against the profile's backdrop, before and after, over the
     photos whose cut-out is trusted (confidence above the threshold: elsewhere the backdrop's
     whereabouts are a guess, and the studio deliberately leaves it alone); the figure over
     all photos is printed above the last line.
3. Frames every photo with the built-in Instagram portrait and square recipes (no cut-out) and
   the Amazon recipe, and checks that the whole subject is in frame, independently of the
   pipeline's own report: on an Instagram frame a fresh cut-out of the *output* must keep a
   margin from every edge; on an Amazon frame the non-white pixels of the downloaded JPEG must.
4. Runs the Amazon recipe (cut-out, auto exposure, relight, pure white, contact shadow, Amazon
   preset) on every target, encodes the JPEG a person would download, decodes and checks it;
   a pass counts only when every rule passes *and* the cut-out's confidence is above the
   threshold (below it the checker says "needs a look").
5. Saves a contact sheet (original | relit | Amazon output) to ``bench/out/photo_quality.png``.

Reads the photos where they are; copies nothing. Needs no database.
Last line: ``product_de_to_original_mean=<x> product_de_to_original_max=<x>
backdrop_de_before=<x> backdrop_de_after=<x> subject_in_frame=<p>/<t> amazon_pass=<p>/<t>``.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.brand import lighting  # noqa: E402
from apps.imaging import colour, files, segmentation  # noqa: E402
from apps.photos import checker, pipeline  # noqa: E402
from apps.photos.recipes import BUILTIN_RECIPES  # noqa: E402

REFERENCE_LABEL = "white_or_light_plain"
ANALYSIS_LONG_SIDE = 1024  # profile learning and ΔE are measured at this size
OUT = ROOT / "bench" / "out"


def load(path: Path, long_side: int | None = None) -> np.ndarray:
    return files.decode(path.read_bytes(), max_long_side=long_side)[..., :3]


def relight_photo(pixels: np.ndarray, context: pipeline.Context):
    """The studio's own cut-out and relight steps on a copy at the analysis size: (original
    float RGB, relit float RGB, the cut-out's alpha, the layers' report)."""
    small = segmentation.proxy(pixels, ANALYSIS_LONG_SIDE)
    steps = pipeline.validate_steps([{"op": "remove_background"}, {"op": "relight"}])
    layers = pipeline.run(small, steps, context)
    return small.astype(np.float32) / 255.0, layers.rgb, layers.alpha, layers.report


def cut_out(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    small = segmentation.proxy(pixels, ANALYSIS_LONG_SIDE)
    layers = pipeline.remove_background(pipeline.layers_from_pixels(small), {}, pipeline.Context())
    return small.astype(np.float32) / 255.0, layers.alpha, layers.report["cutout_confidence"]


def mean_lab(rgb: np.ndarray, weight: np.ndarray) -> np.ndarray:
    lab = colour.to_lab(rgb)
    return (lab * weight[..., None]).reshape(-1, 3).sum(axis=0) / max(float(weight.sum()), 1e-6)


def backdrop_lab(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray | None:
    outside = alpha < 0.05
    if outside.sum() < 100:
        return None
    return np.median(colour.to_lab(rgb)[outside], axis=0)


def in_frame_fresh(image: np.ndarray) -> bool:
    """A fresh cut-out of the output keeps a margin from every edge."""
    mask = segmentation.subject_mask(segmentation.proxy(image))
    return checker.in_frame_rule(checker.subject_box(mask)).passed


def thumb(pixels: np.ndarray, label: str, size: int = 260) -> Image.Image:
    image = Image.fromarray(pixels)
    image.thumbnail((size, size))
    canvas = Image.new("RGB", (size, size + 14), "white")
    canvas.paste(image, ((size - image.width) // 2, 0))
    ImageDraw.Draw(canvas).text((2, size), label, fill="black")
    return canvas


def main(folder: Path) -> None:
    manifest = folder / "photos_manifest.csv"
    with manifest.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    references = [r for r in rows if r["background_label_heuristic"] == REFERENCE_LABEL]
    targets = [r for r in rows if r["background_label_heuristic"] != REFERENCE_LABEL]
    print(f"reference photos: {len(references)} ({REFERENCE_LABEL}); targets: {len(targets)}")

    started = time.perf_counter()
    stats = []
    for row in references:
        rgb, alpha, _ = cut_out(load(folder / row["folder"] / row["file"], ANALYSIS_LONG_SIDE))
        stats.append(lighting.measure(rgb, alpha))
    profile = lighting.learn(stats)
    print(
        f"profile: white point {profile['white_point']} ({profile['colour_temperature']} K), "
        f"whites L* {profile['white_level']}, backdrop {profile['background_hex']}, "
        f"shadow {profile['shadow']}, learned in {time.perf_counter() - started:.1f} s"
    )
    target_backdrop = np.array(profile["background"]["percentiles"]["50"])
    context = pipeline.Context(profile=profile)
    amazon = BUILTIN_RECIPES["amazon-main"]
    amazon_steps = pipeline.validate_steps(
        [*amazon.steps, {"op": "relight", "params": {}}], preset=amazon.preset
    )
    framings = [
        (code, pipeline.validate_steps(list(BUILTIN_RECIPES[code].steps), preset=code))
        for code in ("instagram-portrait", "instagram-square")
    ]
    product_shift, backdrop_before, backdrop_after = [], [], []
    trusted_before, trusted_after = [], []
    in_frame, framed, passed, needs_look, limited = 0, 0, 0, 0, 0
    tiles = []
    print(f"{'photo':<44} {'product ΔE':>10} {'backdrop ΔE':>16}  conf  frames  amazon")
    for row in targets:
        path = folder / row["folder"] / row["file"]
        pixels = load(path, ANALYSIS_LONG_SIDE)
        rgb, relit, alpha, layers_report = relight_photo(pixels, context)
        trust = layers_report["cutout_confidence"]
        limited += layers_report["relight"]["limited"]
        # The product's colour: its solid body (the cut-out's soft edge mixes in the backdrop).
        body = (alpha >= 0.98).astype(np.float32)
        if body.sum() < 50:
            body = alpha
        moved = colour.delta_e76(mean_lab(relit, body), mean_lab(rgb, body))
        product_shift.append(moved)
        before_lab, after_lab = backdrop_lab(rgb, alpha), backdrop_lab(relit, alpha)
        backdrop_text = "no backdrop"
        if before_lab is not None and after_lab is not None:
            backdrop_before.append(colour.delta_e76(before_lab, target_backdrop))
            backdrop_after.append(colour.delta_e76(after_lab, target_backdrop))
            backdrop_text = f"{backdrop_before[-1]:6.2f} → {backdrop_after[-1]:5.2f}"
            if not trust["needs_look"]:
                trusted_before.append(backdrop_before[-1])
                trusted_after.append(backdrop_after[-1])

        full = load(path)
        frames_ok = 0
        for _code, steps in framings:
            image, _ = pipeline.render(full, steps, context)
            ok = in_frame_fresh(image)
            frames_ok += ok
        framed += len(framings) + 1
        amazon_trust = trust["score"]  # the analysis copy's, unless the render reports its own
        try:
            image, layers = pipeline.render(full, amazon_steps, context)
        except pipeline.RecipeError as error:  # e.g. nothing was found to cut out
            decoded = full
            verdict, failing = "refused", str(error)
        else:
            decoded = files.decode(files.encode(image, fmt="JPEG", quality=92))[..., :3]
            amazon_report = checker.check(
                decoded,
                "amazon-main",
                subject="measure",  # the checker's own look at the pixels, not the pipeline's
                cutout_confidence=layers.report.get("cutout_confidence"),
            )
            amazon_trust = layers.report["cutout_confidence"]["score"]
            rules = {rule.name: rule for rule in amazon_report.rules}
            frames_ok += rules["in frame"].passed
            passed += amazon_report.passed
            needs_look += amazon_report.needs_look
            verdict = checker.verdict_of(amazon_report.as_dict())
            failing = "; ".join(r.name for r in amazon_report.rules if not r.passed)
        in_frame += frames_ok
        why = f" ({failing})" if failing else ""
        print(
            f"{row['file'][:44]:<44} {moved:10.2f} {backdrop_text:>16}  {trust['score']:.2f}"
            f"  {frames_ok}/{len(framings) + 1}   {verdict}{why}"
        )
        relit8 = np.clip(relit * 255 + 0.5, 0, 255).astype(np.uint8)
        tiles.append(
            [
                thumb(pixels, row["file"][:34]),
                thumb(relit8, f"relit: product ΔE {moved:.1f}"),
                thumb(decoded, f"Amazon: {verdict} (conf {amazon_trust:.2f})"),
            ]
        )
    save_sheet(tiles, OUT / "photo_quality.png")
    print(f"the fidelity cap held the correction back in {limited} of {len(targets)} photos")
    print(
        f"backdrop ΔE over all {len(backdrop_before)} photos: {np.mean(backdrop_before):.2f} → "
        f"{np.mean(backdrop_after):.2f}; where the cut-out is not trusted the photo is relit as "
        "one and its backdrop kept (and where the backdrop is is itself a guess)"
    )
    print(f"Amazon outputs the checker sends for a look (low cut-out confidence): {needs_look}")
    print(
        f"contact sheet: {OUT / 'photo_quality.png'}; total {time.perf_counter() - started:.0f} s"
    )
    print(
        f"product_de_to_original_mean={np.mean(product_shift):.2f} "
        f"product_de_to_original_max={np.max(product_shift):.2f} "
        f"backdrop_de_before={np.mean(trusted_before):.2f} "
        f"backdrop_de_after={np.mean(trusted_after):.2f} "
        f"subject_in_frame={in_frame}/{framed} amazon_pass={passed}/{len(targets)}"
    )


def save_sheet(rows: list[list[Image.Image]], path: Path) -> None:
    width, height = rows[0][0].size
    columns = 2  # two photos (three images each) per row of the sheet
    sheet_rows = (len(rows) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * (3 * width + 24), sheet_rows * (height + 6)), "white")
    for index, images in enumerate(rows):
        x0 = (index % columns) * (3 * width + 24)
        y0 = (index // columns) * (height + 6)
        for position, image in enumerate(images):
            sheet.paste(image, (x0 + position * width, y0))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: bench/photo_quality.py PATH (the folder with photos_manifest.csv)")
    main(Path(sys.argv[1]))
