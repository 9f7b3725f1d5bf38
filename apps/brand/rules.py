"""The style guide's hard rules, checked on any text: banned terms, person, emoji,
exclamation marks, reading level.

Banned entries are literal text, whatever characters they hold: "c++", "(new)", ".*" or
"[sale]" are escaped before matching, never compiled as patterns, and empty entries are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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


def banned_regex(term: str) -> re.Pattern:
    """A literal, case-insensitive match of ``term`` on word edges where it has them."""
    escaped = re.escape(term)
    start = r"(?<!\w)" if term[:1].isalnum() else ""
    end = r"(?!\w)" if term[-1:].isalnum() else ""
    return re.compile(start + escaped + end, re.IGNORECASE)


def find_banned(text: str, banned: Sequence[BannedTerm]) -> list[BannedTerm]:
    return [entry for entry in banned if banned_regex(entry.term).search(text)]


def apply_replacements(text: str, banned: Sequence[BannedTerm]) -> str:
    """Replace banned terms that have a replacement (others are left for the checks to flag)."""
    for entry in banned:
        if entry.replacement:
            text = banned_regex(entry.term).sub(entry.replacement, text)
    return text


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
