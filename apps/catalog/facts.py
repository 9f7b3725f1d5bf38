"""What a product's existing description states, as facts: materials, colours, fit, features,
dimensions, care, uses, origin and claims.

Extracted at import (and whenever the description changes, unless someone edited the facts by
hand), kept on the product (``Product.description_facts``), shown and editable on its page.
Copy is written from these and checked against them, so the extractor keeps only what the
description says about the product: shipping notices, gift-wrap and charity notes, "colours may
vary on your screen" and other shop boilerplate are left out.

It reads sentences and list items with patterns and the vocabulary of
:mod:`apps.catalog.vocabulary`; it does not understand language, so what it finds is shown to
people to correct, and what it misses is simply not said.
"""

from __future__ import annotations

import html
import re

from lemminflect import getAllLemmas

from apps.catalog import vocabulary

FACT_KEYS: tuple[str, ...] = (
    "materials",
    "colours",
    "fit",
    "features",
    "dimensions",
    "care",
    "uses",
    "origin",
    "claims",
)
FACT_LABELS: dict[str, str] = {
    "materials": "Materials",
    "colours": "Colours",
    "fit": "Fit and sizing",
    "features": "Features",
    "dimensions": "Dimensions and weights",
    "care": "Care",
    "uses": "Uses",
    "origin": "Made in",
    "claims": "Claims (certifications, safe for…)",
}
MAX_ITEMS = 12
MAX_ITEM_CHARS = 160

BOILERPLATE = re.compile(
    r"\b(ship(s|ped|ping)?|deliver(y|ed|ies)?|dispatch(ed)?|covid|pandemic|gift[\s-]?wrap\w*|"
    r"wrapping|profits?|donat\w*|charit\w*|monitor|screen|may vary|may appear|listing|"
    r"message me|reach out|contact us|e-?mail us|visit (my|our) (shop|store)|technical issue|"
    r"holidays?|christmas morning|business days?|returns?|refunds?|thank you|questions?|"
    r"see more|click|add to (cart|bag|basket)|buy now|coupon|discount|checkout|stock|"
    r"orders?|ordering|purchase|processing time|out of stock|sold out|pre-?order|"
    r"tracking|customs|duties|postage|warehouse|supplier|manufacturers?)\b",
    re.IGNORECASE,
)
FIRST_PERSON_SINGULAR = re.compile(r"(^|\s)(I|I'm|I’m|I've|I’ve|my|me)\b")
CARE = re.compile(
    r"\b(machine[\s-]wash\w*|hand[\s-]wash\w*|wash (cold|warm|inside out|separately|at \d+)\w*|"
    r"^wash\b|tumble[\s-]dry|dry[\s-]clean\w*|line[\s-]dry|dry flat|do not (iron|bleach|"
    r"tumble|wash)|iron on \w+|cool iron|non-chlorine bleach|dishwasher[\s-]safe|"
    r"wipe clean|spot clean|store in a [\w ,]*place|keep (refrigerated|cool|dry)|refrigerate"
    r"[\w ]*|shake well|best before)\b",
    re.IGNORECASE,
)
FIT = re.compile(
    r"\b((slim|skinny|regular|relaxed|loose|oversized|boxy|tailored|straight|classic|"
    r"comfortable|athletic|fitted|body[\s-]?con|true[\s-]to[\s-]size|wide|tapered|cropped|"
    r"snug)[\s-](fit|cut|leg)\w*|runs? (small|large|true to size|smaller than usual|big)|fits? "
    r"true to size|one size( fits (most|all))?[^.;]*|size up|size down)\b",
    re.IGNORECASE,
)
ORIGIN = re.compile(r"\b[Mm]ade in ((?:the )?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})")
USES = re.compile(
    r"\b(?:perfect|ideal|great|made|designed|suitable|good|built)\s+for\s+([^.;!?]{3,80})",
    re.IGNORECASE,
)
WITH_FEATURES = re.compile(
    r"\b(?:with|featuring|features?|has|complete with|finished with)\s+([^.;!?]{3,160})",
    re.IGNORECASE,
)
UNIT_PATTERN = "|".join(
    re.escape(u) for u in sorted(vocabulary.UNITS, key=len, reverse=True) if u not in ("x",)
)
MEASURE = re.compile(
    rf"(?<![\w.])\d+(?:[.,]\d+)?(?:\s*[x×]\s*\d+(?:[.,]\d+)?)*\s*-?\s*(?:{UNIT_PATTERN})(?![\w])"
    r"(?:\s*\([^)]{1,40}\))?",
    re.IGNORECASE,
)
PERCENT_COMPOSITION = re.compile(
    r"\d{1,3}\s*%\s*[A-Za-z][A-Za-z -]{1,30}?(?=\s*(?:[;,()]|\band\b|\d|$))"
)
SURFACE_FINISHES = ("matte", "glossy", "polished", "brushed", "frosted", "lacquered", "glazed")
# ".:", a bullet, or "1." / "2)" followed by a space ("2.5 inches" is no numbered item).
LIST_PREFIX = re.compile(r"^\s*(?:\.:\s*|[-•*·▪►✓✔]\s*|\d+[.)]\s+)")
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'(])|(?<=[a-z][.!?])(?=[A-Z])")
PRONOUN_START = re.compile(
    r"^(it|they|this|these|that|those|you|your|we|our|its|their|which|a few|some|in|on|at|"
    r"to|of|for|from|by|as|into|all|any|every|more|most|so|very|just|also|great|perfect|been|"
    r"being|be|not|no|can|will|may|should|would|could)\b",
    re.I,
)
BULLET = "• "


