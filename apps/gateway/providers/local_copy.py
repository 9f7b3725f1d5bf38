"""The local provider's copywriter: product copy from facts, offline and deterministic.

It is not a model, but it writes the way a junior copywriter would: it picks what to say about
this product (material, fit, colour, use, details, tags), how many sentences, in which order and
with which sentence shape, all from a seeded random generator. The seed is a hash of the prompt,
the facts, the rules and the candidate number, so the same request always gives the same text
and candidates differ. Whatever it writes then passes the brand's hard rules: banned words are
replaced or removed, and the text is cut at a sentence or word boundary to the maximum length.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from apps.gateway.providers import local_voice
from apps.gateway.rules import (
    SYNONYMS,
    WORD_RE,
    apply_banned,
    banned_pattern,
    fit_length,
    map_strings,
    tidy,
)
from apps.gateway.types import BrandRules, ProductFacts, TextRequest

# --- What the copywriter knows about things ----------------------------------------------------

CATEGORIES: dict[str, tuple[str, ...]] = {
    "apparel": (
        "shirt",
        "tee",
        "t-shirt",
        "top",
        "blouse",
        "dress",
        "skirt",
        "jacket",
        "coat",
        "sweater",
        "jumper",
        "cardigan",
        "hoodie",
        "sweatshirt",
        "trousers",
        "pants",
        "jeans",
        "shorts",
        "chinos",
        "blazer",
        "polo",
        "knit",
        "vest",
        "overshirt",
        "parka",
        "jumpsuit",
    ),
    "footwear": ("shoe", "sneaker", "trainer", "boot", "sandal", "loafer", "slipper", "mule"),
    "bags": ("bag", "tote", "backpack", "rucksack", "wallet", "purse", "clutch", "holdall"),
    "jewellery": ("ring", "necklace", "earring", "bracelet", "pendant", "bangle", "jewel"),
    "home": (
        "mug",
        "cup",
        "bowl",
        "plate",
        "vase",
        "lamp",
        "cushion",
        "pillow",
        "throw",
        "blanket",
        "candle",
        "towel",
        "sheet",
        "duvet",
        "rug",
        "chair",
        "table",
        "shelf",
        "jug",
        "pot",
        "glass",
        "planter",
        "basket",
        "tray",
    ),
    "beauty": ("serum", "cream", "soap", "balm", "oil", "lotion", "cleanser", "mask", "shampoo"),
}

CONTEXTS: dict[str, tuple[str, ...]] = {
    "apparel": (
        "from a Monday meeting to a Saturday market",
        "on the days you would rather not think about what to wear",
        "for long days that start early and end late",
        "when you want to look put together without trying too hard",
    ),
    "footwear": (
        "for city miles and slow weekends",
        "from the morning commute to the last train home",
        "on days spent mostly on your feet",
    ),
    "bags": (
        "for the daily commute and everything it throws at you",
        "on weekend trips and ordinary Tuesdays alike",
        "when your day needs more than your pockets can hold",
    ),
    "jewellery": (
        "every day, not just for occasions",
        "layered with pieces you already love",
        "as the one detail that finishes an outfit",
    ),
    "home": (
        "in a kitchen that gets used",
        "for slow mornings and evenings in",
        "in a room you want to feel lived in",
    ),
    "beauty": (
        "morning and night",
        "as the step your routine was missing",
        "on skin that wants calm, not fuss",
    ),
    "general": (
        "every day",
        "in the moments that matter and the ordinary ones too",
        "wherever the day takes you",
    ),
}

QUALITIES: dict[str, tuple[str, ...]] = {
    "apparel": ("easy to wear", "quietly polished", "comfortable from the first wear"),
    "footwear": ("comfortable from the first step", "sure-footed", "light on the foot"),
    "bags": ("well organised", "hard-wearing", "easy to carry"),
    "jewellery": ("delicate but sturdy", "understated", "made to be worn daily"),
    "home": ("practical", "pleasing to hold", "made for daily use"),
    "beauty": ("gentle", "light on the skin", "quick to absorb"),
    "general": ("well made", "practical", "thoughtfully designed"),
}

NOUNS: dict[str, str] = {
    "apparel": "piece",
    "footwear": "pair",
    "bags": "bag",
    "jewellery": "piece",
    "home": "piece",
    "beauty": "formula",
    "general": "piece",
}

# Material -> (what it does, as a verb phrase; what it gives, as a noun phrase).
MATERIALS: dict[str, tuple[str, str]] = {
    "organic cotton": ("stays soft and breathable wash after wash", "a soft, breathable hand"),
    "cotton": ("breathes well and softens with every wash", "an easy, breathable feel"),
    "linen": ("keeps you cool when the temperature climbs", "a relaxed, airy texture"),
    "merino": ("regulates temperature and resists odour", "warmth without weight"),
    "wool": ("holds warmth without adding bulk", "natural warmth and structure"),
    "cashmere": ("feels impossibly soft against the skin", "a soft, lofty warmth"),
    "silk": ("moves with a fluid, gentle drape", "a subtle sheen and fluid drape"),
    "denim": ("holds its shape and wears in beautifully", "a sturdy, lived-in character"),
    "leather": ("develops a rich patina over time", "a supple, durable finish"),
    "suede": ("feels soft and looks refined", "a velvety texture"),
    "recycled polyester": ("dries quickly and gives old bottles a second life", "lightness"),
    "polyester": ("dries quickly and keeps its shape", "easy-care durability"),
    "nylon": ("shrugs off rain and scuffs", "lightweight toughness"),
    "canvas": ("stands up to daily wear", "a sturdy, honest texture"),
    "ceramic": ("keeps drinks warm and washes clean", "a smooth, glazed finish"),
    "stoneware": ("is fired to last through daily use", "a satisfying weight in the hand"),
    "porcelain": ("is fine, light and surprisingly strong", "a clean, bright finish"),
    "glass": ("shows off whatever you put in it", "clarity and a clean line"),
    "oak": ("brings the warmth of solid timber", "a warm, natural grain"),
    "walnut": ("adds the depth of dark, solid timber", "a rich, dark grain"),
    "wood": ("brings warmth to any room", "a natural grain"),
    "bamboo": ("grows fast and feels smooth to the touch", "a light, natural finish"),
    "steel": ("will not bend, rust or tire", "a strong, clean finish"),
    "stainless steel": ("will not rust, stain or tire", "a strong, clean finish"),
    "brass": ("warms to a soft glow over time", "a warm, golden tone"),
    "gold": ("keeps its warm glow for years", "a warm, lasting shine"),
    "silver": ("takes on a soft lustre as it is worn", "a bright, cool shine"),
    "sterling silver": ("takes on a soft lustre as it is worn", "a bright, cool shine"),
    "rubber": ("grips on wet and dry ground", "dependable grip"),
}

FITS: dict[str, str] = {
    "slim": "follows the line of the body without clinging",
    "regular": "sits easily, neither tight nor loose",
    "relaxed": "leaves plenty of room to move",
    "oversized": "drapes loosely for an easy, off-duty shape",
    "loose": "falls away from the body for a relaxed shape",
    "tailored": "is cut close for a sharp, considered line",
    "straight": "falls in a clean, straight line",
    "boxy": "has a modern, squared-off shape",
    "cropped": "stops just short for a fresh proportion",
}

COLOUR_FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "neutral": (
        (
            "black",
            "white",
            "grey",
            "gray",
            "navy",
            "beige",
            "cream",
            "ecru",
            "sand",
            "charcoal",
            "ivory",
            "stone",
            "oatmeal",
            "taupe",
            "natural",
        ),
        (
            "pairs with almost anything you already own",
            "works with everything from denim to tailoring",
            "is the kind of shade you never tire of",
        ),
    ),
    "earthy": (
        ("olive", "khaki", "rust", "brown", "tan", "terracotta", "ochre", "camel", "moss"),
        ("carries a warm, grounded tone", "feels warm and easy to style"),
    ),
    "bright": (
        ("red", "yellow", "orange", "pink", "green", "blue", "purple", "cobalt", "coral"),
        ("brings a confident note of colour", "lifts whatever you pair it with"),
    ),
    "soft": (
        ("sage", "lilac", "blush", "sky", "mint", "powder", "lavender", "peach"),
        ("adds a soft, calm note of colour", "feels gentle and fresh"),
    ),
}

TAG_SENTENCES: dict[str, tuple[str, ...]] = {
    "summer": ("Made for long, warm days.", "It earns its keep from June to September."),
    "winter": ("A good companion for the colder months.", "Ready for short, cold days."),
    "gift": ("It makes an easy gift that still feels personal.", "A safe bet as a present."),
    "organic": ("Grown without synthetic pesticides.",),
    "sustainable": ("Made with a lighter footprint in mind.",),
    "recycled": ("Made in part from recycled material.",),
    "bestseller": ("One of our most-loved pieces, and easy to see why.",),
    "new": ("New this season.",),
    "limited": ("Made in a small run, so it will not be around for long.",),
    "handmade": ("Made by hand, so no two are quite alike.",),
    "vegan": ("Free of animal-derived materials.",),
    "travel": ("Packs small and travels well.",),
    "workwear": ("Smart enough for work, easy enough for everything after.",),
}

DETAIL_PHRASES: dict[str, tuple[str, ...]] = {
    "care": ("Care is simple: {v}.", "Looking after it is easy: {v}."),
    "origin": ("Made in {v}.", "It is made in {v}."),
    "made_in": ("Made in {v}.",),
    "capacity": ("It holds {v}.",),
    "dimensions": ("It measures {v}.",),
    "size": ("Available in {v}.",),
    "sizes": ("Available in {v}.",),
    "weight": ("It weighs {v}.",),
    "pattern": ("The {v} pattern keeps it interesting.",),
    "finish": ("A {v} finish completes it.",),
}

MATERIAL_KEYS = ("material", "fabric", "composition", "materials")
COLOUR_KEYS = ("colour", "color", "colourway", "colorway", "shade")
FIT_KEYS = ("fit", "cut", "silhouette")
CORE_KEYS = {*MATERIAL_KEYS, *COLOUR_KEYS, *FIT_KEYS}


def seed_for(*parts: Any) -> int:
    text = json.dumps(parts, sort_keys=True, default=str)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def category_of(facts: ProductFacts) -> str:
    words = set(WORD_RE.findall(f"{facts.product_type} {facts.title}".lower()))
    singular = {w[:-1] for w in words if w.endswith("s")}
    for category, keywords in CATEGORIES.items():
        if (words | singular) & set(keywords):
            return category
    return "general"


def _sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


# --- Composition -------------------------------------------------------------------------------


@dataclass
class Draft:
    facts: ProductFacts
    category: str
    rng: random.Random
    tone: str
    brief: bool
    banned: re.Pattern | None = None
    used_contexts: set[str] = field(default_factory=set)

    def clean(self, text: str) -> str | None:
        """``text`` with banned words swapped for synonyms, or None when one has no synonym:
        the sentence is then left out rather than printed with a hole in it."""
        if self.banned is None or not self.banned.search(text):
            return text
        missing = False

        def swap(match: re.Match) -> str:
            nonlocal missing
            word = match.group(0)
            for synonym in SYNONYMS.get(word.lower(), ()):
                if not self.banned.search(synonym):
                    return synonym if word[:1].islower() else synonym.capitalize()
            missing = True
            return word

        swapped = self.banned.sub(swap, text)
        return None if missing else swapped

    def pick_clean(self, options: list[str]) -> str | None:
        options = list(options)
        self.rng.shuffle(options)
        for option in options:
            cleaned = self.clean(option)
            if cleaned:
                return cleaned
        return None

    def context(self) -> str:
        options = [c for c in CONTEXTS[self.category] if c not in self.used_contexts]
        chosen = self.pick(options or CONTEXTS[self.category])
        self.used_contexts.add(chosen)
        return chosen

    @property
    def title(self) -> str:
        return self.facts.title

    @property
    def noun(self) -> str:
        product_type = self.facts.product_type.strip().lower()
        return product_type or NOUNS[self.category]

    def pick(self, options: tuple[str, ...] | list[str]) -> str:
        return self.rng.choice(list(options))

    def material(self) -> tuple[str, tuple[str, str] | None]:
        raw = self.facts.attribute(*MATERIAL_KEYS)
        lowered = raw.lower()
        for name in sorted(MATERIALS, key=len, reverse=True):
            if name in lowered:
                return raw, MATERIALS[name]
        return raw, None

    def colour(self) -> tuple[str, str]:
        raw = self.facts.attribute(*COLOUR_KEYS)
        lowered = raw.lower()
        for _family, (names, phrases) in COLOUR_FAMILIES.items():
            if any(name in lowered for name in names):
                return raw, self.pick(phrases)
        return raw, "is easy to wear with the rest of your wardrobe" if raw else ""

    def fit(self) -> tuple[str, str]:
        raw = self.facts.attribute(*FIT_KEYS)
        lowered = raw.lower()
        for name, phrase in FITS.items():
            if name in lowered:
                return raw, phrase
        return raw, "is cut to sit comfortably" if raw else ""


def _opener(d: Draft) -> str:
    quality = d.pick(QUALITIES[d.category])
    context = d.context()
    options = [
        f"Meet the {d.title}: {quality}, and made for real life",
        f"Some pieces earn their place quickly, and the {d.title} is one of them",
        f"{context[:1].upper()}{context[1:]}, the {d.title} keeps things simple and does them well",
        f"If you want a {d.noun} that is {quality}, start with the {d.title}",
        f"There is nothing fussy about the {d.title}, just a {d.noun} that is {quality}",
    ]
    if not context.startswith("for "):
        options.append(f"The {d.title} is the kind of {d.noun} you reach for {context}")
    if d.tone in {"playful", "fun", "bold"}:
        options += [f"Say hello to the {d.title}, your new favourite {d.noun}"]
    if d.tone in {"luxurious", "premium", "refined", "elegant"}:
        options += [f"The {d.title} is an exercise in quiet, considered quality"]
    if d.facts.brand:
        options += [f"From {d.facts.brand}, the {d.title} is {quality} by design"]
    return d.pick_clean(options) or d.clean(f"Meet the {d.title}") or "Meet our latest piece"


def _material(d: Draft) -> str | None:
    raw, known = d.material()
    if not raw:
        return None
    if known is None:
        return d.pick(
            [
                f"It is made from {raw.lower()}, chosen for how it wears day to day",
                f"We made it in {raw.lower()} so it feels as good as it looks",
            ]
        )
    does, gives = known
    made = "Cut from" if d.category in {"apparel", "bags", "footwear"} else "Made from"
    return d.pick(
        [
            f"{made} {raw.lower()}, it {does}",
            f"The {raw.lower()} {does}",
            f"{raw} gives it {gives}",
            f"We chose {raw.lower()} because it {does}",
        ]
    )


def _fit(d: Draft) -> str | None:
    raw, phrase = d.fit()
    if not raw:
        return None
    return d.pick(
        [
            f"The {raw.lower()} fit {phrase}",
            f"Its {raw.lower()} cut {phrase}",
            f"In a {raw.lower()} fit, it {phrase}",
        ]
    )


def _colour(d: Draft) -> str | None:
    raw, phrase = d.colour()
    if not raw:
        return None
    return d.pick(
        [
            f"In {raw.lower()}, it {phrase}",
            f"The {raw.lower()} shade {phrase}",
            f"Choose it in {raw.lower()}: the colour {phrase}",
        ]
    )


def _context(d: Draft) -> str | None:
    context = d.context()
    verb = {"apparel": "Wear it", "footwear": "Wear them", "jewellery": "Wear it"}.get(
        d.category, "Use it"
    )
    return d.pick([f"{verb} {context}", f"It is at its best {context}"])


def _details(d: Draft) -> str | None:
    sentences = []
    others = []
    for key, value in d.facts.attributes:
        norm = key.lower().replace("-", "_").replace(" ", "_")
        if norm in CORE_KEYS:
            continue
        if norm in DETAIL_PHRASES:
            sentences.append(d.pick(DETAIL_PHRASES[norm]).format(v=value))
        else:
            others.append(f"{key.replace('_', ' ').lower()} {value}")
    if others:
        sentences.append(
            d.pick(["Good to know: ", "The details: "]) + ", ".join(others[:3]).strip()
        )
    if not sentences:
        return None
    return " ".join(_sentence(s) for s in sentences[:2])


def _tags(d: Draft) -> str | None:
    lines = []
    for tag in d.facts.tags:
        known = TAG_SENTENCES.get(tag.lower().strip("#"))
        if known:
            lines.append(d.pick(known))
    if not lines and d.facts.tags:
        tag = d.pick(list(d.facts.tags)).lower().strip("#")
        lines.append(
            d.pick([f"A natural part of any {tag} edit", f"Right at home in a {tag} wardrobe"])
        )
    if not lines:
        return None
    return " ".join(_sentence(line) for line in lines[:2])


def _closer(d: Draft) -> str | None:
    options = [
        f"A {d.noun} that is simple to own and hard to put down",
        "Made to be used every day and kept for years",
        "Easy to love, and easier to live with",
        "Buy it once and keep coming back to it",
    ]
    if d.facts.brand:
        options.append(f"{d.facts.brand} made it to last")
    return d.pick(options)


MOVES: dict[str, Callable[[Draft], str | None]] = {
    "material": _material,
    "fit": _fit,
    "colour": _colour,
    "context": _context,
    "details": _details,
    "tags": _tags,
    "closer": _closer,
}

# Orders a paragraph can follow; a move without facts to say simply drops out.
ORDERS = (
    ("material", "fit", "colour", "details", "tags", "closer"),
    ("colour", "material", "context", "details", "closer"),
    ("fit", "material", "tags", "context", "details"),
    ("material", "context", "colour", "tags", "closer"),
    ("context", "material", "fit", "colour", "details"),
)


def paragraph(d: Draft) -> str:
    sentences = [_sentence(_opener(d))]
    order = list(d.pick(ORDERS))
    if d.rng.random() < 0.4:  # vary the rhythm: sometimes swap two middle sentences
        i = d.rng.randrange(max(1, len(order) - 1))
        order[i], order[i + 1] = order[i + 1], order[i]
    limit = 3 if d.brief else 6
    for move in order:
        text = MOVES[move](d)
        text = d.clean(text) if text else None
        if text:
            sentences.append(_sentence(text))
        if len(sentences) > limit:
            break
    return " ".join(s for s in sentences if s)


def headline(d: Draft) -> str:
    raw_material, _known = d.material()
    raw_colour, _ = d.colour()
    quality = d.pick(QUALITIES[d.category])
    options = [f"{d.title}: {quality}"]
    if raw_material:
        options += [f"{d.title} in {raw_material.lower()}", f"{raw_material} {d.noun}, {quality}"]
    if raw_colour:
        options += [f"The {d.title}, now in {raw_colour.lower()}"]
    options += [f"Meet the {d.title}", f"The {d.title}, {quality}"]
    chosen = d.pick_clean(options) or d.title
    return _sentence(chosen).rstrip(".")


def short_phrases(d: Draft, limit: int) -> list[str]:
    """Phrases that stand on their own in ``limit`` characters (search-ad headlines): built
    from the facts, never cut mid-phrase."""
    raw_material, _ = d.material()
    raw_colour, _ = d.colour()
    raw_fit, _ = d.fit()
    noun = d.noun if d.noun.endswith("ss") else d.noun.rstrip("s")  # "shirts" -> "shirt"
    options = [
        d.title,
        f"Shop the {d.title}",
        f"New: {d.title}",
        f"The {noun.title()} You Reach For",
        f"{d.pick(QUALITIES[d.category]).capitalize()}",
    ]
    if d.facts.brand:
        options += [f"{d.facts.brand} {noun.title()}", f"By {d.facts.brand}"]
    if raw_material:
        options += [f"{raw_material.title()} {noun.title()}", f"Made in {raw_material.lower()}"]
    if raw_colour:
        options += [f"Now in {raw_colour.title()}", f"{raw_colour.title()} {noun.title()}"]
    if raw_fit:
        options += [f"{raw_fit.capitalize()} Fit"]
    options += [f"{tag.title()} {noun.title()}" for tag in d.facts.tags[:3]]
    seen, phrases = set(), []
    for option in options:
        cleaned = d.clean(tidy(option))
        if cleaned and len(cleaned) <= limit and cleaned.lower() not in seen:
            seen.add(cleaned.lower())
            phrases.append(cleaned)
    d.rng.shuffle(phrases)
    return phrases or [fit_length(d.title, limit)]


def url_path(d: Draft, limit: int) -> str:
    """A display-URL path segment such as "linen-shirts" within ``limit`` characters."""
    raw_material, _ = d.material()
    words = [w for w in re.findall(r"[a-z0-9]+", f"{raw_material} {d.noun}".lower()) if w]
    options = ["-".join(words[i:]) for i in range(len(words))] + [d.noun.split()[-1].lower()]
    options += [re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-") for tag in d.facts.tags]
    fitting = [o for o in options if o and len(o) <= limit]
    return d.pick(fitting) if fitting else d.noun[:limit].lower()


def bullets(d: Draft) -> str:
    lines = []
    raw_material, known = d.material()
    if raw_material:
        lines.append(f"{raw_material}, which {known[0] if known else 'is chosen to last'}")
    raw_fit, fit_phrase = d.fit()
    if raw_fit:
        lines.append(f"{raw_fit.capitalize()} fit that {fit_phrase}")
    raw_colour, colour_phrase = d.colour()
    if raw_colour:
        lines.append(f"{raw_colour.capitalize()}, a colour that {colour_phrase}")
    lines += [text for text in (_context(d), _details(d), _tags(d)) if text]
    lines = [cleaned for cleaned in (d.clean(line) for line in lines) if cleaned]
    if len(lines) < 3:
        lines.append(_opener(d))
    d.rng.shuffle(lines)
    return "\n".join("• " + _sentence(line.rstrip(".")) for line in lines[:5])


# Colour words too common in other senses ("natural comfort") to be swapped for the product's.
AMBIGUOUS_COLOURS = {"natural", "stone", "sand", "sky", "powder", "light"}


def in_voice(d: Draft, rules: BrandRules | None) -> str:
    """A paragraph in the brand's voice from its exemplars (see ``local_voice``), with this
    product's material and colour; '' when the request carries no exemplars."""
    if rules is None or not rules.exemplars:
        return ""
    titles = (*rules.exemplar_titles, *[""] * len(rules.exemplars))[: len(rules.exemplars)]
    text = local_voice.write_in_voice(
        title=d.title,
        exemplars=list(zip(titles, rules.exemplars, strict=True)),
        lexicon=rules.lexicon,
        rng=d.rng,
        brief=d.brief,
    )
    colours = [n for names, _ in COLOUR_FAMILIES.values() for n in names]
    text = local_voice.swap_fact(text, d.facts.attribute(*MATERIAL_KEYS), list(MATERIALS))
    return local_voice.swap_fact(
        text, d.facts.attribute(*COLOUR_KEYS), [c for c in colours if c not in AMBIGUOUS_COLOURS]
    )


