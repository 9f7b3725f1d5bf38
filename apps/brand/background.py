"""The background corpus: generic English product copy that belongs to no brand.

The lexicon asks "which words does this brand use more than product copy in general?" and the
scorer learns "this brand, not product copy in general"; both need a general corpus. It has to
ship with the project and be ours to ship, so it is generated: a seeded generator over the
vocabulary and sentence patterns of ``data/background_vocabulary.json`` (written for Atelier, no
scraped or third-party text), covering many product domains (clothing, shoes, bags, jewellery,
home, kitchen, food, beauty, sport, electronics, toys, garden, stationery, pets, furniture) in a
plain, neutral register.

The generated corpus is committed as ``data/background.txt.gz`` (one text per line) so every
installation trains against the same texts; ``python manage.py background_corpus`` writes it
again from the vocabulary (same seed, same file). Licence: part of Atelier, under the project's
licence.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
BACKGROUND_PATH = DATA / "background.txt.gz"
VOCABULARY_PATH = DATA / "background_vocabulary.json"
BACKGROUND_SIZE = 4000
BACKGROUND_SEED = 20261126

Domain = dict[str, list[str]]  # nouns, materials, features, uses


@dataclass(frozen=True)
class Vocabulary:
    domains: dict[str, Domain]
    adjectives: list[str]
    colours: list[str]
    benefits: list[str]
    care: list[str]
    prices: list[str]
    openers: list[str]  # sentence patterns, str.format() fields named in _fill
    middles: list[str]
    closers: list[str]


@lru_cache(maxsize=1)
def vocabulary(path: Path = VOCABULARY_PATH) -> Vocabulary:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Vocabulary(
        domains=data["domains"],
        adjectives=data["adjectives"],
        colours=data["colours"],
        benefits=data["benefits"],
        care=data["care"],
        prices=data["prices"],
        openers=data["openers"],
        middles=data["middles"],
        closers=data["closers"],
    )


def _fill(pattern: str, rng: random.Random, words: Vocabulary, domain: Domain) -> str:
    features = rng.sample(domain["features"], 2)
    uses = rng.sample(domain["uses"], 2)
    adjectives = rng.sample(words.adjectives, 2)
    colours = rng.sample(words.colours, 3)
    benefits = rng.sample(words.benefits, 2)
    values = {
        "noun": rng.choice(domain["nouns"]),
        "material": rng.choice(domain["materials"]),
        "feature": features[0],
        "feature2": features[1],
        "use": uses[0],
        "use2": uses[1],
        "adj": adjectives[0],
        "adj2": adjectives[1],
        "Adj": adjectives[0].capitalize(),
        "colour": colours[0],
        "colour2": colours[1],
        "colour3": colours[2],
        "benefit": benefits[0],
        "benefit2": benefits[1],
        "care": rng.choice(words.care),
        "price": rng.choice(words.prices),
        "size": f"{rng.randint(5, 120)} x {rng.randint(5, 80)} cm",
        "weight": f"{rng.randint(50, 2500)} g",
    }
    text = pattern.format(**values)
    return text[0].upper() + text[1:]


def generate_background(size: int = BACKGROUND_SIZE, seed: int = BACKGROUND_SEED) -> list[str]:
    """``size`` generic product descriptions of one to six sentences, reproducibly."""
    words = vocabulary()
    rng = random.Random(seed)
    names = sorted(words.domains)
    texts = []
    for _ in range(size):
        domain = words.domains[rng.choice(names)]
        sentences = [_fill(rng.choice(words.openers), rng, words, domain)]
        for pattern in rng.sample(words.middles, rng.randint(0, 4)):
            sentences.append(_fill(pattern, rng, words, domain))
        if rng.random() < 0.6:
            sentences.append(_fill(rng.choice(words.closers), rng, words, domain))
        texts.append(" ".join(sentences))
    return texts


@lru_cache(maxsize=1)
def background_texts() -> tuple[str, ...]:
    """The shipped background corpus (read once per process)."""
    with gzip.open(BACKGROUND_PATH, "rt", encoding="utf-8") as handle:
        return tuple(line.rstrip("\n") for line in handle if line.strip())


def background_bytes(texts: list[str]) -> bytes:
    """The corpus file's bytes: gzip with no timestamp (mtime=0), so the same texts give the
    same file and regenerating leaves git clean."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=BACKGROUND_PATH.name, fileobj=buffer, mode="wb", mtime=0) as out:
        out.write("".join(t + "\n" for t in texts).encode("utf-8"))
    return buffer.getvalue()


def write_background(path: Path = BACKGROUND_PATH) -> int:
    texts = generate_background()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(background_bytes(texts))
    return len(texts)
