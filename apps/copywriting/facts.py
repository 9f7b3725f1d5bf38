"""A product's facts, as every writer of copy gets them (the offline writer through the
request's hints, a remote model through the prompt) and as the claim guard checks drafts
against them.

The facts are the product's title, vendor, type and category, its attributes and metafields,
its variants' options (sizes, colours…), its meaningful tags (never operational ones such as
import stamps or "review-inventory"), and what its existing description states (extracted at
import and editable on the product's page: :mod:`apps.catalog.facts`). The existing
description itself goes along too.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from apps.catalog import vocabulary
from apps.catalog.facts import description_plain, extract_description_facts, has_facts
from apps.catalog.models import Product
from apps.copywriting.morph import is_plural

OPTION_SKIP = {"title", "default title"}
COLOUR_OPTION = re.compile(r"colou?rs?|shade|finish", re.I)
SIZE_OPTION = re.compile(r"sizes?|length|width", re.I)
TITLE_NOISE = (
    re.compile(r"\s+in\s+\d+\s+(colou?rs?|styles?|finishes|metal finishes)\b.*$", re.I),
    re.compile(r"\s*[,(-]?\s*\b(size|sizes)\s+[A-Z0-9]+\s*[-–]\s*[A-Z0-9]+\)?\s*$", re.I),
    re.compile(r"\s*[-–]\s*free shipping\s*$", re.I),
    re.compile(r"^brand new\s+", re.I),
    re.compile(r"\s+in\s+many\s+colou?rs\b.*$", re.I),
    re.compile(r"\s*\([^)]*\)\s*$"),  # "Greeting Cards (8 pcs)"
    re.compile(r"[\s!?.]+$"),
)


@dataclass(frozen=True)
class ProductFacts:
    title: str
    name: str = ""  # the title without store clutter ("| Free Shipping", "in 10 Colors")
    noun: str = ""  # what it is ("sweatshirt"), from the name or the type
    brand: str = ""
    product_type: str = ""
    category: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tags: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()
    fit: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    care: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    origin: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    description: str = ""
    missing: tuple[str, ...] = field(default=(), compare=False)

    @property
    def plural(self) -> bool:
        """Whether the product is named in the plural and takes "these" and "they" (jeans,
        earrings, stickers, "Trail Shoes")."""
        if self.noun:
            return is_plural(self.noun.split()[-1])
        words = re.findall(r"[A-Za-z]+", self.name or self.title)
        return bool(words) and is_plural(words[-1])

    @property
    def colour_options(self) -> tuple[str, ...]:
        return next((v for k, v in self.options if COLOUR_OPTION.search(k)), ())

    @property
    def size_options(self) -> tuple[str, ...]:
        return next((v for k, v in self.options if SIZE_OPTION.search(k)), ())

    def attribute(self, *names: str) -> str:
        wanted = {n.lower() for n in names}
        return next((v for k, v in self.attributes if k.lower() in wanted), "")

    def support_text(self) -> str:
        """Everything the facts state, as one text: what a draft's claims must be found in."""
        parts = [
            self.title,
            self.brand,
            self.product_type,
            self.category,
            *(f"{k} {v}" for k, v in self.attributes),
            *(f"{k} {' '.join(v)}" for k, v in self.options),
            *self.tags,
            *self.materials,
            *self.colours,
            *self.fit,
            *self.features,
            *self.dimensions,
            *self.care,
            *self.uses,
            *self.origin,
            *self.claims,
            self.description,
        ]
        return "\n".join(p for p in parts if p)

    def as_hint(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("missing")
        return data

    @classmethod
    def from_hint(cls, data: dict[str, Any]) -> ProductFacts:
        values = dict(data)
        for key in ("attributes",):
            values[key] = tuple(tuple(pair) for pair in values.get(key) or ())
        values["options"] = tuple(
            (name, tuple(items)) for name, items in values.get("options") or ()
        )
        for key in (
            "tags",
            "materials",
            "colours",
            "fit",
            "features",
            "dimensions",
            "care",
            "uses",
            "origin",
            "claims",
        ):
            values[key] = tuple(values.get(key) or ())
        known = set(cls.__dataclass_fields__) - {"missing"}
        return cls(**{k: v for k, v in values.items() if k in known})


def short_name(title: str) -> str:
    """A title without store clutter: the first of "|"-separated parts, colour counts and
    size ranges dropped ("Muscle Tank Top | Fine Line Shirt in 4 Colors" -> "Muscle Tank Top")."""
    name = re.split(r"\s+[|]\s+|\s+//\s+", title.strip())[0].strip()
    for pattern in TITLE_NOISE:
        name = pattern.sub("", name).strip()
    return name or title.strip()


@functools.lru_cache(maxsize=1)
def _noun_pattern() -> re.Pattern:
    nouns = sorted(set(vocabulary.PRODUCT_NOUNS), key=len, reverse=True)
    alternatives = "|".join(re.escape(n).replace(r"\ ", r"[\s-]+") for n in nouns)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?:s|es)?(?![\w-])", re.IGNORECASE)


