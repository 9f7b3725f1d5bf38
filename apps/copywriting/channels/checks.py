"""Checking copy against its spec (hard limits and advice), and repairing what can be
repaired mechanically."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from apps.copywriting.channels.counting import html_text, plain_length, x_weighted_length
from apps.copywriting.channels.specs import (
    AMAZON_REPEATABLE,
    AMAZON_TITLE_FORBIDDEN,
    MAX_HASHTAGS,
    PROMO_PHRASES,
    CopySpec,
    Field,
    Limit,
)
from apps.copywriting.channels.values import normalise

# --- validation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    field: str
    message: str
    hard: bool

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message, "hard": self.hard}


@dataclass(frozen=True)
class Count:
    field: str
    label: str
    value: int
    limit: Limit | None
    item: int | None = None  # 1-based item number for "lines" fields

    @property
    def over(self) -> bool:
        return bool(self.limit and self.limit.max is not None and self.value > self.limit.max)

    @property
    def under(self) -> bool:
        return bool(self.limit and self.limit.min is not None and self.value < self.limit.min)


@dataclass
class Check:
    counts: list[Count] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def hard_violations(self) -> list[Violation]:
        return [v for v in self.violations if v.hard]

    @property
    def ok(self) -> bool:
        return not self.hard_violations


def _length(spec: CopySpec, f: Field, text: str) -> int:
    if f.limit and f.limit.unit == "weighted characters":
        return x_weighted_length(text)
    if f.kind == "html":
        return plain_length(html_text(text))
    return plain_length(text)


def check(spec: CopySpec, data: dict[str, Any]) -> Check:
    """Counts against the channel's limits, and every channel rule the copy breaks. (The
    brand's rules and the claim guard are checked by the copy studio's pipeline.)"""
    data = normalise(spec, data)
    result = Check()
    for f in spec.fields:
        value = data[f.name]
        texts = value if f.kind == "lines" else [value]
        if f.kind == "lines" and f.items:
            n = len(texts)
            if (f.items.min is not None and n < f.items.min) or (
                f.items.max is not None and n > f.items.max
            ):
                result.violations.append(
                    Violation(
                        f.name,
                        f"{f.label}: {n} given, "
                        + f.items.describe().replace("characters", "needed"),
                        f.items.hard,
                    )
                )
        if f.kind != "lines" and not value and f.required:
            result.violations.append(Violation(f.name, f"{f.label} is empty.", True))
        for i, text in enumerate(texts, start=1):
            length = _length(spec, f, text)
            result.counts.append(
                Count(f.name, f.label, length, f.limit, item=i if f.kind == "lines" else None)
            )
            if not f.limit:
                continue
            where = f"{f.label} {i}" if f.kind == "lines" else f.label
            if f.limit.max is not None and length > f.limit.max:
                result.violations.append(
                    Violation(
                        f.name,
                        f"{where} is {length} {f.limit.unit}; {f.limit.describe()}.",
                        f.limit.hard,
                    )
                )
            elif f.limit.min is not None and length < f.limit.min and text:
                result.violations.append(
                    Violation(
                        f.name,
                        f"{where} is {length} {f.limit.unit}; {f.limit.describe()}.",
                        False,  # too short is always advice
                    )
                )
    extra = _RULES.get(spec.code)
    if extra:
        result.violations.extend(extra(data))
    return result


def _amazon_title_rules(data: dict[str, Any]) -> list[Violation]:
    title = data["text"]
    found = []
    symbols = sorted({ch for ch in title if ch in AMAZON_TITLE_FORBIDDEN})
    if symbols:
        found.append(Violation("text", f"Amazon titles may not contain {' '.join(symbols)}.", True))
    lowered = title.lower()
    promo = [p for p in PROMO_PHRASES if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", lowered)]
    if promo:
        found.append(
            Violation("text", f"Promotional phrases are not allowed: {', '.join(promo)}.", True)
        )
    words = re.findall(r"[\w'&-]+", lowered)
    repeated = sorted(w for w, n in Counter(words).items() if n > 2 and w not in AMAZON_REPEATABLE)
    if repeated:
        found.append(
            Violation(
                "text",
                f"Words used more than twice: {', '.join(repeated)} (only articles, "
                "prepositions and conjunctions may repeat).",
                True,
            )
        )
    return found


def _instagram_rules(data: dict[str, Any]) -> list[Violation]:
    tags = re.findall(r"(?<!\w)#\w+", data["text"])
    if len(tags) > MAX_HASHTAGS:
        return [Violation("text", f"{len(tags)} hashtags; Instagram allows {MAX_HASHTAGS}.", True)]
    return []


def _description_rules(data: dict[str, Any]) -> list[Violation]:
    text = data["text"]
    found = []
    if "<li" not in text.lower():
        found.append(Violation("text", "Add a bullet list (<ul><li>) of features.", False))
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", text, re.S | re.I)
    if any(len(html_text(p).split()) > 80 for p in paragraphs):
        found.append(Violation("text", "Keep paragraphs short (80 words at most).", False))
    return found


def _amazon_bullets_rules(data: dict[str, Any]) -> list[Violation]:
    count = len(data["bullets"])
    if count < 5:
        return [
            Violation(
                "bullets",
                f"Amazon shows five bullet points; this has {count}. Add facts to the product "
                "(features, care, sizes) for more.",
                False,
            )
        ]
    return []


_RULES = {
    "amazon_title": _amazon_title_rules,
    "amazon_bullets": _amazon_bullets_rules,
    "instagram_caption": _instagram_rules,
    "product_description": _description_rules,
}


# --- making output fit --------------------------------------------------------------------------


def trim_to(text: str, limit: int, counter=plain_length) -> str:
    """Cut at a word boundary so that ``counter(text) <= limit``; no dangling punctuation."""
    if counter(text) <= limit:
        return text
    words = text.split()
    while words and counter(" ".join(words)) > limit:
        words.pop()
    trimmed = " ".join(words).rstrip(" ,;:-–—")
    if not trimmed:  # one word longer than the limit
        trimmed = text[:limit]
    return trimmed


def repair(spec: CopySpec, data: dict[str, Any]) -> dict[str, Any]:
    """Fix what can be fixed mechanically in hard limits: trim, drop forbidden symbols and
    promotional phrases, cap list lengths. Advice is left to the writer."""
    data = normalise(spec, data)
    for f in spec.fields:
        value = data[f.name]
        if f.kind == "lines" and f.items and f.items.max is not None and f.items.hard:
            value = value[: f.items.max]
        if f.limit and f.limit.hard and f.limit.max is not None:
            counter = x_weighted_length if f.limit.unit == "weighted characters" else plain_length
            if f.kind == "lines":
                value = [trim_to(v, f.limit.max, counter) for v in value]
            elif f.kind != "html":
                value = trim_to(value, f.limit.max, counter)
        data[f.name] = value
    if spec.code == "amazon_title":
        title = "".join(ch for ch in data["text"] if ch not in AMAZON_TITLE_FORBIDDEN)
        for phrase in PROMO_PHRASES:
            title = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", "", title, flags=re.I)
        data["text"] = re.sub(r"\s{2,}", " ", title).strip(" ,-")
    if spec.code == "instagram_caption":
        seen = 0

        def keep(match: re.Match) -> str:
            nonlocal seen
            seen += 1
            return match.group(0) if seen <= MAX_HASHTAGS else ""

        data["text"] = re.sub(r"(?<!\w)#\w+", keep, data["text"]).strip()
    return data
