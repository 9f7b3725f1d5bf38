"""The local provider's brand voice: drafts written from the brand's own exemplars.

When a request carries exemplars (``BrandRules.exemplars``: the brand's copy closest to this
product, from its brand profile) the local provider does not use its generic templates. It
writes new sentences from the exemplars' own phrasing: a word-level Markov chain (order 2,
falling back to order 1) over the exemplars' sentences, with the exemplar's product name
replaced by this product's title, a preference for the brand's lexicon terms
(``BrandRules.lexicon``), and the brand's usual number of sentences.

It must write a voice, not a collage: no run of ``MAX_SHARED_RUN`` consecutive words (or more)
may repeat an exemplar (the check is on lower-case words, ignoring punctuation, and runs across
sentences). A continuation that would make such a run is refused; a sentence that cannot go on
ends or is written again. Deterministic for a given seeded random generator.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

MAX_SHARED_RUN = 7  # words; the brand profile's copy check flags 10
TOKEN_RE = re.compile(r"⟦T⟧|[\w'’]+(?:[-/][\w'’]+)*|[^\w\s]")
RUN_WORD_RE = re.compile(r"\w+")
SLOT = "⟦T⟧"
START = "<s>"
END_MARKS = {".", "!", "?"}
NO_SPACE_BEFORE = {".", ",", "!", "?", ";", ":", ")", "%", "”", "’"}
NO_SPACE_AFTER = {"(", "“", "‘", "$", "£", "€", "#"}
SENTENCE_TRIES = 8


@dataclass
class _Chain:
    order2: dict[tuple[str, str], list[str]]
    order1: dict[str, list[str]]
    shingles: set[tuple[str, ...]]
    sentence_counts: list[int]
    sentence_lengths: list[int]
    slot_share: float
    foreign: set[str]


def _title_spans(title: str) -> list[str]:
    """The title and its contiguous sub-spans of 2+ words, longest first."""
    parts = title.split()
    spans = []
    for size in range(len(parts), 1, -1):
        for start in range(0, len(parts) - size + 1):
            spans.append(" ".join(parts[start : start + size]))
    if len(parts) == 1 and len(parts[0]) > 3:
        spans.append(parts[0])
    return spans


def with_slot(title: str, text: str) -> str:
    """``text`` with mentions of its own product (``title``) replaced by the slot."""
    title = (title or "").strip()
    if not title:
        return text
    for span in _title_spans(title):
        pattern = re.compile(rf"(?<![\w]){re.escape(span)}(?![\w])", re.IGNORECASE)
        if pattern.search(text):
            return pattern.sub(SLOT, text)
    return text


def _sentences(tokens: list[str]) -> list[list[str]]:
    out, current = [], []
    for token in tokens:
        current.append(token)
        if token in END_MARKS:
            out.append(current)
            current = []
    if current:
        out.append([*current, "."])
    return [s for s in out if any(RUN_WORD_RE.match(t) or t == SLOT for t in s)]


def _build(exemplars: Sequence[tuple[str, str]], title: str, guard: int) -> _Chain:
    order2: dict[tuple[str, str], list[str]] = defaultdict(list)
    order1: dict[str, list[str]] = defaultdict(list)
    shingles: set[tuple[str, ...]] = set()
    counts, lengths, with_slots, total = [], [], 0, 0
    for ex_title, text in exemplars:
        shingle_words = RUN_WORD_RE.findall(text.lower())
        for i in range(len(shingle_words) - guard + 1):
            shingles.add(tuple(shingle_words[i : i + guard]))
        slotted = with_slot(ex_title, text)
        sentence_list = _sentences(TOKEN_RE.findall(slotted))
        counts.append(len(sentence_list))
        for sentence in sentence_list:
            total += 1
            with_slots += SLOT in sentence
            lengths.append(sum(1 for t in sentence if t not in END_MARKS))
            previous = (START, START)
            for token in sentence:
                order2[previous].append(token)
                order1[previous[1]].append(token)
                previous = (previous[1], token)
    # Names from the exemplars' titles ("Pegasus", "METOD") belong to other products: the
    # draft may not borrow them unless this product's title has them too.
    own = {w.lower() for w in RUN_WORD_RE.findall(title)}
    foreign = {
        word.lower()
        for ex_title, _ in exemplars
        for word in RUN_WORD_RE.findall(ex_title or "")
        if (word[:1].isupper() or any(ch.isdigit() for ch in word)) and word.lower() not in own
    }
    return _Chain(order2, order1, shingles, counts, lengths, with_slots / max(total, 1), foreign)


def _render(tokens: Sequence[str], title: str) -> str:
    out = ""
    for token in tokens:
        piece = title if token == SLOT else token
        if not out:
            out = piece
        elif token in NO_SPACE_BEFORE or out[-1:] in NO_SPACE_AFTER:
            out += piece
        else:
            out += " " + piece
    return out


def _words_of(token: str, title: str) -> list[str]:
    return RUN_WORD_RE.findall((title if token == SLOT else token).lower())


class _Writer:
    def __init__(
        self, chain: _Chain, title: str, lexicon: set[str], rng: random.Random, guard: int
    ) -> None:
        self.chain = chain
        self.title = title
        self.lexicon = lexicon
        self.rng = rng
        self.guard = guard

    def _copies(self, history: list[str]) -> bool:
        if len(history) < self.guard:
            return False
        return tuple(history[-self.guard :]) in self.chain.shingles

    def _weight(self, token: str) -> float:
        lowered = token.lower()
        return 3.0 if lowered in self.lexicon else 1.0

    def _choose(self, options: list[str], history: list[str], used: set[str]) -> str | None:
        weights: dict[str, float] = defaultdict(float)
        for token in options:
            weights[token] += self._weight(token)
        candidates = list(weights)
        self.rng.shuffle(candidates)
        candidates.sort(key=lambda t: -weights[t] * self.rng.random())
        for token in candidates:
            if token == SLOT and SLOT in used:
                continue  # the product's name once per sentence is enough
            if token.lower() in self.chain.foreign and token.lower() not in self.lexicon:
                continue
            words = _words_of(token, self.title)
            trial = history + words
            if any(self._copies(trial[: len(history) + i + 1]) for i in range(len(words))):
                continue
            return token
        return None

    def sentence(
        self, history: list[str], max_tokens: int, *, allow_slot: bool
    ) -> tuple[list[str], bool] | None:
        """One sentence and whether it ended naturally (None: it could not get going)."""
        tokens: list[str] = []
        local_history = list(history)
        previous = (START, START)
        used: set[str] = set() if allow_slot else {SLOT}
        while len(tokens) < max_tokens:
            options = self.chain.order2.get(previous, [])
            token = self._choose(options, local_history, used) if options else None
            if token is None:
                token = self._choose(self.chain.order1.get(previous[1], []), local_history, used)
            if token is None:
                break
            tokens.append(token)
            used.add(token)
            local_history += _words_of(token, self.title)
            if token in END_MARKS:
                return tokens, True
            previous = (previous[1], token)
        words = [t for t in tokens if RUN_WORD_RE.match(t) or t == SLOT]
        if len(words) >= 4:
            while tokens and not (RUN_WORD_RE.match(tokens[-1]) or tokens[-1] == SLOT):
                tokens.pop()
            return [*tokens, "."], False
        return None


def _median(values: list[int], default: int) -> int:
    if not values:
        return default
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def write_in_voice(
    *,
    title: str,
    exemplars: Sequence[tuple[str, str]],
    lexicon: Sequence[str],
    rng: random.Random,
    brief: bool = False,
    max_sentences: int | None = None,
) -> str:
    """A paragraph about ``title`` in the voice of ``exemplars``; '' when they give too little."""
    usable = [(t or "", x) for t, x in exemplars if x and x.strip()]
    if not usable:
        return ""
    chain = _build(usable, title, MAX_SHARED_RUN + 1)
    guard = MAX_SHARED_RUN + 1
    lexicon_words = {w for term in lexicon for w in term.lower().split()}
    writer = _Writer(chain, title, lexicon_words, rng, guard)
    target = _median(chain.sentence_counts, 2)
    if rng.random() < 0.3:
        target += rng.choice((-1, 1))
    target = max(1, min(target, 2 if brief else 8))
    if max_sentences:
        target = min(target, max_sentences)
    max_tokens = max(12, int(max(chain.sentence_lengths or [20]) * 1.3) + 2)
    history: list[str] = []
    sentences: list[list[str]] = []
    seen: set[str] = set()
    openers: set[tuple[str, ...]] = set()
    want_slot = chain.slot_share > 0
    title_words = {w for w in RUN_WORD_RE.findall(title.lower()) if len(w) > 2}
    typical = _median(chain.sentence_lengths, 12)
    for position in range(target):
        slot_used = any(SLOT in s for s in sentences)
        scored: list[tuple[float, list[str]]] = []
        for _ in range(SENTENCE_TRIES):
            made = writer.sentence(history, max_tokens, allow_slot=not slot_used)
            if made is None:
                continue
            candidate, natural = made
            rendered = _render(candidate, title).lower()
            if rendered in seen:
                continue
            words = RUN_WORD_RE.findall(rendered)
            # Prefer sentences that end as the brand's do, say something about this product,
            # name it first when the brand does, and do not start like an earlier sentence.
            score = 3.0 if natural else 0.0
            score += min(2.0, 0.7 * len(title_words & set(words)))
            if position == 0 and want_slot and SLOT in candidate:
                score += 2.0
            if tuple(words[:2]) in openers:
                score -= 2.0
            score -= abs(len(words) - typical) / max(typical, 1)
            scored.append((score + writer.rng.random() * 0.5, candidate))
        if not scored:
            continue
        best = max(scored, key=lambda pair: pair[0])[1]
        rendered = _render(best, title)
        seen.add(rendered.lower())
        openers.add(tuple(RUN_WORD_RE.findall(rendered.lower())[:2]))
        sentences.append(best)
        for token in best:
            history += _words_of(token, title)
    # Casing stays the brand's: a brand that writes in lower case keeps doing so.
    return " ".join(_render(s, title) for s in sentences)


def swap_fact(text: str, value: str, vocabulary: Sequence[str]) -> str:
    """Say this product's ``value`` (its material, its colour) where the draft, borrowing an
    exemplar's phrasing, names another from ``vocabulary``; unchanged when it already says it."""
    value = (value or "").strip()
    if not value or value.lower() in text.lower():
        return text
    for word in sorted(vocabulary, key=len, reverse=True):
        pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)
        if pattern.search(text):
            return pattern.sub(value.lower(), text, count=1)
    return text