def form_of(prompt: str) -> str:
    lowered = prompt.lower()
    if "bullet" in lowered:
        return "bullets"
    if re.search(r"\b(headline|tagline|title|subject line)\b", lowered) and not re.search(
        r"\b(description|paragraph)\b", lowered
    ):
        return "headline"
    return "paragraph"


def facts_from_prompt(prompt: str) -> ProductFacts:
    """Something to write about when the caller gave no facts: the prompt's subject."""
    match = re.search(r"\b(?:for|about|describing|describe)\s+(?:an?\s+|the\s+)?([^.:\n]+)", prompt)
    subject = (match.group(1) if match else prompt).strip()
    words = WORD_RE.findall(subject)[:6]
    return ProductFacts(title=" ".join(words) or "product")


TONES = ("playful", "fun", "bold", "luxurious", "premium", "refined", "elegant", "minimal")


def tone_of(request: TextRequest) -> str:
    text = f"{request.rules.tone if request.rules else ''} {request.prompt} {request.system}"
    lowered = text.lower()
    return next((tone for tone in TONES if tone in lowered), "")


# --- Structured output -------------------------------------------------------------------------

TEXT_FIELDS = {"description", "body", "copy", "text", "paragraph", "content", "summary"}
TITLE_FIELDS = {"title", "headline", "name", "tagline", "subject"}
LIST_FIELDS = {"bullets", "features", "highlights", "points", "benefits"}
TAG_FIELDS = {"tags", "keywords", "labels"}
SCORE_FIELDS = {"score", "rating", "confidence", "on_brand_score"}


