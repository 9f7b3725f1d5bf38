"""The distinctive lexicon: words and two-word phrases this brand uses more than product copy in
general, by weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi & Quinn,
"Fightin' Words", 2008).

For a term w with counts y_b in the brand's material (n_b terms in all) and y_g in the
background corpus (n_g), and a prior α_w proportional to w's frequency in both together
(α_0 in all)::

    δ_w = log((y_b + α_w) / (n_b + α_0 − y_b − α_w)) − log((y_g + α_w) / (n_g + α_0 − y_g − α_w))
    σ²_w ≈ 1 / (y_b + α_w) + 1 / (y_g + α_w)
    z_w = δ_w / σ_w

The prior shrinks rare terms toward zero, so a word used once is not "distinctive"; z is the
weight shown on the profile page. Terms must also appear in several of the brand's texts, so a
product name repeated in one description does not become the brand's voice.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence

from apps.brand.text import words

PRIOR_STRENGTH = 1000.0
# Function words are style, not vocabulary: the statistics cover them; the lexicon lists the
# words a brand chooses (a phrase needs at least one word that is not on this list).
_STOPWORD_TEXT = """a an the and or but if of in on at to for from by with without into onto over
under up down out off about as than then so too very just also only even yet still this that these
those it its it's is are was were be been being has have had do does did can could will would shall
should may might must not no nor all any both each every few more most other some such own same what
which who whom whose when where why how there here while after before again once during through
between against above below further"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
MIN_Z = 1.96
DEFAULT_SIZE = 60


def terms(text: str) -> list[str]:
    """Lower-case words (no bare numbers or single letters) and adjacent-word bigrams."""
    tokens = [w.lower().replace("’", "'") for w in words(text)]
    unigrams = [t for t in tokens if len(t) > 1 and not t.isdigit()]
    bigrams = [
        f"{a} {b}" for a, b in itertools.pairwise(tokens) if not (a.isdigit() or b.isdigit())
    ]
    return unigrams + bigrams


def count_terms(texts: Iterable[str]) -> tuple[Counter, Counter]:
    """Term counts and document frequencies."""
    counts: Counter = Counter()
    document_frequency: Counter = Counter()
    for text in texts:
        found = terms(text)
        counts.update(found)
        document_frequency.update(set(found))
    return counts, document_frequency


def weighted_log_odds(
    brand: Counter, background: Counter, *, prior_strength: float = PRIOR_STRENGTH
) -> dict[str, float]:
    """z-scores of every term of ``brand`` against ``background``."""
    pooled_total = sum(brand.values()) + sum(background.values())
    if not pooled_total:
        return {}
    n_b, n_g = sum(brand.values()), sum(background.values())
    scores = {}
    for term, y_b in brand.items():
        y_g = background.get(term, 0)
        alpha = prior_strength * (y_b + y_g) / pooled_total
        brand_odds = (y_b + alpha) / max(n_b + prior_strength - y_b - alpha, 1e-9)
        background_odds = (y_g + alpha) / max(n_g + prior_strength - y_g - alpha, 1e-9)
        delta = math.log(brand_odds) - math.log(background_odds)
        variance = 1.0 / (y_b + alpha) + 1.0 / (y_g + alpha)
        scores[term] = delta / math.sqrt(variance)
    return scores


def distinctive_lexicon(
    texts: Sequence[str],
    background_counts: Counter,
    *,
    size: int = DEFAULT_SIZE,
    min_texts: int | None = None,
) -> list[dict]:
    """The top ``size`` terms by z, each ``{"term", "z", "count", "texts"}``."""
    counts, document_frequency = count_terms(texts)
    if min_texts is None:
        min_texts = max(2, min(10, round(len(texts) * 0.02)))
    scores = weighted_log_odds(counts, background_counts)
    ranked = sorted(
        (
            (term, z)
            for term, z in scores.items()
            if z >= MIN_Z
            and document_frequency[term] >= min_texts
            and not all(part in STOPWORDS for part in term.split(" "))
        ),
        key=lambda pair: -pair[1],
    )
    chosen: list[dict] = []
    seen_words: set[str] = set()
    for term, z in ranked:
        # A phrase adds little when both its words are already listed; keep the list varied.
        parts = term.split(" ")
        if len(parts) == 2 and all(part in seen_words for part in parts):
            continue
        chosen.append(
            {
                "term": term,
                "z": round(z, 2),
                "count": counts[term],
                "texts": document_frequency[term],
            }
        )
        seen_words.update(parts)
        if len(chosen) >= size:
            break
    return chosen


def terms_used(text: str, lexicon: Sequence[str]) -> list[str]:
    """The lexicon terms found in ``text``, in lexicon order."""
    found = set(terms(text))
    return [term for term in lexicon if term in found]
