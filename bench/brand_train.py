"""Benchmark: train a brand profile on 50,000 descriptions, then score 1,000 candidates.

    python bench/brand_train.py [PATH] [--texts N]

Without PATH the material is generated here (a seeded generator with a brand voice of its own
on top of the shipped background generator's vocabulary); with PATH, the ``description``
column of that CSV is used, repeated or cut to N texts. Training runs the same code as a
profile version (``apps.brand.training.train_profile``: statistics, lexicon, exemplar pool,
scorer with its hold-out evaluation, against the shipped background corpus), in memory — no
database is needed, so none is created. The scorer is stored to bytes and loaded back before
scoring, as the copy studio's process would.

Goals: train_s ≤ 60, score_1000_s ≤ 1. The last line is ``train_s=<x> score_1000_s=<y>``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BRAND_OPENERS = (
    "From our studio by the sea: {text}",
    "Crafted slowly, worn for years. {text}",
    "{text} We stitch every piece in small batches.",
    "{text} Rinse it in cold water and let the sun do the rest.",
    "Quietly made for salt air and long walks. {text}",
)


def generated_material(count: int, seed: int = 7) -> list[tuple[str, str]]:
    from apps.brand.background import generate_background

    rng = random.Random(seed)
    texts = generate_background(count, seed=seed)
    return [(f"Piece {i}", rng.choice(BRAND_OPENERS).format(text=t)) for i, t in enumerate(texts)]


def csv_material(path: Path, count: int) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            (r.get("title", ""), r["description"])
            for r in csv.DictReader(handle)
            if r.get("description")
        ]
    if not rows:
        raise SystemExit(f"{path} has no description column or no rows.")
    out = []
    while len(out) < count:
        # Repeats are made distinct so deduplication keeps them (the benchmark measures size).
        out += [(t, f"{d} ({len(out) + i})") for i, (t, d) in enumerate(rows)]
    return out[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--texts", type=int, default=50_000)
    args = parser.parse_args()

    import django

    django.setup()
    from apps.brand import scoring, training

    material = csv_material(args.path, args.texts) if args.path else generated_material(args.texts)
    candidates = [text for _, text in generated_material(1000, seed=99)]
    print(
        f"material: {len(material):,} texts, {sum(len(t) for _, t in material) / 1e6:.1f} M chars"
    )

    started = time.perf_counter()
    trained = training.train_profile(material=material, seed=1)
    stored = trained.scorer.to_bytes()
    train_s = time.perf_counter() - started
    print(f"trained in {train_s:.1f} s: {trained.summary}")
    print(f"evaluation: {trained.evaluation}")
    print(f"stored scorer: {len(stored) / 1024:.0f} KiB, lexicon {len(trained.lexicon)} terms")

    model = scoring.ScorerModel.from_bytes(stored)
    cold = time.perf_counter()
    model.scores(candidates[:1])  # loading the weights (once per process)
    load_s = time.perf_counter() - cold
    started = time.perf_counter()
    scores = model.scores(candidates)
    score_s = time.perf_counter() - started
    print(f"first call (loads the weights): {load_s:.2f} s; mean score {scores.mean():.1f}")

    # What brand_score adds per text: rules, lexicon terms, statistics, the copy check.
    from apps.brand import exemplars, rules, text
    from apps.brand.selectors import VersionRuntime
    from apps.brand.services import score_with

    runtime = VersionRuntime(
        version_id=0,
        scorer=model,
        index=exemplars.ExemplarIndex(trained.exemplar_pool[:10]),
        shingles=text.shingle_index(body for _, body in trained.exemplar_pool),
        lexicon=[entry["term"] for entry in trained.lexicon],
        stats=trained.stats,
        guide=rules.StyleGuide(banned=tuple(rules.clean_banned(["cheap", ".*"]))),
    )
    started = time.perf_counter()
    explained = score_with(runtime, candidates)
    explain_s = time.perf_counter() - started
    print(f"brand_score with explanations, 1,000 texts: {explain_s:.3f} s ({len(explained)})")
    print(f"train_s={train_s:.2f} score_1000_s={score_s:.3f}")


if __name__ == "__main__":
    main()
