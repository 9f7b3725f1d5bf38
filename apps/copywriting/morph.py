"""English morphology for the offline writer, from well-kept libraries rather than rules of our
own: ``inflect`` for articles, plurals and lists, ``lemminflect`` for a word's part of speech.
"""

from __future__ import annotations

import re
from functools import lru_cache

import inflect
from lemminflect import getAllLemmas

from apps.catalog.vocabulary import PLURAL_ONLY

_ENGINE = inflect.engine()
LEADING_NUMBER = re.compile(r"^(\d+(?:[.,]\d+)?)")
PREPOSITIONS = {
    "down", "on", "at", "in", "with", "for", "of", "to", "from", "along", "around", "across",
    "over", "under", "inside", "outside", "by", "into",
}  # fmt: skip
DETERMINERS = {
    "a", "an", "the", "two", "three", "four", "five", "six", "its", "their", "this", "these",
    "some", "every", "each", "one", "no",
}  # fmt: skip
# Words a feature must not start with to be read after "with" ("with for indoor use").
NOT_NOUN_START = {
    "not", "for", "while", "with", "without", "to", "in", "on", "at", "by", "from", "if", "when",
    "and", "or", "but", "so", "as", "very", "more", "less", "also", "just",
}  # fmt: skip


@lru_cache(maxsize=4096)
def article(phrase: str) -> str:
    """ "a" or "an" for ``phrase`` as it is spoken ("an 8-inch", "an XL", "a unicorn")."""
    word = phrase.strip()
    number = LEADING_NUMBER.match(word)
    if number:
        spoken = _ENGINE.number_to_words(number.group(1).replace(",", "."))
        word = f"{spoken}{word[number.end() :]}"
    return _ENGINE.a(word).split(" ", 1)[0] if word else "a"


def with_article(phrase: str) -> str:
    return f"{article(phrase)} {phrase}"


def join(items: list[str], conjunction: str = "and") -> str:
    """ "a, b and c" (no serial comma, as most shop copy writes it)."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return items[0] if items else ""
    return _ENGINE.join(items, conj=conjunction, final_sep="")


def plural(noun: str) -> str:
    last = noun.split()[-1] if noun else noun
    if last in PLURAL_ONLY or is_plural(last):
        return noun
    return _ENGINE.plural_noun(noun) or noun


def is_plural(word: str) -> bool:
    """Whether a noun is plural ("sleeves", "jeans"), by its dictionary lemma."""
    lowered = word.lower()
    if lowered in PLURAL_ONLY:
        return True
    if not lowered.isalpha() or lowered.endswith("ss"):
        return False
    return bool(_ENGINE.singular_noun(lowered))


def head_word(phrase: str) -> str:
    """The noun a phrase is about: its last word before a preposition ("buttons" in "buttons
    down the front")."""
    words = re.findall(r"[A-Za-z][\w'’-]*", phrase)
    head = ""
    for word in words:
        if word.lower() in PREPOSITIONS and head:
            break
        head = word
    return head


def reads_as_noun_phrase(phrase: str) -> bool:
    """Whether a feature is a thing ("a narrow collar", "long sleeves"), not a clause or a
    description ("for indoor use", "white or transparent", "not waterproof")."""
    words = re.findall(r"[A-Za-z][\w'’-]*", phrase)
    if not words or words[0].lower() in NOT_NOUN_START:
        return False
    head = head_word(phrase)
    return bool(head) and "NOUN" in parts_of_speech(head) and head.lower() not in NOT_NOUN_START


def noun_phrase(phrase: str) -> str:
    """A feature as it reads after "with": singular countable nouns get an article ("a
    narrow collar"), plurals and phrases that have a determiner stay as they are."""
    text = phrase.strip()
    if not text:
        return text
    first = text.split()[0].lower()
    if first in DETERMINERS or re.match(r"^\d", first):
        return text
    head = head_word(text)
    if not head or is_plural(head) or not is_noun(head):
        return text
    return with_article(text)


@lru_cache(maxsize=4096)
def parts_of_speech(word: str) -> frozenset[str]:
    return frozenset(getAllLemmas(word.lower()).keys())


def is_noun(word: str) -> bool:
    kinds = parts_of_speech(word)
    return "NOUN" in kinds or not kinds


def is_adjective(word: str) -> bool:
    kinds = parts_of_speech(word)
    return "ADJ" in kinds and "NOUN" not in kinds


def phrase_kind(phrase: str) -> str:
    """ "adjective" for a describing word or phrase ("timeless", "soft and light"), "noun" for
    a thing ("everyday wear", "gift")."""
    words = re.findall(r"[A-Za-z][\w'’-]*", phrase)
    if not words:
        return "noun"
    return "adjective" if is_adjective(words[-1]) else "noun"


def lower_first(text: str) -> str:
    """ "Sewn in label" -> "sewn in label"; names and acronyms stay ("USB port", "C-Handle")."""
    if not text:
        return text
    first = text.split()[0]
    if len(first) > 1 and (first.isupper() or re.search(r"[A-Z]", first[1:])):
        return text
    return text[0].lower() + text[1:]


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def sentence(text: str) -> str:
    """A capitalised sentence with one full stop (or its own ! or ?)."""
    text = " ".join(text.split()).strip()
    if not text:
        return ""
    text = upper_first(text)
    return text if text[-1] in ".!?" else text + "."


def title_case(text: str) -> str:
    """Headline capitals: each word capitalised but short function words; words with their
    own capitals (iPhone, XL, T-Shirt) kept."""
    small = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "with", "by"}
    words = text.split(" ")
    out = []
    for i, word in enumerate(words):
        if any(ch.isupper() for ch in word) or not word or (i and word in small):
            out.append(word)
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(out)