def description_lines(body_html: str) -> list[str]:
    """The description as plain lines: paragraphs, list items and line breaks kept apart."""
    text = body_html or ""
    if re.search(r"(?i)<\s*(p|br|li|div|h\d)\b", text):
        text = re.sub(r"\s+", " ", text)  # HTML: its tags, not its line breaks, end a line
    text = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", " ", text)
    text = re.sub(r"(?i)<\s*li\b[^>]*>", "\n" + BULLET, text)
    text = re.sub(r"(?i)<\s*(br|/p|/li|/div|/h\d|/tr|p|div|h\d|tr)\b[^>]*>", "\n", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if line and line not in {".", ":", ".:"}:
            lines.append(line)
    return lines


def description_plain(body_html: str) -> str:
    return " ".join(description_lines(body_html))


def _is_list_item(line: str, *, among_lines: bool) -> bool:
    """A list item: marked as one, or a short unpunctuated line among others (a spec sheet)."""
    if LIST_PREFIX.match(line):
        return True
    return among_lines and len(line) <= 60 and not re.search(r"[.!?]$", line)


FINITE_VERB = re.compile(
    r"\b(is|are|was|were|be|has|have|had|offers?|gives?|makes?|provides?|comes?|keeps?|lets?|"
    r"helps?|adds?|brings?|features?|includes?|will|can|may|should|must|looks?|feels?|fits?|"
    r"take|takes|try|pair|wear|use|enjoy|get|do|does|don't|won't|isn't|aren't)\b",
    re.IGNORECASE,
)


# "The Boost midsole provides responsive comfort" names a part of the product.
SUBJECT_FEATURE = re.compile(
    r"^(?:the|a|an|its|their)\s+([\w'’ -]{3,50}?)\s+(?:provides?|offers?|gives?|delivers?|adds?|"
    r"keeps?|lets?|helps?|brings?|creates?|ensures?|supports?)\b",
    re.IGNORECASE,
)
PRODUCT_NOUN = (
    "(?:"
    + "|".join(re.escape(n) for n in sorted(vocabulary.PRODUCT_NOUNS, key=len, reverse=True))
    + r")\b"
)
MADE_OF = re.compile(r"\b(made|crafted|constructed|knitted|woven|cut)\s+(of|from|in|with)\b", re.I)
# Credits and codes that are no fact of the product ("Designer: Lisa Hilland", "Brand of
# Sweden", "Article no: 123").
CREDIT = re.compile(
    r"\b(designers?|designed by|brand of|article (no|number)|art\.? no|product code|sku|"
    r"item (no|number)|model (no|number))\b|(?-i:[a-z]/[A-Z][a-z])",
    re.IGNORECASE,
)


def _is_spec_fragment(sentence: str) -> bool:
    """ "Welt pockets at hip." — a sentence without a verb that names parts of the product."""
    return len(sentence.split()) <= 12 and not FINITE_VERB.search(sentence)


def _units(lines: list[str]) -> list[tuple[str, bool]]:
    """(text, is_list_item) units: list items whole, prose split into sentences; boilerplate
    and the seller's first-person notes dropped."""
    units = []
    for line in lines:
        if _is_list_item(line, among_lines=len(lines) > 2):
            pieces = [(LIST_PREFIX.sub("", line).strip(" .;"), True)]
        else:
            pieces = [(s.strip(), False) for s in SENTENCE_SPLIT.split(line) if s.strip()]
        for piece, listed in pieces:
            if not piece or BOILERPLATE.search(piece) or FIRST_PERSON_SINGULAR.search(piece):
                continue
            units.append((piece, listed))
    return units


def _clip(value: str) -> str:
    value = " ".join(value.split()).strip(" ,;:-")
    if len(value) <= MAX_ITEM_CHARS:
        return value
    return value[:MAX_ITEM_CHARS].rsplit(" ", 1)[0]


def _features_from(phrase: str) -> list[str]:
    """'a narrow collar and buttons down the front and long sleeves' -> three features."""
    phrase = re.split(r"\b(?:that|which|so|to make|making|for a|perfect|ideal)\b", phrase)[0]
    parts = re.split(r"(?<!\d),\s*|,\s*(?!\d)|\s+and\s+|\s*&\s*|\s+plus\s+", phrase)
    out = []
    for part in parts:
        part = re.sub(r"^(with|featuring|and|or|yet|but|plus)\s+", "", part.strip(), flags=re.I)
        part = re.sub(r"^(a|an|the|its|their|some)\s+", "", part, flags=re.I)
        words = part.split()
        if not 2 <= len(words) <= 7 or PRONOUN_START.match(part) or not _names_a_thing(part):
            continue
        if re.search(r"\b(you|your|we|our|it|they|them|this|these)\b", part, re.I):
            continue  # "watch your sales go up" is no part of the product
        out.append(part.rstrip(" ."))
    return out


PREPOSITIONS = {"at", "on", "in", "down", "with", "for", "of", "to", "from", "along", "around"}
# Heads of phrases that say how something looks or what it goes with, not what it has
# ("a distinctly fashionable look", "sportive clothing").
ABSTRACT_HEADS = {
    "look", "looks", "feel", "style", "clothing", "clothes", "touch", "comfort", "quality",
    "way", "time", "day", "days", "occasion", "occasions", "outfit", "outfits", "wardrobe",
    "people", "everyone", "fans", "fan", "gift", "experience", "vibe", "vibes", "mind", "life",
}  # fmt: skip


def _names_a_thing(phrase: str) -> bool:
    """A feature names a part or property ("chest pocket", "buttons down the front"), so
    its head word (the last before a preposition) is a noun: "over again" and "yet really
    comfortable" are not features."""
    head = ""
    for word in re.findall(r"[A-Za-z][\w'’-]*", phrase):
        if word.lower() in PREPOSITIONS and head:
            break
        head = word
    lowered = head.lower()
    return bool(head) and "NOUN" in getAllLemmas(lowered) and lowered not in ABSTRACT_HEADS


def extract_description_facts(body_html: str) -> dict[str, list[str]]:
    """The facts the description states, by kind; every value is text a person can read."""
    facts: dict[str, list[str]] = {key: [] for key in FACT_KEYS}

    def add(key: str, value: str) -> None:
        value = _clip(value)
        if value and value.lower() not in {v.lower() for v in facts[key]}:
            facts[key].append(value)

    for position, (unit, listed) in enumerate(_units(description_lines(body_html))):
        lowered = unit.lower()
        # Materials and colours named in passing ("filled with foam", "pairs with white
        # sneakers") belong to a part or to something else: only the opening sentence, a list
        # item, a spec line or a "made of" sentence says them of the product.
        about_product = (
            position == 0 or listed or _is_spec_fragment(unit) or bool(MADE_OF.search(unit))
        )
        materials = vocabulary.find_terms(unit, vocabulary.MATERIALS)
        colours = vocabulary.find_terms(unit, vocabulary.COLOURS)
        composition = [
            c
            for c in PERCENT_COMPOSITION.findall(unit)
            if vocabulary.find_terms(c, vocabulary.MATERIALS)
        ]
        for origin in ORIGIN.findall(unit):
            add("origin", origin.strip(" ."))
        for claim in vocabulary.affirmed_terms(unit, vocabulary.CERTIFICATIONS):
            add("claims", claim)
        for use in USES.findall(unit):
            add("uses", use.strip())
        fit = FIT.search(unit)
        if fit:
            add("fit", fit.group(0))
        care = CARE.search(unit)
        measures = [m.group(0).strip() for m in MEASURE.finditer(unit)]
        if listed:
            # A list item is one fact: say which kind it is.
            if CREDIT.search(unit):
                pass
            elif composition:
                add("materials", "; ".join(c.strip() for c in composition))
            elif care:
                add("care", unit)
            elif fit or (re.search(r"\bfit\b", lowered) and len(unit.split()) <= 4):
                add("fit", unit)
            elif measures:
                add("dimensions", unit)
            elif colours and re.search(r"\bcolou?rs?\b", lowered):
                for colour in colours:
                    add("colours", colour)
            elif materials and len(unit.split()) <= 4:
                add("materials", unit)
            else:
                add("features", unit)
        else:
            if composition:
                add("materials", "; ".join(c.strip() for c in composition))
            if care:
                add("care", care.group(0))
            fragment = _is_spec_fragment(unit)
            for measure in measures:
                # A measure in a long sentence may be a part's ("a 12 cm mattress" of a sofa
                # bed): only a short spec line says it of the product.
                if "%" not in measure and fragment:
                    add("dimensions", measure)
            phrases = WITH_FEATURES.findall(unit)
            subject = SUBJECT_FEATURE.match(unit)
            if subject:
                phrases.append(subject.group(1))
            names_product = bool(
                re.match(r"^(a|an|the)?\s*([\w-]+\s+){0,5}?" + PRODUCT_NOUN, unit, re.I)
            )
            if (
                fragment
                and not phrases
                and not names_product
                and not (composition or care or fit or CREDIT.search(unit) or ORIGIN.search(unit))
            ):
                phrases.append(unit)
            for match in phrases:
                for feature in _features_from(match):
                    if not FIT.search(feature) and not CARE.search(feature):
                        add("features", feature)
        for finish in vocabulary.find_terms(unit, SURFACE_FINISHES):
            add("features", f"{finish} finish")
        if about_product:
            for material in materials:
                add("materials", material)
            for colour in colours:
                add("colours", colour)
    return {key: values[:MAX_ITEMS] for key, values in facts.items()}


def clean_facts(data: dict) -> dict[str, list[str]]:
    """Facts from a form or stored JSON in the one shape: every key, lists of short strings."""
    clean: dict[str, list[str]] = {}
    for key in FACT_KEYS:
        value = (data or {}).get(key) or []
        if isinstance(value, str):
            value = value.splitlines()
        items: list[str] = []
        for item in value:
            text = _clip(str(item))
            if text and text.lower() not in {i.lower() for i in items}:
                items.append(text)
        clean[key] = items[: MAX_ITEMS * 2]
    return clean


def has_facts(data: dict) -> bool:
    return any((data or {}).get(key) for key in FACT_KEYS)
