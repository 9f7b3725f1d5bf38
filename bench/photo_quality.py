"""Photo quality: does relighting bring new photos to the brand's look, and do Amazon outputs
pass Amazon's rules?

    .venv/bin/python bench/photo_quality.py ../shared/data/photos

1. Learns a lighting profile from the reference set: the photos labelled
   ``white_or_light_plain`` in ``photos_manifest.csv`` (a white-studio look).
2. Applies it (background removal + relight) to every other photo (coloured, dark and
   lifestyle backdrops, and the outdoor fashion shots): another look.
3. Prints the mean CIE 1976 ΔE*ab between each photo's product region (its mean L*a*b*, the
   region found by the offline cut-out) and the profile's product mean, before and after.
4. Runs the Amazon main-image recipe (cut-out, relight, pure white, contact shadow, Amazon
   preset) on every target, encodes it as the JPEG a person would download, decodes it, and
   checks it: the four corners and the two outermost pixel rings exactly (255, 255, 255), the
   product's bounding box 80–90% of the long side.

Reads the photos where they are; copies nothing. Needs no database.
Last line: ``delta_e_before=<a> delta_e_after=<b> amazon_pass=<passed>/<total>``.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.brand import lighting  # noqa: E402
from apps.photos import colour, files, pipeline, segmentation  # noqa: E402
from apps.photos.checker import check, content_bbox  # noqa: E402

REFERENCE_LABEL = "white_or_light_plain"
ANALYSIS_LONG_SIDE = 1024  # profile learning and ΔE are measured at this size


def load(path: Path, long_side: int | None = None) -> np.ndarray:
    return files.decode(path.read_bytes(), max_long_side=long_side)


def subject_of(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    small = segmentation.proxy(pixels, ANALYSIS_LONG_SIDE)
    rgb = small.astype(np.float32) / 255.0
    mask = segmentation.subject_mask(segmentation.proxy(small))
    return rgb, segmentation.refine_alpha(rgb, mask)


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
        rgb, alpha = subject_of(load(folder / row["folder"] / row["file"], ANALYSIS_LONG_SIDE))
        stats.append(lighting.measure(rgb, alpha))
    profile = lighting.learn(stats)
    target_lab = profile["product"]["mean"]
    print(
        f"profile: product mean L*a*b* {target_lab}, white point {profile['white_point']} "
        f"({profile['colour_temperature']} K), backdrop {profile['background_hex']}, "
        f"shadow {profile['shadow']}, learned in {time.perf_counter() - started:.1f} s"
    )

    context = pipeline.Context(profile=profile)
    relight_steps = pipeline.validate_steps([{"op": "remove_background"}, {"op": "relight"}])
    amazon_steps = pipeline.validate_steps(
        [
            {"op": "remove_background"},
            {"op": "relight"},
            {"op": "background", "params": {"kind": "white"}},
            {"op": "shadow", "params": {"kind": "contact"}},
        ],
        preset="amazon-main",
    )
    before, after, passed, limited = [], [], 0, 0
    groups: dict[str, list[tuple[float, float]]] = {}
    print(f"{'photo':<52} {'group':<26} {'ΔE before':>9} {'ΔE after':>9}  amazon")
    for row in targets:
        path = folder / row["folder"] / row["file"]
        pixels = load(path, ANALYSIS_LONG_SIDE)
        rgb, alpha = subject_of(pixels)
        relit = pipeline.run(
            pixels,
            relight_steps,
            pipeline.Context(profile=profile, segmenter=lambda _s, a=alpha: a > 0.5),
        )
        first = lighting.product_mean_lab(rgb, alpha)
        second = lighting.product_mean_lab(relit.rgb, alpha)
        if first is None or second is None:
            print(f"{row['file']:<52} no product region found; skipped")
            continue
        d_before = colour.delta_e76(first, target_lab)
        d_after = colour.delta_e76(second, target_lab)
        before.append(d_before)
        after.append(d_after)
        limited += bool(relit.report.get("relight", {}).get("limited"))
        group = f"{row['folder'].split('_')[0]}/{row['background_label_heuristic']}"
        groups.setdefault(group, []).append((d_before, d_after))

        full = load(path)
        image, _ = pipeline.render(full, amazon_steps, context)
        decoded = files.decode(files.encode(image, fmt="JPEG", quality=92))
        report = check(decoded, "amazon-main")
        corners_ok = all(
            tuple(int(v) for v in decoded[y, x]) == (255, 255, 255)
            for y, x in ((0, 0), (0, -1), (-1, 0), (-1, -1))
        )
        box = content_bbox(decoded, (255, 255, 255))
        ratio = max(box[2] - box[0], box[3] - box[1]) / max(decoded.shape[:2]) if box else 0.0
        ok = report.passed and corners_ok and 0.80 <= ratio <= 0.90
        passed += ok
        verdict = (
            "pass" if ok else "FAIL " + "; ".join(r.detail for r in report.rules if not r.passed)
        )
        print(
            f"{row['file'][:52]:<52} {group:<26} {d_before:9.2f} {d_after:9.2f}  "
            f"{verdict} (fill {ratio:.1%})"
        )
    print("by group (mean ΔE before → after):")
    for group, pairs in sorted(groups.items()):
        values = np.array(pairs)
        before_mean, after_mean = values[:, 0].mean(), values[:, 1].mean()
        print(f"  {group:<34} n={len(pairs):>2}  {before_mean:6.2f} → {after_mean:6.2f}")
    print(f"fidelity guard limited the colour shift of {limited} of {len(before)} photos")
    print(f"total time {time.perf_counter() - started:.1f} s")
    print(
        f"delta_e_before={np.mean(before):.2f} delta_e_after={np.mean(after):.2f} "
        f"amazon_pass={passed}/{len(targets)}"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: bench/photo_quality.py PATH (the folder with photos_manifest.csv)")
    main(Path(sys.argv[1]))
