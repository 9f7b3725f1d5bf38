"""Plain-text helpers: cleaning material, sentences, words, style statistics, copied runs.

Pure functions (no database), shared by training, scoring, the local provider's checks and the
``evaluate_brands`` command.
"""

from __future__ import annotations

import html
import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WORD_RE = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9]+(?:['’-][A-Za-zÀ-ÖØ-öø-ÿ0-9]+)*")
RUN_WORD_RE = re.compile(r"\w+")
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?…])[\"”’)]*\s+(?=[\"“‘(]*[A-Z0-9a-z])")
TAG_RE = re.compile(r"<[^>]+>")
BLOCK_TAG_RE = re.compile(r"(?i)</?(p|div|br|li|ul|ol|h[1-6]|tr|table)\b[^>]*>")
EMOJI_RE = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\U0001f900-\U0001f9ff]"
)
VOWEL_GROUPS_RE = re.compile(r"[aeiouy]+")
WE_WORDS = frozenset({"we", "our", "ours", "us", "we're", "we've", "we'll", "ourselves"})
YOU_WORDS = frozenset({"you", "your", "yours", "you're", "you'll", "you've", "yourself"})
I_WORDS = frozenset({"i", "my", "me", "mine", "i'm", "i've", "i'll"})
BE_WORDS = frozenset({"is", "are", "was", "were", "be", "been", "being"})
PASSIVE_RE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?\w+(?:ed|en)\b", re.I)
COPY_RUN_WORDS = 10
MAX_MATERIAL_CHARS = 20_000  # one text of a profile's material


def html_to_text(value: str) -> str:
    """Store HTML as text: block tags become paragraph breaks, entities are decoded."""
    if "<" not in value and "&" not in value:
        return value.strip()
    text = BLOCK_TAG_RE.sub("\n", value)
    text = html.unescape(TAG_RE.sub("", text))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def material_text(value: object) -> str:
    """A text as the profile keeps it: plain text (HTML made plain), at most
    ``MAX_MATERIAL_CHARS`` characters."""
    return html_to_text(str(value or ""))[:MAX_MATERIAL_CHARS].strip()


def words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def sentences(text: str) -> list[str]:
    out = []
    for paragraph in paragraphs(text):
        out += [s.strip() for s in SENTENCE_SPLIT_RE.split(paragraph) if s.strip()]
    return out


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n(?=[•\-*]\s)", text or "") if p.strip()]


def syllables(word: str) -> int:
    word = word.lower()
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:es|ed|e)$", "", word)
    return max(1, len(VOWEL_GROUPS_RE.findall(word)))


def reading_grade(text: str) -> float:
    """Flesch–Kincaid grade level (a US school grade; 6–8 is plain, 12+ is dense)."""
    found = words(text)
    count = len(found)
    if not count:
        return 0.0
    sentence_count = max(1, len(sentences(text)))
    syllable_count = sum(syllables(w) for w in found)
    grade = 0.39 * count / sentence_count + 11.8 * syllable_count / count - 15.59
    return round(max(0.0, min(grade, 25.0)), 2)


@dataclass(frozen=True)
class TextStats:
    """Style measurements of one text."""

    words: int
    sentences: int
    paragraphs: int
    words_per_sentence: float
    reading_grade: float
    commas_per_sentence: float
    exclamations: int
    questions: int
    emoji: int
    we_share: float  # first-person plural words per 100 words
    you_share: float  # second-person words per 100 words
    i_share: float
    passive_per_sentence: float
    lowercase_start: float  # share of sentences that start in lower case
    caps_words: float  # share of words in CAPITALS (3+ letters)
    digits_share: float  # share of words with a digit

    @classmethod
    def of(cls, text: str) -> TextStats:
        found = words(text)
        count = max(1, len(found))
        lowered = [w.lower().replace("’", "'") for w in found]
        sentence_list = sentences(text) or [text]
        n_sentences = max(1, len(sentence_list))
        starts = [s.lstrip('"“‘(•-* ')[:1] for s in sentence_list]
        return cls(
            words=len(found),
            sentences=len(sentence_list) if text.strip() else 0,
            paragraphs=len(paragraphs(text)),
            words_per_sentence=len(found) / n_sentences,
            reading_grade=reading_grade(text),
            commas_per_sentence=text.count(",") / n_sentences,
            exclamations=text.count("!"),
            questions=text.count("?"),
            emoji=len(EMOJI_RE.findall(text)),
            we_share=100 * sum(w in WE_WORDS for w in lowered) / count,
            you_share=100 * sum(w in YOU_WORDS for w in lowered) / count,
            i_share=100 * sum(w in I_WORDS for w in lowered) / count,
            passive_per_sentence=len(PASSIVE_RE.findall(text)) / n_sentences,
            lowercase_start=sum(1 for c in starts if c.islower()) / n_sentences,
            caps_words=sum(1 for w in found if len(w) >= 3 and w.isupper()) / count,
            digits_share=sum(1 for w in found if any(ch.isdigit() for ch in w)) / count,
        )


# Statistics compared between a candidate and the brand, with how to say them to a person.
STAT_LABELS: dict[str, str] = {
    "words": "length (words)",
    "words_per_sentence": "words per sentence",
    "reading_grade": "reading grade",
    "commas_per_sentence": "commas per sentence",
    "exclamations": "exclamation marks",
    "emoji": "emoji",
    "we_share": "“we/our” per 100 words",
    "you_share": "“you/your” per 100 words",
    "passive_per_sentence": "passive constructions per sentence",
    "lowercase_start": "sentences starting in lower case",
    "caps_words": "words in capitals",
}


