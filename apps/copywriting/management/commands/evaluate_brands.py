"""Evaluate brand profiles on a labelled CSV: can each brand's profile tell its copy from the
others', and does the copy studio's offline writer, in each brand's voice, write drafts that
read like the brand, copy nothing and state nothing the product's facts do not support?

    python manage.py evaluate_brands PATH [--seed N] [--generate K] [--mask-names]
                                          [--brands a,b,...]

PATH is a CSV with the columns ``brand,title,description``. Each brand's rows are split 80/20
(by the seed); one profile per brand is trained on its 80% with the same code as a profile
version (``apps.brand.training.train_profile``: the shipped background corpus and the other
brands' training rows as "other" text), in memory: nothing is written to the database.
Every held-out row is attributed to the profile that scores it highest.

``--mask-names`` replaces every brand's name (and each word of a multi-word name, and "ck")
with the placeholder "Brand" in titles and descriptions, so the profiles must learn the voice,
not the name. ``--brands`` keeps only the named brands (e.g. "Nike,adidas").

``--generate K`` also writes one product description for each of K held-out products per
brand with the copy studio's offline writer, from the product's facts — its title and what its
held-out description states (extracted as at import), never another product's text — in the
brand's voice as learned from the training rows (lexicon, sentence length; no exemplars reach
the writer). As in the copy studio, ``CANDIDATES`` candidates pass the claim guard, and the
first one that passes the profile's own copy check (``BrandScore.copied``: here all of its
training rows) is kept: chosen by those checks only, never by score. Each draft is attributed,
counted as copied when it repeats a run of 10 or more consecutive words of any training row,
and counted as unsupported when the independent checks of
:mod:`apps.copywriting.evaluation` find a claim that its title and description do not
support.

The last line is ``overall_top1=<x> generated_top1=<y> copied=<z> unsupported=<u> brands=<n>
heldout=<m>``.
"""

from __future__ import annotations

import csv
import random
import re
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from apps.brand import features, scoring, text, training
from apps.brand.services import brand_voice_from_trained
from apps.copywriting import channels, claims, evaluation, prompting
from apps.copywriting.facts import build_facts
from apps.copywriting.writer import write_copy

PLACEHOLDER = "Brand"
CANDIDATES = 3
REQUIRED = ("brand", "title", "description")


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise CommandError(f"“{path}” does not exist or is not a file.")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            headers = [h.strip().lower() for h in reader.fieldnames or []]
            missing = [c for c in REQUIRED if c not in headers]
            if missing:
                raise CommandError(
                    f"“{path.name}” needs the columns brand, title, description; "
                    f"missing: {', '.join(missing)}."
                )
            rows = []
            for number, row in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
                if not row.get("brand"):
                    raise CommandError(f"“{path.name}”, row {number}: the brand cell is empty.")
                if row.get("description"):
                    rows.append(row)
    except UnicodeDecodeError:
        raise CommandError(f"“{path}” is not UTF-8 text.") from None
    except csv.Error as error:
        raise CommandError(f"“{path}” could not be read as CSV: {error}.") from None
    return rows


def name_masker(brands: list[str]):
    variants: set[str] = set()
    for brand in brands:
        base = brand.replace("’", "'")
        variants.add(base)
        variants.add(re.sub(r"'s$", "", base))
        variants.update(part for part in re.split(r"\s+", base) if len(part) >= 3)
    variants.add("ck")
    ordered = sorted((v for v in variants if v), key=len, reverse=True)
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(v) for v in ordered) + r")(?:['’]s)?(?!\w)",
        re.IGNORECASE,
    )
    return lambda value: pattern.sub(PLACEHOLDER, value)


