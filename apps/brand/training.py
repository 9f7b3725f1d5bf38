"""Training a profile version from material, in memory: the one code path used by the training
job, the ``evaluate_brands`` command and the benchmark.

No database here: the services collect the texts, call :func:`train_profile` and store what it
returns.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from apps.brand import background, exemplars, lexicon, scoring, text

MIN_TEXTS = 20
# Enough "other" text to learn the contrast; more only costs time.
MAX_OTHER_TEXTS = 8000
# Above this the scorer learns from a seeded sample (statistics and the lexicon use everything).
MAX_SCORER_TEXTS = 20000
LEXICON_SIZE = 60


class NotEnoughMaterial(ValueError):
    def __init__(self, have: int, need: int = MIN_TEXTS) -> None:
        self.have = have
        self.need = need
        super().__init__(
            f"This profile has {have} text{'s' if have != 1 else ''} of material; training needs "
            f"at least {need}. Add {need - have} more (upload a CSV of past copy, paste text, or "
            "use the workspace's live and approved copy)."
        )


@dataclass
class TrainedProfile:
    summary: dict
    stats: dict
    lexicon: list[dict]
    exemplar_pool: list[list[str]]
    scorer: scoring.ScorerModel
    evaluation: dict


@lru_cache(maxsize=1)
def background_counts() -> Counter:
    counts, _ = lexicon.count_terms(background.background_texts())
    return counts


def clean_material(items: Sequence[Sequence[str]]) -> list[tuple[str, str, str]]:
    """(title, plain text, copy type) with whitespace tidied and exact duplicates dropped
    (first kept). Items are (title, text) or (title, text, copy type)."""
    seen: set[str] = set()
    out = []
    for item in items:
        title, body = item[0], item[1]
        plain = text.html_to_text(body or "")
        key = " ".join(plain.lower().split())
        if len(key) < 3 or key in seen:
            continue
        seen.add(key)
        out.append(((title or "").strip(), plain, item[2] if len(item) > 2 else ""))
    return out


def train_profile(
    *,
    material: Sequence[Sequence[str]],
    others: Sequence[str] = (),
    seed: int = 0,
) -> TrainedProfile:
    """Train from ``material`` ((title, text) pairs) against the background corpus and
    ``others`` (the workspace's other profiles' texts). Raises :class:`NotEnoughMaterial`."""
    items = clean_material(material)
    if len(items) < MIN_TEXTS:
        raise NotEnoughMaterial(len(items))
    texts = [item[1] for item in items]
    rng = random.Random(seed)
    scorer_texts = texts if len(texts) <= MAX_SCORER_TEXTS else rng.sample(texts, MAX_SCORER_TEXTS)
    own = set(texts)
    other_texts = [t for t in others if t not in own]
    if len(other_texts) > MAX_OTHER_TEXTS // 2:
        other_texts = rng.sample(other_texts, MAX_OTHER_TEXTS // 2)
    negatives = [*background.background_texts(), *other_texts]
    if len(negatives) > MAX_OTHER_TEXTS:
        negatives = rng.sample(negatives, MAX_OTHER_TEXTS)
    model, evaluation = scoring.train_scorer(scorer_texts, negatives, seed=seed)
    return TrainedProfile(
        summary={
            "texts": len(items),
            "words": sum(len(text.words(t)) for t in texts),
            "scorer_texts": len(scorer_texts),
            "other_profiles_texts": len(other_texts),
            "background_texts": len(background.background_texts()),
        },
        stats=text.style_profile(texts),
        lexicon=lexicon.distinctive_lexicon(texts, background_counts(), size=LEXICON_SIZE),
        exemplar_pool=exemplars.build_pool(items, seed=seed),
        scorer=model,
        evaluation=evaluation.as_dict(),
    )
