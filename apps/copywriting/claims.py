"""The claim guard: every draft, from every provider, is checked against the product's facts
before anyone sees it.

A claim is something a shopper could hold the shop to: a number (with or without a unit), a
material, a colour, a size, a certification or promise ("organic", "waterproof",
"dishwasher safe", "vegetarian"), a proper noun or trademark ("Air technology", "Sweden",
"IKEA"). Each must be supported by the facts (:meth:`ProductFacts.support_text`: title, vendor,
type, attributes, options, meaningful tags, what the description states and the description
itself) or be one of the brand's own names from its style guide.

What it cannot do: it checks what the copy *states* against what the product's data *states*.
It does not know whether the data is true, and it does not judge opinions ("a timeless
shape"), styling suggestions or words outside its vocabularies (a material it has never heard
of is not recognised as a material).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from apps.catalog import vocabulary
from apps.copywriting.facts import ProductFacts

NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\d])")
SPELLED = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20",
    "dozen": "12", "hundred": "100",
}  # fmt: skip
SIZE_TOKEN = re.compile(r"(?<![\w-])(XXS|XS|XXXL|XXL|XL|[2-6]XL|S|M|L)(?![\w-])")
SIZE_PHRASE = re.compile(r"\bsizes?\s+(\d{1,3}|[A-Z]{1,4})\b")
TOKEN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w'’&.-]*[\w]|[A-Za-z]")
SENTENCE_END = re.compile(r"[.!?…:;]\s*$|^\s*$")
MARKED = re.compile(r"([\w'’-]+(?:\s+[\w'’-]+)?)\s*[™®]")
INTERNAL_CAPS = re.compile(r"^[a-z]+[A-Z]\w*$|^[A-Z]{2,}[a-z]+[A-Z]\w*$|^\w+-[A-Z]{2,}$")
ALWAYS_OK = {"i", "a"}


@dataclass(frozen=True)
class Claim:
    kind: str  # number, material, colour, size, certification, name
    text: str

    def describe(self) -> str:
        return f"unsupported: ‘{self.text}’"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text}


def _norm_number(value: str) -> str:
    value = value.replace(",", ".")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value.lstrip("0") or "0"


def _words(text: str) -> set[str]:
    return {w.lower().strip("'’.-") for w in TOKEN.findall(text)}


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 2 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def plain(text: str) -> str:
    """Visible text of a field (HTML tags out, entities decoded), for checking."""
    return html.unescape(re.sub(r"<[^>]+>", " ", text or ""))


class Support:
    """What the facts (and the brand's own names) support, indexed for checking drafts."""

    def __init__(
        self,
        facts: ProductFacts,
        *,
        own_names: Iterable[str] = (),
        extra: Iterable[str] = (),
        foreign_names: Iterable[str] = (),
    ) -> None:
        text = "\n".join([facts.support_text(), *own_names, *extra])
        self.text = text
        self.words = _words(text)
        self.words |= {_singular(w) for w in self.words}
        self.numbers = {_norm_number(n) for n in NUMBER.findall(text)}
        self.numbers |= {SPELLED[w] for w in self.words if w in SPELLED}
        self.materials = self._with_parts(vocabulary.find_terms(text, vocabulary.MATERIALS))
        self.colours = self._with_parts(vocabulary.find_terms(text, vocabulary.COLOURS))
        # "Not waterproof" in the facts supports no "waterproof" in the copy.
        self.certifications = set(vocabulary.affirmed_terms(text, vocabulary.CERTIFICATIONS))
        self.sizes = {m.group(0) for m in SIZE_TOKEN.finditer(text)}
        self.sizes |= {v.upper() for v in facts.size_options}
        self.trademarks = set(vocabulary.find_terms(text, vocabulary.TRADEMARKS))
        # Other brands of this workspace (vendors, profiles): never this product's unless named.
        self.foreign = tuple(
            n
            for n in dict.fromkeys(n.strip() for n in foreign_names)
            if n and n.lower() not in text.lower()
        )

    @staticmethod
    def _with_parts(terms: list[str]) -> set[str]:
        found = set(terms)
        for term in terms:
            found |= set(term.replace("-", " ").split())
        return found

    # --- checking -----------------------------------------------------------------------------

    def unsupported(self, text: str) -> list[Claim]:
        """The claims in ``text`` that the facts do not support, each once, in order."""
        body = plain(text)
        found: list[Claim] = []
        found += self._numbers(body)
        found += self._terms(body, vocabulary.MATERIALS, self.materials, "material")
        found += self._terms(body, vocabulary.COLOURS, self.colours, "colour")
        found += self._certifications(body)
        found += self._sizes(body)
        found += self._names(body)
        out, seen = [], set()
        for claim in found:
            key = claim.text.lower()
            if key not in seen:
                seen.add(key)
                out.append(claim)
        return out

    def _numbers(self, body: str) -> list[Claim]:
        claims = []
        for match in NUMBER.finditer(body):
            if _norm_number(match.group(0)) not in self.numbers:
                end = match.end()
                tail = re.match(r"\s*[-]?\s*([A-Za-z%\"″]+(?:/[A-Za-z²]+)?)", body[end:])
                words = match.group(0) + (
                    body[end : end + tail.end()] if tail and len(tail.group(1)) <= 8 else ""
                )
                claims.append(Claim("number", " ".join(words.split())))
        for word in _words(body):
            if word in SPELLED and SPELLED[word] not in self.numbers and word not in self.words:
                claims.append(Claim("number", word))
        return claims

    def _terms(self, body: str, terms: tuple[str, ...], supported: set[str], kind: str):
        claims = []
        for term in vocabulary.find_terms(body, terms):
            parts = term.replace("-", " ").split()
            if term in supported or all(p in supported or p in self.words for p in parts):
                continue
            claims.append(Claim(kind, term))
        return claims

    def _certifications(self, body: str) -> list[Claim]:
        claims = []
        for term in vocabulary.find_terms(body, vocabulary.CERTIFICATIONS):
            key = term.replace("-", " ")
            if term in self.certifications or key in {
                c.replace("-", " ") for c in self.certifications
            }:
                continue
            claims.append(Claim("certification", term))
        return claims

    def _sizes(self, body: str) -> list[Claim]:
        claims = []
        for match in SIZE_TOKEN.finditer(body):
            token = match.group(0)
            # A lone capital letter is a size only in a list of sizes ("S, M and L").
            if (
                len(token) == 1
                and not re.search(
                    r"(XS|XL|[SML])\s*(,|/|–|-|to|and)\s*$",
                    body[max(0, match.start() - 8) : match.start()],
                )
                and not re.match(
                    r"\s*(,|/|–|-|to|and)\s*(X{0,3}[SML]|[2-6]XL)\b", body[match.end() :]
                )
            ):
                continue
            if token not in self.sizes:
                claims.append(Claim("size", token))
        for match in SIZE_PHRASE.finditer(body):
            value = match.group(1)
            if (
                value not in self.sizes
                and _norm_number(value) not in self.numbers
                and (value.lower() not in self.words)
            ):
                claims.append(Claim("size", match.group(0)))
        return claims

    def _names(self, body: str) -> list[Claim]:
        claims = []
        lowered = body.lower()
        for term in vocabulary.find_terms(body, vocabulary.TRADEMARKS):
            if term not in self.trademarks and not all(w in self.words for w in _words(term)):
                claims.append(Claim("name", _as_written(body, term)))
        for name in self.foreign:
            if re.search(rf"(?<![\w]){re.escape(name.lower())}(?![\w])", lowered):
                claims.append(Claim("name", name))
        for match in MARKED.finditer(body):
            phrase = match.group(1)
            if not _words(phrase) <= self.words:
                claims.append(Claim("name", phrase))
        for phrase in _proper_phrases(body):
            if not _words(phrase) <= self.words | ALWAYS_OK:
                claims.append(Claim("name", phrase))
        return claims


def _as_written(body: str, term: str) -> str:
    match = re.search(re.escape(term).replace(r"\ ", r"\s+"), body, re.IGNORECASE)
    return match.group(0) if match else term


SMALL_WORDS = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "with", "by"}


