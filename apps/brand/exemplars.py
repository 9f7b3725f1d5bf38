"""The exemplar index: the brand's own copy closest to a product, for few-shot prompts.

A version keeps a pool of its material (``MAX_POOL`` texts at most, a seeded sample when there
is more) with each text's product title. A product is matched on its title, type, attributes and
tags against each exemplar's title (counted twice) and opening, with the scorer's hashed word
and character n-grams (so "Pegasus 36" finds "Pegasus 35"), cosine similarity, and a little
diversity: an exemplar nearly identical to one already chosen is skipped.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from apps.brand import features

MAX_POOL = 3000
NEAR_DUPLICATE = 0.92


@dataclass(frozen=True)
class Exemplar:
    title: str
    text: str
    similarity: float


def build_pool(items: Sequence[tuple[str, str]], *, seed: int = 0) -> list[list[str]]:
    """``[[title, text], ...]`` to store with a version."""
    pool = [[title or "", text] for title, text in items if text.strip()]
    if len(pool) > MAX_POOL:
        pool = random.Random(seed).sample(pool, MAX_POOL)
    return pool


def _document(title: str, text: str) -> str:
    return f"{title} {title} {text[:300]}"


class ExemplarIndex:
    def __init__(self, pool: Sequence[Sequence[str]]) -> None:
        self.pool = [(str(title), str(text)) for title, text in pool]
        self.matrix = (
            features.featurise([_document(t, x) for t, x in self.pool]) if self.pool else None
        )

    def nearest(self, query: str, *, k: int = 3, exclude: Sequence[str] = ()) -> list[Exemplar]:
        if self.matrix is None or not query.strip() or k < 1:
            return []
        vector = features.featurise([query])
        similarity = np.asarray((self.matrix @ vector.T).todense()).ravel() / 2.0
        excluded = {e.strip() for e in exclude}
        chosen: list[int] = []
        for index in np.argsort(-similarity, kind="stable"):
            if len(chosen) >= k:
                break
            if self.pool[index][1].strip() in excluded:
                continue
            if chosen:
                row = self.matrix[index]
                closest = max(float((row @ self.matrix[c].T).toarray()[0, 0]) / 2.0 for c in chosen)
                if closest > NEAR_DUPLICATE:
                    continue
            chosen.append(int(index))
        return [
            Exemplar(self.pool[i][0], self.pool[i][1], round(float(similarity[i]), 4))
            for i in chosen
        ]


@lru_cache(maxsize=32)
def index_for(key: str, pool_json: str) -> ExemplarIndex:
    """An index per stored version, built once per process (``key`` names the version)."""
    import json

    return ExemplarIndex(json.loads(pool_json))