def noun_of(*texts: str) -> str:
    """The kind of product: the last product noun (or its plural) in the first text that names
    one ("Greeting Cards" -> "cards")."""
    pattern = _noun_pattern()
    for text in texts:
        found = [m.group(0).lower() for m in pattern.finditer(text or "")]
        if found:
            noun = " ".join(found[-1].split())
            return "t-shirt" if noun == "tee shirt" else noun
    return ""


def _merge(*groups: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    seen: set[str] = set()
    for group in groups:
        for value in group or ():
            text = " ".join(str(value).split())
            key = text.lower().replace("-", " ")  # "loose-fit" is "loose fit"
            if text and key not in seen:
                seen.add(key)
                out.append(text)
    return tuple(out)


def _options(product: Product) -> tuple[tuple[str, tuple[str, ...]], ...]:
    names = product.option_names or []
    values: dict[str, list[str]] = {name: [] for name in names}
    for variant in product.variants.all():
        for name, raw in zip(names, variant.option_values, strict=False):
            value = html.unescape(str(raw or "")).strip()
            if value and value not in values[name] and value.lower() not in OPTION_SKIP:
                values[name].append(value)
    return tuple(
        (name, tuple(items[:30]))
        for name, items in values.items()
        if items and name.lower() not in OPTION_SKIP
    )


def product_facts(product: Product) -> ProductFacts:
    """The facts of ``product`` (its variants prefetched), with what is missing named."""
    stated = product.description_facts
    if not has_facts(stated or {}) and not product.description_facts_edited:
        stated = None  # extracted below from the description
    return build_facts(
        title=product.title,
        body_html=product.body_html,
        vendor=product.vendor,
        product_type=product.product_type,
        category=product.category,
        attributes=product.attributes or {},
        options=_options(product),
        tags=product.tags or [],
        stated=stated,
    )


def build_facts(
    *,
    title: str,
    body_html: str = "",
    vendor: str = "",
    product_type: str = "",
    category: str = "",
    attributes: dict | None = None,
    options: tuple[tuple[str, tuple[str, ...]], ...] = (),
    tags: list[str] | tuple[str, ...] = (),
    stated: dict | None = None,
) -> ProductFacts:
    """The facts from a product's fields; ``stated`` is what its description states (extracted
    here from ``body_html`` when not given)."""
    if stated is None:
        stated = extract_description_facts(body_html)
    attributes_pairs = tuple(
        (str(k), " ".join(str(v).split())) for k, v in (attributes or {}).items() if v
    )[:30]
    name = short_name(title)
    attribute_text = " ".join(v for _, v in attributes_pairs)
    colour_values = [v for k, values in options if COLOUR_OPTION.search(k) for v in values]
    materials = _merge(
        vocabulary.find_terms(name, vocabulary.MATERIALS),
        [v for k, v in attributes_pairs if re.search(r"material|fabric|composition", k, re.I)],
        stated.get("materials") or [],
    )
    colours = _merge(
        vocabulary.find_terms(name, vocabulary.COLOURS),
        [v for k, v in attributes_pairs if COLOUR_OPTION.search(k)],
        stated.get("colours") or [],
    )
    facts = ProductFacts(
        title=title,
        name=name,
        noun=noun_of(name, product_type, category, title),
        brand=vendor,
        product_type=product_type,
        category=category,
        attributes=attributes_pairs,
        options=options,
        tags=tuple(vocabulary.meaningful_tags(list(tags))),
        materials=materials,
        colours=colours,
        fit=_merge([v for k, v in attributes_pairs if k.lower() == "fit"], stated.get("fit") or []),
        features=_merge(stated.get("features") or []),
        dimensions=_merge(stated.get("dimensions") or []),
        care=_merge(stated.get("care") or []),
        uses=_merge(stated.get("uses") or []),
        origin=_merge(stated.get("origin") or []),
        claims=_merge(
            vocabulary.affirmed_terms(f"{name} {attribute_text}", vocabulary.CERTIFICATIONS),
            stated.get("claims") or [],
        ),
        description=description_plain(body_html)[:4000],
    )
    missing = []
    if not (facts.noun or facts.product_type):
        missing.append("a product type")
    if not (facts.materials or facts.features or facts.attributes or colour_values):
        missing.append("materials or features")
    if not facts.description:
        missing.append("an existing description")
    return _with_missing(facts, missing)


def _with_missing(facts: ProductFacts, missing: list[str]) -> ProductFacts:
    object.__setattr__(facts, "missing", tuple(missing))
    return facts


def facts_note(facts: ProductFacts) -> str:
    """A note for the draft when the facts are thin (empty when there is enough)."""
    if len(facts.missing) < 2:
        return ""
    return (
        "Written from few facts — missing "
        + ", ".join(facts.missing)
        + ". Add them on the product's page for fuller copy."
    )