class Command(BaseCommand):
    help = "Train one profile per brand on 80% of a CSV and attribute the held-out 20%."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--generate", type=int, default=0, metavar="K")
        parser.add_argument("--mask-names", action="store_true")
        parser.add_argument("--brands", default="", help="Comma-separated brands to keep.")

    def handle(
        self, *args, path: Path, seed: int, generate: int, mask_names: bool, brands: str, **options
    ):
        started = time.monotonic()
        self.verbosity = options.get("verbosity", 1)
        rows = read_rows(path)
        all_brands = sorted({r["brand"] for r in rows})
        wanted = [b.strip() for b in brands.split(",") if b.strip()]
        if wanted:
            unknown = [b for b in wanted if b not in all_brands]
            if unknown:
                raise CommandError(
                    f"No rows for {', '.join(unknown)} in “{path.name}” (brands: "
                    f"{', '.join(all_brands)})."
                )
            rows = [r for r in rows if r["brand"] in wanted]
        names = sorted({r["brand"] for r in rows})
        if len(names) < 2:
            raise CommandError("Attribution needs at least two brands.")
        mask = name_masker(all_brands) if mask_names else (lambda value: value)

        train: dict[str, list[tuple[str, str]]] = {}
        held: dict[str, list[tuple[str, str]]] = {}
        for index, brand in enumerate(names):
            items = [
                (mask(r["title"]), mask(r["description"])) for r in rows if r["brand"] == brand
            ]
            train[brand], held[brand] = scoring.split(items, seed=seed + index)

        models = {}
        for brand in names:
            others = [body for other in names if other != brand for _, body in train[other]]
            try:
                trained = training.train_profile(material=train[brand], others=others, seed=seed)
            except training.NotEnoughMaterial as error:
                raise CommandError(f"{brand}: {error}") from None
            models[brand] = trained
            self.stdout.write(
                f"trained {brand}: {len(train[brand])} rows, held-out AUC "
                f"{trained.evaluation['roc_auc']:.3f}"
            )

        def attribute(texts: list[str]) -> np.ndarray:
            matrix = features.featurise(texts)
            scores = np.stack(
                [models[b].scorer.calibrate(models[b].scorer.decision(matrix)) for b in names],
                axis=1,
            )
            return scores.argmax(axis=1)

        test_texts = [body for b in names for _, body in held[b]]
        truth = np.array([i for i, b in enumerate(names) for _ in held[b]])
        predicted = attribute(test_texts)
        for i, brand in enumerate(names):
            mine = truth == i
            self.stdout.write(
                f"{brand}: top1={(predicted[mine] == i).mean():.3f} heldout={int(mine.sum())}"
            )
        overall = float((predicted == truth).mean())

        generated_top1, copied, unsupported = float("nan"), float("nan"), float("nan")
        if generate > 0:
            generated_top1, copied, unsupported = self._generate(
                names, held, train, models, attribute, generate, seed, mask
            )
        self.stdout.write(f"elapsed_s={time.monotonic() - started:.1f}")
        self.stdout.write(
            f"overall_top1={overall:.4f} generated_top1={generated_top1:.4f} "
            f"copied={copied:.4f} unsupported={unsupported:.4f} brands={len(names)} "
            f"heldout={len(test_texts)}"
        )

    def _generate(self, names, held, train, models, attribute, k, seed, mask):
        spec = channels.SPECS["product_description"]
        index = text.shingle_index(body for b in names for _, body in train[b])
        names_as_written = [mask(b) for b in names]
        drafts: list[tuple[int, str]] = []
        first_copied: list[bool] = []
        unsupported: list[bool] = []
        examples: list[tuple[str, str, list[str]]] = []
        for i, brand in enumerate(names):
            own_check = text.shingle_index(entry[1] for entry in models[brand].exemplar_pool)
            voice = brand_voice_from_trained(name=mask(brand), trained=models[brand])
            products = list(held[brand])
            random.Random(seed + i).shuffle(products)
            for title, description in products[:k]:
                facts = build_facts(title=title or "Product", body_html=description)
                request = prompting.copy_request(
                    spec, facts, prompting.Brief(), voice, n=CANDIDATES, seed=seed
                )
                support = claims.Support(facts, own_names=voice.own_names)
                candidates = []
                for candidate in write_copy(request):
                    shaped = prompting.shape(spec, candidate)
                    guarded = claims.guard(shaped, spec.fields, support)
                    body = channels.html_text(guarded.data["text"])
                    candidates.append((body, not guarded.remaining))
                first_copied.append(text.copies_run(candidates[0][0], index))
                kept = next(
                    (
                        body
                        for body, clean in candidates
                        if clean and not text.copies_run(body, own_check)
                    ),
                    candidates[0][0],
                )
                others = tuple(n for n in names_as_written if n != mask(brand))
                found = evaluation.unsupported_claims(
                    kept, f"{title}\n{description}", other_names=others
                )
                unsupported.append(bool(found))
                drafts.append((i, kept))
                if found and len(examples) < 10:
                    examples.append((brand, kept, found))
        by_brand = defaultdict(list)
        predicted = attribute([d for _, d in drafts])
        copies = [text.copies_run(d, index) for _, d in drafts]
        for (i, _draft), guess, copy, flagged in zip(
            drafts, predicted, copies, unsupported, strict=True
        ):
            by_brand[i].append((guess == i, copy, flagged))
        for i, brand in enumerate(names):
            results = by_brand[i]
            self.stdout.write(
                f"{brand}: generated_top1={np.mean([r[0] for r in results]):.3f} "
                f"copied={np.mean([r[1] for r in results]):.3f} "
                f"unsupported={np.mean([r[2] for r in results]):.3f} drafts={len(results)}"
            )
        if self.verbosity >= 2:
            for i, draft in drafts[:: max(1, len(drafts) // 10)]:
                self.stdout.write(f"  [{names[i]}] {draft}")
            for brand, draft, found in examples:
                self.stdout.write(f"  unsupported in [{brand}] {found}: {draft}")
        self.stdout.write(f"copied_first_candidate={np.mean(first_copied):.4f}")
        correct = np.mean([guess == i for (i, _), guess in zip(drafts, predicted, strict=True)])
        return float(correct), float(np.mean(copies)), float(np.mean(unsupported))
