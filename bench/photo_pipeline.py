"""Photo pipeline speed: one 12-megapixel JPEG through the Amazon main-image recipe, on one core.

    .venv/bin/python bench/photo_pipeline.py [--runs N]

Generates a 4000×3000 JPEG of a synthetic product shot (a shaded bottle and box on a warm,
vignetted backdrop, with sensor noise), learns a lighting profile from five generated
reference shots, then times the whole path a job item takes for one photo: decode the JPEG →
background removal (offline cut-out, matting) → auto exposure → relight to the profile → pure
white background → contact shadow → Amazon preset (2000×2000) → encode the JPEG. The process
is pinned to one CPU and OpenCV to one thread. Needs no database.

Last line: ``seconds_per_image=<x> peak_rss_mb=<y>``: the median CPU time of the runs (the
process is pinned to one core, OpenCV to one thread, so CPU time is the time one core needs;
the wall time is printed above it, and matches it on a quiet machine but not on a shared one)
and the peak resident memory of the whole process.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import time
from pathlib import Path

# One core, one thread: set before numpy and OpenCV start their pools.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

import cv2  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
cv2.setNumThreads(1)

from apps.brand import lighting  # noqa: E402
from apps.imaging import files, matting, segmentation  # noqa: E402
from apps.photos import checker, pipeline  # noqa: E402


def product_shot(width: int, height: int, *, seed: int, warm: float) -> np.ndarray:
    """A synthetic product photo: a bottle and a box, shaded, on a vignetted backdrop."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    vignette = 1.0 - 0.25 * (((xx / width - 0.5) ** 2 + (yy / height - 0.5) ** 2) * 2.5)
    backdrop = np.array([0.86, 0.82, 0.74 - 0.1 * warm], np.float32)
    image = vignette[..., None] * backdrop
    # A bottle: a rounded rectangle with a cylindrical shading.
    cx, cy = width * (0.42 + 0.05 * rng.random()), height * 0.55
    bw, bh = width * 0.14, height * 0.5
    bottle = (np.abs(xx - cx) < bw / 2) & (np.abs(yy - cy) < bh / 2)
    neck = (np.abs(xx - cx) < bw / 6) & (yy > cy - bh * 0.72) & (yy <= cy - bh / 2)
    shade = 0.55 + 0.45 * np.cos((xx - cx) / (bw / 2) * 1.3).clip(0, 1)
    body = np.array([0.15, 0.45, 0.32], np.float32) * (1 + 0.3 * warm)
    image[bottle | neck] = (shade[..., None] * body)[bottle | neck]
    # A box beside it.
    box = (np.abs(xx - width * 0.62) < width * 0.09) & (np.abs(yy - height * 0.66) < height * 0.17)
    image[box] = np.array([0.78, 0.36, 0.2], np.float32) * (0.8 + 0.2 * (yy[box] / height))[:, None]
    image += rng.normal(0, 0.012, image.shape).astype(np.float32)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def test_jpeg() -> bytes:
    return files.encode(product_shot(4000, 3000, seed=1, warm=1.0), fmt="JPEG", quality=92)


def main(runs: int) -> None:
    # Made in a child process: drawing the picture takes memory the pipeline does not, and
    # peak RSS must be the pipeline's.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        jpeg = pool.apply(test_jpeg)
    print(f"test photo: 4000×3000 JPEG, {len(jpeg) / 1024 / 1024:.1f} MB")

    references = []
    for seed in range(2, 7):
        shot = product_shot(1200, 900, seed=seed, warm=0.0).astype(np.float32) / 255.0
        mask = segmentation.subject_mask(segmentation.proxy(shot))
        references.append(lighting.measure(shot, matting.refine_alpha(shot, mask)))
    context = pipeline.Context(profile=lighting.learn(references))
    # The Amazon recipe (cut-out, auto exposure, white, shadow) with a relight to the light.
    steps = pipeline.validate_steps(
        [
            {"op": "remove_background"},
            {"op": "exposure", "params": {"ev": "auto"}},
            {"op": "relight"},
            {"op": "background", "params": {"kind": "white"}},
            {"op": "shadow", "params": {"kind": "contact"}},
        ],
        preset="amazon-main",
    )
    timings, cpu_timings = [], []
    output = b""
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        pixels = files.decode(jpeg)
        image, _layers = pipeline.render(pixels, steps, context)
        output = files.encode(image, fmt="JPEG", quality=92)
        timings.append(time.perf_counter() - started)
        cpu_timings.append(time.process_time() - cpu_started)
        del pixels, image, _layers
    report = checker.check(files.decode(output), "amazon-main")
    print(
        "runs (wall): " + ", ".join(f"{t:.2f}" for t in timings) + " s; "
        "(CPU): " + ", ".join(f"{t:.2f}" for t in cpu_timings) + " s; "
        f"output {len(output) / 1024:.0f} KB, "
        f"Amazon check {'passed' if report.passed else 'FAILED'}"
        f" (fill {report.fill_ratio:.1%}); cpus {sorted(os.sched_getaffinity(0))}"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"median wall time {statistics.median(timings):.2f} s (inflated when other work shares "
        "the core); the figure below is the CPU time the one core spent"
    )
    print(f"seconds_per_image={statistics.median(cpu_timings):.2f} peak_rss_mb={peak_mb:.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    main(parser.parse_args().runs)
