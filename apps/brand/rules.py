"""The style guide's hard rules: the one engine that checks and enforces them on any text.

Banned terms, person, emoji, exclamation marks and reading level are checked by :func:`check`;
banned terms and preferred terms are enforced by :func:`enforce`. Both use the same table of
banned terms and the same matcher (:func:`banned_regex`), so what the checks flag is exactly
what enforcement removes.

Banned entries are literal text, whatever characters they hold: "c++", "(new)", ".*" or
"[sale]" are escaped before matching, never compiled as patterns, and empty entries are ignored.
A term that ends in a letter or digit also matches its regular inflections ("cheap" matches
"cheaper", "cheapest" and "cheaply", not "cheapskate"): a brand that bans a word bans its forms.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from apps.brand.text import EMOJI_RE, I_WORDS, WE_WORDS, reading_grade, words

MAX_TERM_LENGTH = 100


@dataclass(frozen=True)
class BannedTerm:
    term: str
    replacement: str = ""


def clean_banned(entries: Iterable) -> list[BannedTerm]:
    """Banned terms from stored JSON or form input; empty, blank and repeated entries dropped."""
    out: list[BannedTerm] = []
    seen: set[str] = set()
    for entry in entries or ():
        if isinstance(entry, dict):
            term, replacement = entry.get("term", ""), entry.get("replacement", "")
        elif isinstance(entry, list | tuple) and entry:
            term, replacement = entry[0], entry[1] if len(entry) > 1 else ""
        else:
            term, replacement = entry, ""
        term = " ".join(str(term or "").split())[:MAX_TERM_LENGTH]
        replacement = " ".join(str(replacement or "").split())[:MAX_TERM_LENGTH]
        if not term or term.lower() in seen:
            continue
        seen.add(term.lower())
        out.append(BannedTerm(term, replacement))
    return out


def parse_banned_lines(value: str) -> list[BannedTerm]:
    """One entry a line: ``term`` or ``term => replacement`` (also ``->`` or a tab)."""
    entries = []
    for line in (value or "").splitlines():
        for separator in ("=>", "->", "\t"):
            if separator in line:
                term, replacement = line.split(separator, 1)
                break
        else:
            term, replacement = line, ""
        entries.append((term, replacement))
    return clean_banned(entries)


INFLECTIONS = r"(?:s|es|d|ed|r|er|ers|st|est|ly|ily|ing|ness)?"


@functools.lru_cache(maxsize=512)
def banned_regex(term: str) -> re.Pattern:
    """A literal, case-insensitive match of ``term`` (and its inflections when it ends in a
    letter or digit) on word edges where it has them."""
    escaped = re.escape(term)
    start = r"(?<![\w'’])" if term[:1].isalnum() else ""
    end = INFLECTIONS + r"(?![\w'’])" if term[-1:].isalnum() else ""
    return re.compile(start + escaped + end, re.IGNORECASE)


def find_banned(text: str, banned: Sequence[BannedTerm]) -> list[BannedTerm]:
    return [entry for entry in banned if banned_regex(entry.term).search(text)]


def _same_case(replacement: str, found: str) -> str:
    if found[:1].isupper() and replacement[:1].islower():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def apply_replacements(text: str, banned: Sequence[BannedTerm]) -> str:
    """Replace banned terms that have a replacement (others are left for the checks to flag)."""
    for entry in banned:
        if entry.replacement:
            text = banned_regex(entry.term).sub(_replacer(entry.replacement), text)
    return text


def _replacer(replacement: str) -> Callable[[re.Match[str]], str]:
    """A re.sub callback writing ``replacement`` in the case of the text it replaces."""
    return lambda match: _same_case(replacement, match.group(0))


def apply_preferred(text: str, preferred: Iterable[str]) -> str:
    """Preferred terms written "avoid => prefer" replace the avoided word (whole words)."""
    for rule in preferred:
        if "=>" not in rule:
            continue
        avoid, prefer = (part.strip() for part in rule.split("=>", 1))
        if avoid and prefer:
            pattern = re.compile(rf"(?<![\w-]){re.escape(avoid)}(?![\w-])", re.IGNORECASE)
            text = pattern.sub(_replacer(prefer), text)
    return text


SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[A-Z0-9“\"'(])")


@dataclass(frozen=True)
class Enforced:
    """What :func:`enforce` made of a text: the text, what it replaced and removed, and the
    banned terms it could not remove without breaking the text (empty when ``ok``)."""

    text: str
    replaced: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()  # whole sentences left out for holding a banned term
    remaining: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.remaining


def enforce(text: str, banned: Sequence[BannedTerm], *, preferred: Iterable[str] = ()) -> Enforced:
    """The text with the style guide's terms applied: preferred terms swapped in, banned terms
    with a replacement replaced, and any sentence (or line) still holding a banned term left
    out when other sentences remain. A banned term is never cut out of the middle of a sentence
    (that leaves "A, made shirt."): a one-sentence text that holds one comes back unchanged
    with the term in ``remaining``, for the caller to drop or flag."""
    text = apply_preferred(text, preferred)
    replaced = tuple(
        entry.term
        for entry in banned
        if entry.replacement and banned_regex(entry.term).search(text)
    )
    text = apply_replacements(text, banned)
    if not find_banned(text, banned):
        return Enforced(text, replaced=replaced)
    removed: list[str] = []
    lines = []
    for line in text.split("\n"):
        units = SENTENCE_SPLIT.split(line)
        kept = [unit for unit in units if not find_banned(unit, banned)]
        dropped = [unit for unit in units if find_banned(unit, banned)]
        if dropped and kept:
            removed += dropped
            lines.append(" ".join(kept))
        elif dropped and len(text.split("\n")) > 1 and line.strip():
            removed += dropped  # a whole line (a bullet, a headline) goes
        else:
            lines.append(line)
    cleaned = "\n".join(lines)
    remaining = tuple(entry.term for entry in find_banned(cleaned, banned))
    if remaining or not cleaned.strip():
        return Enforced(
            text,
            replaced=replaced,
            remaining=remaining or tuple(entry.term for entry in find_banned(text, banned)),
        )
    return Enforced(cleaned, replaced=replaced, removed=tuple(removed))


@dataclass(frozen=True)
class StyleGuide:
    banned: tuple[BannedTerm, ...] = ()
    person: str = "any"
    emoji_policy: str = "allowed"
    exclamation_policy: str = "allowed"
    reading_grade_target: float | None = None


def check(text: str, guide: StyleGuide) -> list[str]:
    """The rules ``text`` breaks, each said for a person."""
    broken: list[str] = []
    for entry in find_banned(text, guide.banned):
        hint = f" (use “{entry.replacement}”)" if entry.replacement else ""
        broken.append(f"Uses the banned term “{entry.term}”{hint}.")
    lowered = {w.lower().replace("’", "'") for w in words(text)}
    if guide.person == "we" and lowered & I_WORDS:
        broken.append("Speaks as “I”; the brand speaks as “we”.")
    elif guide.person == "you" and lowered & WE_WORDS:
        broken.append("Speaks as “we”; the style guide addresses the reader without “we”.")
    elif guide.person == "third" and lowered & (WE_WORDS | I_WORDS):
        broken.append("Speaks as “we” or “I”; the style guide asks for neither.")
    emoji = len(EMOJI_RE.findall(text))
    if emoji and guide.emoji_policy == "never":
        broken.append("Uses emoji; the style guide allows none.")
    elif emoji > 1 and guide.emoji_policy == "sparingly":
        broken.append(f"Uses {emoji} emoji; the style guide allows one at most.")
    marks = text.count("!")
    if marks and guide.exclamation_policy == "never":
        broken.append("Uses exclamation marks; the style guide allows none.")
    elif marks > 1 and guide.exclamation_policy == "sparingly":
        broken.append(f"Uses {marks} exclamation marks; the style guide allows one at most.")
    if guide.reading_grade_target is not None and text.strip():
        grade = reading_grade(text)
        if grade > guide.reading_grade_target + 2:
            broken.append(
                f"Reads at grade {grade:.0f}; the target is {guide.reading_grade_target:g}."
            )
    return broken
