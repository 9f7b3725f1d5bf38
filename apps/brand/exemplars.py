"""The exemplar index: the brand's own copy closest to a product, for few-shot prompts.

A version keeps a pool of its material (``MAX_POOL`` texts at most, a seeded sample when there
is more) with each text's product title and, where known, the kind of copy it is (approved copy
from the copy studio knows it; uploaded and pasted material is long copy). A product is
matched on its title, type, attributes and tags against each exemplar's title (counted twice)
and opening, with the scorer's hashed word and character n-grams (so "Pegasus 36" finds
"Pegasus 35"), cosine similarity, and a little diversity: an exemplar nearly identical to one
already chosen is skipped.
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
    copy_type: str = ""


def build_pool(items: Sequence[Sequence[str]], *, seed: int = 0) -> list[list[str]]:
    """``[[title, text, copy_type], ...]`` to store with a version (items are (title, text) or
    (title, text, copy_type))."""
    pool = [
        [item[0] or "", item[1], item[2] if len(item) > 2 else ""]
        for item in items
        if item[1].strip()
    ]
    if len(pool) > MAX_POOL:
        pool = random.Random(seed).sample(pool, MAX_POOL)
    return pool


def _document(title: str, text: str) -> str:
    return f"{title} {title} {text[:300]}"


class ExemplarIndex:
    def __init__(self, pool: Sequence[Sequence[str]]) -> None:
        # Versions trained before copy types were kept store [title, text].
        self.pool = [
            (str(entry[0]), str(entry[1]), str(entry[2]) if len(entry) > 2 else "")
            for entry in pool
        ]
        self.matrix = (
            features.featurise([_document(t, x) for t, x, _ in self.pool]) if self.pool else None
        )

    def nearest(
        self, query: str, *, k: int = 3, exclude: Sequence[str] = (), copy_type: str = ""
    ) -> list[Exemplar]:
        """The ``k`` closest texts; with ``copy_type``, texts of that kind come first."""
        if self.matrix is None or not query.strip() or k < 1:
            return []
        vector = features.featurise([query])
        similarity = np.asarray((self.matrix @ vector.T).todense()).ravel() / 2.0
        excluded = {e.strip() for e in exclude}
        order = list(np.argsort(-similarity, kind="stable"))
        if copy_type:
            order.sort(key=lambda i: self.pool[i][2] != copy_type)  # stable: by kind, then score
        chosen: list[int] = []
        for index in order:
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
            Exemplar(
                self.pool[i][0], self.pool[i][1], round(float(similarity[i]), 4), self.pool[i][2]
            )
            for i in chosen
        ]


@lru_cache(maxsize=32)
def index_for(key: str, pool_json: str) -> ExemplarIndex:
    """An index per stored version, built once per process (``key`` names the version)."""
    import json

    return ExemplarIndex(json.loads(pool_json))
