"""The brand's hard rules, applied to any text a model wrote: banned words and maximum length.

The local provider writes with them in mind; the gateway applies them again to every provider's
output, so a remote model that ignores an instruction still cannot put a banned word or an
over-long text in front of a reviewer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

WORD_RE = re.compile(r"[\w'’-]+")
SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+")

SYNONYMS: dict[str, tuple[str, ...]] = {
    "soft": ("gentle", "smooth"),
    "easy": ("simple", "effortless"),
    "comfortable": ("pleasant", "agreeable"),
    "warm": ("cosy",),
    "light": ("airy",),
    "durable": ("hard-wearing", "long-lasting"),
    "beautiful": ("handsome", "lovely"),
    "perfect": ("ideal", "fitting"),
    "everyday": ("daily",),
    "piece": ("item",),
    "loved": ("popular",),
    "confident": ("bold",),
    "quietly": ("subtly",),
}


def banned_pattern(banned: tuple[str, ...]) -> re.Pattern | None:
    """Matches a banned word or phrase and its inflections (cheap, cheaper, cheaply)."""
    terms = sorted({b.strip().lower() for b in banned if b.strip()}, key=len, reverse=True)
    if not terms:
        return None
    alternatives = "|".join(re.escape(t) + r"[\w'’]*" for t in terms)
    return re.compile(rf"(?<![\w'’])(?:{alternatives})", re.IGNORECASE)


def tidy(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"(^|[.!?]\s+|\n•\s*)[,;:]\s*", r"\1", text)
    text = re.sub(r"\b(a|an|the)\s+([,.;:!?])", r"\2", text, flags=re.IGNORECASE)
    return text.strip()


def apply_banned(text: str, banned: tuple[str, ...]) -> str:
    """Replace banned words with an allowed synonym, else remove them; never leave one in.

    Only sentences that held a banned word change; one left with too little to say goes.
    """
    pattern = banned_pattern(banned)
    if pattern is None or not pattern.search(text):
        return text

    def replace(match: re.Match) -> str:
        word = match.group(0)
        for synonym in SYNONYMS.get(word.lower(), ()):
            if not pattern.search(synonym):
                return synonym if word[:1].islower() else synonym.capitalize()
        return ""

    lines = []
    for line in text.split("\n"):
        prefix = "• " if line.startswith("• ") else ""
        kept = []
        for sentence in SENTENCE_RE.split(line[len(prefix) :]):
            if not pattern.search(sentence):
                kept.append(sentence)
                continue
            cleaned = sentence
            for _ in range(3):  # a removal can join two fragments into a new match
                cleaned = tidy(pattern.sub(replace, cleaned))
                if not pattern.search(cleaned):
                    break
            if pattern.search(cleaned) or len(WORD_RE.findall(cleaned)) < 3:
                continue
            kept.append(cleaned)
        if kept:
            lines.append(prefix + _recapitalise(" ".join(kept)))
    return "\n".join(lines)


def _recapitalise(text: str) -> str:
    return re.sub(r"(^|[.!?]\s+|\n•\s*|\n)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def fit_length(text: str, max_length: int | None) -> str:
    """Cut to ``max_length`` characters at a sentence (or line) boundary, else a word boundary."""
    if max_length is None or len(text) <= max_length:
        return text
    separator = "\n" if "\n" in text else " "
    units = text.split("\n") if separator == "\n" else SENTENCE_RE.split(text)
    kept: list[str] = []
    for unit in units:
        candidate = separator.join([*kept, unit])
        if len(candidate) > max_length:
            break
        kept.append(unit)
    if kept:
        return separator.join(kept)
    # Not even one sentence fits: end on a whole word, with a full stop when there is room.
    words = units[0].split(" ")
    out = ""
    for word in words:
        candidate = f"{out} {word}".strip()
        if len(candidate) + 1 > max_length:
            break
        out = candidate
    out = out.rstrip(",;:—-–")
    if not out:
        return text[:max_length].rstrip()
    return out if out[-1] in ".!?" else out + "."


def enforce(text: str, *, banned: tuple[str, ...] = (), max_length: int | None = None) -> str:
    return fit_length(apply_banned(text, banned), max_length)


def map_strings(value: Any, fn: Callable[[str], str]) -> Any:
    """Apply ``fn`` to every string in a JSON tree; list items it empties are dropped."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [v for v in (map_strings(v, fn) for v in value) if v != ""]
    if isinstance(value, dict):
        return {k: map_strings(v, fn) for k, v in value.items()}
    return value