def _summary(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    n = len(ordered)

    def quantile(q: float) -> float:
        return float(ordered[min(n - 1, max(0, round(q * (n - 1))))])

    return {
        "mean": round(statistics.fmean(ordered), 3),
        "sd": round(statistics.pstdev(ordered), 3) if n > 1 else 0.0,
        "p10": round(quantile(0.1), 3),
        "p50": round(quantile(0.5), 3),
        "p90": round(quantile(0.9), 3),
    }


def _histogram(values: Iterable[float], edges: Sequence[float]) -> list[int]:
    counts = [0] * (len(edges) + 1)
    for value in values:
        index = sum(1 for edge in edges if value >= edge)
        counts[index] += 1
    return counts


SENTENCE_EDGES = (5, 10, 15, 20, 25, 30, 40)
PARAGRAPH_EDGES = (1, 2, 3, 4, 6, 8)


def style_profile(texts: Sequence[str]) -> dict:
    """The brand's style statistics over its material: distributions and rates."""
    per_text = [TextStats.of(t) for t in texts if t.strip()]
    if not per_text:
        return {}
    sentence_lengths = [len(words(s)) for t in texts for s in sentences(t)]
    paragraph_sizes = [len(sentences(p)) for t in texts for p in paragraphs(t)]
    profile: dict = {"texts": len(per_text)}
    for name in STAT_LABELS:
        profile[name] = _summary([getattr(s, name) for s in per_text])
    profile["sentence_length"] = {
        **_summary(sentence_lengths or [0]),
        "edges": list(SENTENCE_EDGES),
        "histogram": _histogram(sentence_lengths, SENTENCE_EDGES),
    }
    profile["paragraph_sentences"] = {
        **_summary(paragraph_sizes or [0]),
        "edges": list(PARAGRAPH_EDGES),
        "histogram": _histogram(paragraph_sizes, PARAGRAPH_EDGES),
    }
    n = len(per_text)
    profile["rates"] = {
        "exclamation_texts": round(sum(1 for s in per_text if s.exclamations) / n, 3),
        "emoji_texts": round(sum(1 for s in per_text if s.emoji) / n, 3),
        "question_texts": round(sum(1 for s in per_text if s.questions) / n, 3),
        "we_texts": round(sum(1 for s in per_text if s.we_share) / n, 3),
        "you_texts": round(sum(1 for s in per_text if s.you_share) / n, 3),
        "lowercase_texts": round(sum(1 for s in per_text if s.lowercase_start > 0.5) / n, 3),
    }
    we, you = profile["we_share"]["mean"], profile["you_share"]["mean"]
    profile["person"] = "we" if we > you and we > 0.5 else ("you" if you > 0.5 else "neutral")
    profile["voice"] = (
        "often passive" if profile["passive_per_sentence"]["mean"] > 0.25 else "mostly active"
    )
    return profile


def stat_deviations(
    stats: TextStats, profile: dict, *, threshold: float = 2.0, limit: int = 3
) -> list[dict]:
    """The statistics of ``stats`` furthest from the brand's, beyond ``threshold`` spreads."""
    found = []
    for name, label in STAT_LABELS.items():
        summary = profile.get(name)
        if not summary:
            continue
        value = float(getattr(stats, name))
        mean, sd = summary["mean"], summary["sd"]
        spread = max(sd, abs(mean) * 0.15, _MIN_SPREAD.get(name, 0.5))
        z = (value - mean) / spread
        if abs(z) >= threshold:
            found.append(
                {
                    "stat": name,
                    "label": label,
                    "value": round(value, 2),
                    "brand_mean": round(mean, 2),
                    "brand_sd": round(sd, 2),
                    "z": round(z, 2),
                }
            )
    found.sort(key=lambda d: -abs(d["z"]))
    return found[:limit]


_MIN_SPREAD = {
    "words": 5.0,
    "words_per_sentence": 3.0,
    "reading_grade": 1.5,
    "commas_per_sentence": 0.5,
    "exclamations": 0.5,
    "emoji": 0.5,
    "we_share": 1.0,
    "you_share": 1.0,
    "passive_per_sentence": 0.2,
    "lowercase_start": 0.2,
    "caps_words": 0.05,
}


# --- Copied runs -------------------------------------------------------------------------------


def run_words(text: str) -> list[str]:
    """Lower-case words for run comparison (punctuation and case ignored)."""
    return RUN_WORD_RE.findall(text.lower())


def shingles(text: str, size: int = COPY_RUN_WORDS) -> set[tuple[str, ...]]:
    tokens = run_words(text)
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def shingle_index(texts: Iterable[str], size: int = COPY_RUN_WORDS) -> set[tuple[str, ...]]:
    index: set[tuple[str, ...]] = set()
    for text in texts:
        index |= shingles(text, size)
    return index


def copies_run(text: str, index: set[tuple[str, ...]], size: int = COPY_RUN_WORDS) -> bool:
    """True when ``text`` repeats ``size`` or more consecutive words found in ``index``."""
    return any(shingle in index for shingle in shingles(text, size))


def longest_shared_run(text: str, source: str) -> int:
    """Length in words of the longest run of ``text`` that also appears in ``source``."""
    a, b = run_words(text), run_words(source)
    if not a or not b:
        return 0
    best = 0
    previous = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        current = [0] * (len(b) + 1)
        word = a[i - 1]
        for j in range(1, len(b) + 1):
            if word == b[j - 1]:
                current[j] = previous[j - 1] + 1
                if current[j] > best:
                    best = current[j]
        previous = current
    return best


def clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def finite(value: float, default: float = 0.0) -> float:
    return value if math.isfinite(value) else default