def fill_schema(schema: Mapping[str, Any], d: Draft, request: TextRequest, name: str = "") -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    lowered = name.lower()
    if schema.get("enum"):
        return d.pick(list(schema["enum"]))
    if kind == "object" or "properties" in schema:
        return {
            key: fill_schema(sub, d, request, key)
            for key, sub in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        items = schema.get("items") or {"type": "string"}
        if lowered in TAG_FIELDS:
            values = [t.lower() for t in d.facts.tags] or [d.noun]
            material, _ = d.material()
            colour, _ = d.colour()
            values += [v.lower() for v in (material, colour) if v]
            values = list(dict.fromkeys(values))
        elif items.get("type", "string") == "string" and (items.get("maxLength") or 99) <= 40:
            values = short_phrases(d, int(items["maxLength"]))  # ad headlines and the like
        elif items.get("type", "string") == "string":
            values = [line.lstrip("• ") for line in bullets(d).split("\n")]
            if lowered in {"reasons", "notes", "feedback", "issues"}:
                values = _score_reasons(request)
        else:
            values = [fill_schema(items, d, request, lowered) for _ in range(2)]
        low, high = schema.get("minItems", 0), schema.get("maxItems", len(values))
        values = values[: max(low, min(high, len(values)))]
        return values
    if kind in {"number", "integer"}:
        low = schema.get("minimum", 0)
        high = schema.get("maximum", 100 if lowered in SCORE_FIELDS else 10)
        value = (
            _score(request, d.rng, low, high)
            if lowered in SCORE_FIELDS
            else d.rng.randint(int(low), int(high))
        )
        return round(value) if kind == "integer" else round(value, 2)
    if kind == "boolean":
        return True
    # Strings: decide by the field's name what to write.
    if schema.get("maxLength") and int(schema["maxLength"]) <= 20:
        return url_path(d, int(schema["maxLength"]))  # display paths, labels
    if lowered in TITLE_FIELDS:
        text = headline(d)
    elif lowered in TEXT_FIELDS or not lowered:
        text = in_voice(d, request.rules) or paragraph(d)
    else:
        text = _sentence(_opener(d))
    if schema.get("maxLength"):
        text = fit_length(text, int(schema["maxLength"]))
    return text


def _score(request: TextRequest, rng: random.Random, low: float, high: float) -> float:
    """A stable judgement: high by default, lower for each banned word found in the prompt."""
    span = high - low
    value = low + span * (0.72 + 0.2 * rng.random())
    pattern = banned_pattern(request.rules.banned_words) if request.rules else None
    if pattern:
        value -= span * 0.15 * len(pattern.findall(request.prompt))
    return max(low, min(high, value))


def _score_reasons(request: TextRequest) -> list[str]:
    pattern = banned_pattern(request.rules.banned_words) if request.rules else None
    found = sorted({m.lower() for m in pattern.findall(request.prompt)}) if pattern else []
    if found:
        return [f"Uses {len(found)} banned term(s)", "Otherwise close to the house style"]
    return ["No banned terms", "Reads in the house style"]


# --- Entry point -------------------------------------------------------------------------------


def write(request: TextRequest, index: int, salt: int = 0) -> tuple[str, dict | None]:
    """Candidate ``index`` for ``request``: its text, and its data when a schema was asked for."""
    rules = request.rules or BrandRules()
    facts = request.facts or facts_from_prompt(request.prompt)
    pattern = banned_pattern(rules.banned_words)
    if pattern:  # the title may itself hold a banned word; write about it without the word
        clean_title = tidy(pattern.sub("", facts.title)) or facts.product_type or "product"
        facts = ProductFacts(
            title=clean_title,
            product_type=tidy(pattern.sub("", facts.product_type)),
            attributes=facts.attributes,
            tags=facts.tags,
            brand=tidy(pattern.sub("", facts.brand)),
        )
    rng = random.Random(seed_for(request.cache_identity(), index, salt, request.seed))
    lowered = f"{request.prompt} {request.system}".lower()
    brief = any(word in lowered for word in ("short", "concise", "brief", "one sentence"))
    draft = Draft(
        facts=facts,
        category=category_of(facts),
        rng=rng,
        tone=tone_of(request),
        brief=brief,
        banned=pattern,
    )

    def finish(text: str) -> str:
        text = apply_banned(text, rules.banned_words)
        text = _apply_preferred(text, rules.preferred_terms)
        text = apply_banned(text, rules.banned_words)
        return fit_length(text, rules.max_length)

    if request.json_schema is not None:
        data = fill_schema(request.json_schema.schema, draft, request)
        data = map_strings(data, finish)
        return json.dumps(data, ensure_ascii=False), data
    form = form_of(request.prompt)
    if form == "paragraph" and rules.max_length and rules.max_length < 70:
        form = "headline"  # a paragraph cut to a few words reads worse than a headline
    if form == "paragraph":
        text = in_voice(draft, rules) or paragraph(draft)
    else:
        text = {"bullets": bullets, "headline": headline}[form](draft)
    return finish(text), None


def _apply_preferred(text: str, preferred: tuple[str, ...]) -> str:
    """Preferred terms given as "avoid => prefer" replace the avoided word."""
    for rule in preferred:
        if "=>" not in rule:
            continue
        avoid, prefer = (part.strip() for part in rule.split("=>", 1))
        if avoid and prefer:
            text = re.sub(rf"(?<![\w-]){re.escape(avoid)}(?![\w-])", prefer, text, flags=re.I)
    return text