def _is_title_case(line: str) -> bool:
    """A headline in Title Case, where capitals say nothing about names. A line that ends
    like a sentence is prose, however short ("ORIGIN: Made in Italy.")."""
    if re.search(r"[.!?]\s*$", line):
        return False
    words = [w for w in TOKEN.findall(line) if w.lower() not in SMALL_WORDS and not w.isupper()]
    if len(words) < 2:
        return False
    capitalised = sum(1 for w in words if w[:1].isupper())
    return capitalised / len(words) >= 0.75


def _proper_phrases(body: str) -> list[str]:
    """Runs of capitalised words that are not at the start of a sentence, in lines that are
    written in sentence case (in a Title Case headline every word is capitalised), and words
    with capitals inside them (iPhone, Dri-FIT) anywhere."""
    phrases = []
    for line in body.split("\n"):
        title_case = _is_title_case(line)
        tokens = list(re.finditer(r"\S+", line))
        run: list[str] = []
        for index, match in enumerate(tokens):
            raw = match.group(0)
            word = raw.strip("\"“”‘’'()[]{}.,;:!?•*-–—")
            previous = tokens[index - 1].group(0) if index else ""
            starts_sentence = (
                index == 0
                or bool(SENTENCE_END.search(previous))
                or previous
                in {
                    "•",
                    "-",
                    "–",
                    "—",
                    "*",
                }
            )
            capitalised = bool(word) and word[:1].isupper() and not word.isupper()
            if word and INTERNAL_CAPS.match(word):
                phrases.append(word)
            if capitalised and not starts_sentence and not title_case and len(word) > 1:
                run.append(word)
            else:
                if run:
                    phrases.append(" ".join(run))
                run = []
            if raw[-1:] in ".!?,;:" and run:
                phrases.append(" ".join(run))
                run = []
        if run:
            phrases.append(" ".join(run))
    return phrases


