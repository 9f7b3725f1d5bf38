"""Counting copy as each channel counts it: characters, X's weighted length, visible text."""

from __future__ import annotations

import html
import re
import unicodedata

# --- counting ----------------------------------------------------------------------------------

URL_RE = re.compile(r"https?://\S+|www\.\S+", re.I)
X_URL_WEIGHT = 23


def _is_wide(ch: str) -> bool:
    """Characters X counts twice: emoji and CJK (and other wide forms)."""
    code = ord(ch)
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return True
    return (
        0x1F000 <= code <= 0x1FAFF  # emoji, symbols and pictographs
        or 0x2600 <= code <= 0x27BF  # misc symbols, dingbats
        or 0x1F1E6 <= code <= 0x1F1FF  # flags
    )


def x_weighted_length(text: str) -> int:
    """Length as X counts it: NFC text, every URL 23, emoji and CJK 2, the rest 1.

    Combining marks, variation selectors and zero-width joiners add nothing (they are part of
    the character or emoji before them).
    """
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for match in URL_RE.finditer(text):
        total += _x_plain_length(text[position : match.start()]) + X_URL_WEIGHT
        position = match.end()
    return total + _x_plain_length(text[position:])


def _x_plain_length(text: str) -> int:
    total = 0
    for ch in text:
        if ch in "\u200d\ufe0f\ufe0e" or unicodedata.combining(ch):
            continue
        if 0x1F3FB <= ord(ch) <= 0x1F3FF:  # skin-tone modifiers belong to the emoji before
            continue
        total += 2 if _is_wide(ch) else 1
    return total


def plain_length(text: str) -> int:
    return len(unicodedata.normalize("NFC", text))


def html_text(value: str) -> str:
    """The visible text of a bit of HTML, for counting."""
    return html.unescape(re.sub(r"<[^>]+>", " ", value)).strip()
