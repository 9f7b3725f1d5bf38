"""The offline writer's working context and the phrases every kind of copy is built from.

Everything here is said from the product's facts: what it is (name, noun, material, colour),
what it has (features), how it fits, what it is for (the description's own "perfect for …"),
what it comes in (the variants' options), how to care for it, where it is made. Nothing is
added that the facts do not state; the brand's voice changes how it is said.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from apps.brand.rules import find_banned
from apps.catalog import vocabulary
from apps.copywriting import morph
from apps.copywriting.brief import Directives, mentions
from apps.copywriting.facts import ProductFacts
from apps.copywriting.writer.style import Style

MEASURE = re.compile(
    r"^(\d+(?:[.,]\d+)?(?:\s*[x×]\s*\d+(?:[.,]\d+)?)*)\s*-?\s*(inch|inches|in|cm|mm|\")$", re.I
)
UNITS = {"inch": "inches", "in": "inches", '"': "inches", "inches": "inches"}
SIZE_ORDER = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "2XL", "XXXL", "3XL", "4XL", "5XL"]
CLAUSE = re.compile(r"\b(is|are|was|were|has|have|can|will|comes?|runs?)\b", re.I)


@dataclass
class Ctx:
    facts: ProductFacts
    copy_type: str
    rng: random.Random
    style: Style
    directives: Directives
    keywords: list[str] = field(default_factory=list)
    target_words: int = 120
    bullet_max: int = 250
    previous: dict | None = None
    notes: list[str] = field(default_factory=list)

    # --- the product ------------------------------------------------------------------------

    @property
    def plural(self) -> bool:
        return self.facts.plural

    @property
    def it(self) -> str:
        return "they" if self.plural else "it"

    @property
    def is_(self) -> str:
        return "are" if self.plural else "is"

    @property
    def has(self) -> str:
        return "have" if self.plural else "has"

    @property
    def noun(self) -> str:
        return self.facts.noun

    @property
    def name(self) -> str:
        return self.facts.name or self.facts.title

    def subject(self, *, start: bool = False, name: str = "") -> str:
        """The product as a subject: "the Ocean Blue Shirt" ("our …" when the brand speaks
        as "we"), or ``name`` (a shorter form of it) the same way."""
        name = name or self.name
        if name.lower().startswith("the "):
            phrase = name
        elif self.style.person == "we" and not self._brand_in_name():
            phrase = f"our {name}"
        else:
            phrase = f"the {name}"
        return morph.upper_first(phrase) if start else phrase

    def _brand_in_name(self) -> bool:
        brand = self.facts.brand.lower()
        return bool(brand) and self.name.lower().startswith(brand)

    def pick(self, options: list):
        options = [o for o in options if o]
        return self.rng.choice(options) if options else None

    def allowed(self, text: str) -> bool:
        """Not banned by the style guide and not about something the brief says to leave out."""
        if not text:
            return False
        if self.style.banned and find_banned(text, self.style.banned):
            return False
        return not any(mentions(text, avoid) for avoid in self.directives.avoid)

    # --- facts as phrases ---------------------------------------------------------------------

    def material(self) -> str:
        """The main material, usable before a noun ("cotton", "sterling silver")."""
        for value in self.facts.materials:
            if "%" in value:
                continue
            terms = vocabulary.find_terms(value, vocabulary.MATERIALS)
            if terms and self.allowed(terms[0]) and terms[0] not in {"blend", "beads"}:
                return terms[0]
        return ""

    def composition(self) -> str:
        """ "50% polyester, 25% cotton and 25% rayon" when the facts give percentages."""
        for value in self.facts.materials:
            if "%" in value and self.allowed(value):
                parts = re.findall(
                    r"(\d{1,3})\s*%\s*([A-Za-z][A-Za-z -]{1,30}?)(?=\s*[;,(]|$)", value
                )
                if parts:
                    return morph.join(
                        [
                            f"{n}% {' '.join(m.lower().replace('soft ', '').split())}"
                            for n, m in parts
                        ]
                    )
        return ""

    def stated(self, *keys: str) -> str:
        """An attribute's value as the shop wrote it ("European flax linen")."""
        value = self.facts.attribute(*keys)
        return " ".join(value.split()) if value and self.allowed(value) else ""

    def made_of(self) -> str:
        """What it is made of, as a phrase after "made of"."""
        composition = self.composition()
        if composition:
            return composition
        declared = self.stated("material", "materials", "fabric", "composition")
        if declared and "%" not in declared and len(declared.split()) <= 6:
            known = set(vocabulary.MATERIALS)  # "Cotton" -> "cotton"; "European" stays
            return " ".join(w.lower() if w.lower() in known else w for w in declared.split())
        names = []
        for value in self.facts.materials:
            for term in vocabulary.find_terms(value, vocabulary.MATERIALS):
                if term not in names and term not in {"blend"} and self.allowed(term):
                    names.append(term)
        # "organic cotton" already says "cotton"
        names = [n for n in names if not any(n != o and n in o.split() for o in names)]
        return morph.join(names[:3])

    def colour(self) -> str:
        """The product's one colour, when it has one (not a choice of colours)."""
        if len(self.facts.colour_options) > 1:
            return ""
        declared = self.stated("colour", "color", "colourway", "colorway", "shade")
        if declared and len(declared.split()) <= 3 and "," not in declared:
            return declared.lower()
        colours = [c for c in self.facts.colours if self.allowed(c)]
        if len(colours) == 1 and vocabulary.find_terms(colours[0], vocabulary.COLOURS):
            return colours[0].lower()
        return ""

    def in_name(self, word: str) -> bool:
        return bool(word) and all(w in self.name.lower() for w in word.lower().split())

    def noun_phrase(self, *, style_word: bool = True, attributes: bool = True) -> str:
        """ "a timeless black leather bag": what it is, with what the name does not already
        say. '' when the facts name no kind of product."""
        if not self.noun:
            return ""
        words = []
        if style_word and self.style.style_words:
            word = self.pick(list(self.style.style_words))
            if word and self.allowed(word):
                words.append(word)
        if attributes:
            colour = self.colour()
            if colour and not self.in_name(colour):
                words.append(colour)
            material = self.material()
            if (
                material
                and not self.in_name(material)
                and material not in self.noun
                and material != colour  # "a gold gold bracelet"
            ):
                words.append(material)
        words.append(self.noun)
        phrase = " ".join(words)
        if self.plural:
            return phrase
        return morph.with_article(phrase)

    def adds_to_name(self) -> bool:
        """Whether the noun phrase says more than the name does."""
        colour, material = self.colour(), self.material()
        return bool(
            (self.noun and not self.in_name(self.noun))
            or (colour and not self.in_name(colour))
            or (material and not self.in_name(material))
        )

    def features(self, limit: int = 4) -> list[str]:
        """Feature phrases, those the brief asks to mention first; clauses kept apart."""
        wanted = [f for f in self.facts.features if self.allowed(f)]
        asked = [f for f in wanted if any(mentions(f, m) for m in self.directives.mention)]
        rest = [f for f in wanted if f not in asked]
        return (asked + rest)[:limit]

    def feature_phrases(self, limit: int = 3) -> list[str]:
        """Features that read after "with" ("a narrow collar", "long sleeves")."""
        out = []
        for feature in self.features(limit=8):
            if CLAUSE.search(feature) or len(feature.split()) > 7:
                continue
            if not morph.reads_as_noun_phrase(feature):
                continue  # "Tagless", "for indoor use": true, but not after "with"
            phrase = morph.noun_phrase(morph.lower_first(feature))
            if phrase and phrase.lower() not in self.name.lower():
                out.append(phrase)
            if len(out) >= limit:
                break
        return out

    def feature_clauses(self) -> list[str]:
        """Features that are sentences of their own ("Outside seam thread is color-matched")."""
        return [morph.sentence(f) for f in self.features(limit=8) if CLAUSE.search(f)]

    def fit(self) -> str:
        """A sentence about the fit ("It has a loose fit.", "It runs true to size.")."""
        sentences = []
        values = list({v.strip(" .").lower(): v.strip(" .") for v in self.facts.fit}.values())
        for value in values:
            if any(value.lower() in other.lower() and len(other) > len(value) for other in values):
                continue  # "regular fit" beside "Regular fit with ribbed hem": say it once
            if not self.allowed(value) or (
                self.one_size() and value.lower().startswith("one size")
            ):
                continue
            lowered = morph.lower_first(value.strip(" ."))
            if len(lowered.split()) == 1 and lowered.isalpha():
                lowered = f"{lowered} fit"  # the attribute "Fit: relaxed"
            if re.search(r"\b(fit|cut|leg)$", lowered):
                sentences.append(f"{self.it} {self.has} {morph.with_article(lowered)}")
            elif re.match(r"(runs?|fits?) ", lowered):
                verb = lowered.split()[0]
                if self.plural and verb.endswith("s"):
                    verb = verb[:-1]
                elif not self.plural and not verb.endswith("s"):
                    verb += "s"
                sentences.append(f"{self.it} {verb} {' '.join(lowered.split()[1:])}")
            else:
                sentences.append(lowered)
        return " ".join(morph.sentence(s) for s in sentences[:2])

    def fit_words(self) -> str:
        """ "loose fit" for headlines; '' when the facts give no fit."""
        for value in self.facts.fit:
            if len(value.split()) == 1 and value.isalpha() and self.allowed(value):
                return f"{value.lower()} fit"  # the attribute "Fit: relaxed"
            match = re.search(r"\b([a-z-]+ (fit|cut))\b", value.lower())
            if match and self.allowed(match.group(1)):
                return match.group(1)
        return ""

    def uses(self) -> list[str]:
        return [u for u in self.facts.uses if self.allowed(u) and len(u.split()) <= 12]

    def measures(self) -> str:
        """A sentence of its size ("It measures 3 inches."), from a plain measurement."""
        for value in self.facts.dimensions:
            match = MEASURE.match(value.strip())
            if match and self.allowed(value):
                unit = UNITS.get(match.group(2).lower(), match.group(2))
                return morph.sentence(
                    f"{self.it} {'measure' if self.plural else 'measures'} {match.group(1)} {unit}"
                )
        return ""

    def care(self) -> str:
        items = [morph.lower_first(c.strip(" .")) for c in self.facts.care if self.allowed(c)]
        return morph.sentence(morph.join(items[:2])) if items else ""

    def origin(self) -> str:
        origin = next((o for o in self.facts.origin if self.allowed(o)), "")
        return f"Made in {origin}." if origin else ""

    def claims(self) -> list[str]:
        """Promises the facts make that read as "it is …" ("dishwasher safe", "handmade")."""
        out = []
        for claim in self.facts.claims:
            if not self.allowed(claim) or re.search(r"wash|clean|dry", claim):
                continue  # care instructions are said as care
            if re.search(
                r"(safe|free|proof|resistant|able|made|organic|vegan|vegetarian|allergenic|"
                r"kosher|halal|crafted)$",
                claim,
            ):
                out.append(claim)
        return out

    def sizes(self) -> str:
        """ "S to 2XL", or a short list of the sizes."""
        sizes = [s for s in self.facts.size_options if self.allowed(s)]
        if not sizes:
            return ""
        upper = [s.upper() for s in sizes]
        if len(sizes) >= 3 and all(s in SIZE_ORDER for s in upper):
            ordered = sorted(upper, key=SIZE_ORDER.index)
            return f"{ordered[0]} to {ordered[-1]}"
        if len(sizes) <= 6:
            return morph.join(sizes)
        return f"{sizes[0]} to {sizes[-1]}"

    def colours_available(self) -> str:
        colours = [c for c in self.facts.colour_options if self.allowed(c)]
        if len(colours) < 2:
            return ""
        if len(colours) <= 5:
            return morph.join(colours)
        return ", ".join(colours[:4]) + " and more"

    def one_size(self) -> bool:
        sizes = [s.lower() for s in self.facts.size_options]
        return len(sizes) == 1 and sizes[0].startswith("one size")

    def options(self) -> str:
        """A sentence of what it comes in ("Available in sizes S to 2XL and in Black, Navy
        and more.")."""
        if self.one_size():
            colours = self.colours_available()
            size = self.facts.size_options[0].lower()
            return morph.sentence(f"{size}{', in ' + colours if colours else ''}")
        sizes, colours = self.sizes(), self.colours_available()
        label = "size" if len(self.facts.size_options) == 1 else "sizes"
        if sizes and colours:
            return f"Available in {label} {sizes}, in {colours}."
        if sizes:
            return f"Available in {label} {sizes}."
        if colours:
            return f"Available in {colours}."
        return ""

    # --- the brief ------------------------------------------------------------------------------

    def mentioned_facts(self) -> list[tuple[str, str]]:
        """(what the brief asks to mention, the fact that says it, or '' when none does)."""
        stated = (
            *self.facts.features,
            *self.facts.materials,
            *self.facts.uses,
            *self.facts.care,
            *self.facts.dimensions,
            *self.facts.claims,
            *self.facts.fit,
            *self.facts.origin,
            *(v for _, v in self.facts.attributes),
            *self.facts.tags,
        )
        return [
            (wanted, next((f for f in stated if mentions(f, wanted)), ""))
            for wanted in self.directives.mention
        ]

    def fact_sentence(self, fact: str) -> str:
        """A fact as a sentence of its own, whatever its shape."""
        phrase = morph.lower_first(fact.strip(" ."))
        if re.search(r"\b(is|are|has|have|runs?|fits?)\b", phrase):
            return morph.sentence(phrase)
        if morph.reads_as_noun_phrase(phrase):
            return morph.sentence(f"{self.it} {self.has} {morph.noun_phrase(phrase)}")
        if re.match(r"(for|to|in|with)\b", phrase):
            return morph.sentence(f"Made {phrase}")
        if re.match(r"(not|non)\b", phrase):
            return morph.sentence(f"{self.it} {self.is_} {phrase}")
        return morph.sentence(phrase)

    def mention_titles(self) -> list[str]:
        """What the brief asks to mention, as short capitalised facts for titles."""
        return [
            morph.title_case(re.sub(r"^(a|an|the) ", "", fact.strip(" .")))
            for _, fact in self.mentioned_facts()
            if fact and len(fact) <= 40
        ]

    def keyword_sentence(self) -> str:
        """One sentence that works the brief's keywords in."""
        if not self.keywords:
            return ""
        adjectives = [k for k in self.keywords if morph.phrase_kind(k) == "adjective"]
        nouns = [k for k in self.keywords if k not in adjectives]
        parts = []
        if adjectives:
            quality = morph.join([a.lower() for a in adjectives])
            parts.append(
                self.pick(
                    [
                        f"{morph.with_article(quality)} choice",
                        f"{morph.with_article(quality)} pick",
                    ]
                )
            )
        if nouns:
            parts.append(f"made for {morph.join([n.lower() for n in nouns])}")
        return morph.sentence(", ".join(parts))

    def cta(self) -> str:
        """A call to action in the draft's tone (claims nothing)."""
        noun = self.subject()
        options = {
            "playful": [f"Go on, make {noun} yours", "Add it to your basket today"],
            "luxurious": [f"Discover {noun}", f"Make {noun} yours"],
            "formal": [f"Order {noun} today", "Order online today"],
            "bold": [f"Get {noun} now", "Shop it now"],
            "warm": [f"Make {noun} yours today", "Treat yourself today"],
            "minimal": ["Shop now"],
            "casual": ["Shop it today", f"Grab {noun} today"],
        }.get(
            self.style.tone,
            [f"Shop {noun} today", f"Order {noun} today", f"Add {noun} to your basket today"],
        )
        text = self.pick(options) or "Shop now"
        return morph.sentence(text + ("!" if self.style.exclaims else ""))

    def hashtags(self, limit: int = 8) -> list[str]:
        if not self.style.hashtags:
            return []
        words = [*self.facts.tags, self.noun, self.facts.product_type, self.facts.brand]
        words += [k for k in self.keywords if len(k.split()) <= 3]
        tags: list[str] = []
        trademarks = set(vocabulary.TRADEMARKS)
        for word in words:
            if not word or not self.allowed(word):
                continue
            spoken = " ".join(re.split(r"[\s_\-]+", word.lower()))
            if spoken in trademarks and spoken != self.facts.brand.lower():
                continue  # another company's trademark is no hashtag of ours
            tag = "".join(part[:1].upper() + part[1:] for part in re.split(r"[\s_\-]+", word))
            tag = re.sub(r"[^\w]", "", tag)
            if tag and not tag.isdigit() and f"#{tag}".lower() not in {t.lower() for t in tags}:
                tags.append(f"#{tag}")
        return tags[:limit]

    def emoji(self) -> str:
        if self.style.emoji == "never":
            return ""
        category = self.noun
        if category in {"candle", "lamp", "light", "lantern"}:
            return "✨"
        if category in {"mug", "cup", "coffee", "tea"}:
            return "☕"
        if category in {"pot", "planter", "vase"}:
            return "🌿"
        return "✨"