# --- removing what cannot stand ---------------------------------------------------------------

SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]*[A-Z0-9])")


@dataclass(frozen=True)
class Guarded:
    """A draft after the guard: its data, the sentences or items removed for an unsupported
    claim, and the unsupported claims still in it (which flag the draft)."""

    data: dict
    removed: tuple[str, ...] = ()
    remaining: tuple[Claim, ...] = ()


def _drop_sentences(text: str, support: Support) -> tuple[str, list[str]]:
    sentences = SENTENCE_SPLIT.split(text.strip())
    keep = [s for s in sentences if not support.unsupported(s)]
    if not keep or len(keep) == len(sentences):
        return text, []
    return " ".join(keep), [s for s in sentences if s not in keep]


def _guard_html(value: str, support: Support) -> tuple[str, list[str]]:
    removed: list[str] = []

    def paragraph(match: re.Match) -> str:
        inner, dropped = _drop_sentences(match.group(2), support)
        removed.extend(plain(d) for d in dropped)
        return f"{match.group(1)}{inner}{match.group(3)}"

    value = re.sub(r"(<p[^>]*>)(.*?)(</p>)", paragraph, value, flags=re.S | re.I)
    items = re.findall(r"<li[^>]*>.*?</li>", value, flags=re.S | re.I)
    bad = [item for item in items if support.unsupported(item)]
    if bad and len(bad) < len(items):
        for item in bad:
            value = value.replace(item, "", 1)
            removed.append(plain(item).strip())
    return value, removed


def guard(data: dict, fields: Iterable, support: Support) -> Guarded:
    """Remove what carries an unsupported claim where the copy stands without it (a sentence
    of a paragraph, an item of a list above its minimum); report what is left."""
    clean = dict(data)
    removed: list[str] = []
    for f in fields:
        value = clean.get(f.name)
        if f.kind == "lines":
            items = list(value or [])
            bad = [i for i in items if support.unsupported(i)]
            floor = f.items.min if f.items and f.items.min else 1
            if bad and len(items) - len(bad) >= floor:
                clean[f.name] = [i for i in items if i not in bad]
                removed += bad
        elif f.kind == "html":
            clean[f.name], dropped = _guard_html(str(value or ""), support)
            removed += dropped
        else:
            clean[f.name], dropped = _drop_sentences(str(value or ""), support)
            removed += dropped
    remaining: list[Claim] = []
    for f in fields:
        value = clean.get(f.name)
        texts = value if isinstance(value, list) else [value or ""]
        for text in texts:
            for claim in support.unsupported(str(text)):
                if claim.text.lower() not in {c.text.lower() for c in remaining}:
                    remaining.append(claim)
    return Guarded(clean, tuple(removed), tuple(remaining))
