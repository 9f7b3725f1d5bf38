"""Layer 2: what each kind of copy must be. One table, read by the interface (fields and
counters), the prompts (instructions and structure) and the validators (limits and rules).

Every limit says whether it is **hard** (output that breaks it is trimmed, or regenerated, and
never submitted silently) or **advice** (a warning the writer sees).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

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


# --- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    max: int | None = None
    min: int | None = None
    hard: bool = True
    unit: str = "characters"  # or "weighted characters", "words"

    def describe(self) -> str:
        if self.min and self.max:
            span = f"{self.min}–{self.max}"
        elif self.max:
            span = f"at most {self.max}"
        else:
            span = f"at least {self.min}"
        return f"{span} {self.unit}" + ("" if self.hard else " (advice)")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # "text", "html", or "lines" (one item per line)
    limit: Limit | None = None  # per text, or per item for "lines"
    items: Limit | None = None  # how many items, for "lines"
    help: str = ""
    required: bool = True


@dataclass(frozen=True)
class CopySpec:
    code: str
    label: str
    fields: tuple[Field, ...]
    instructions: str  # what the model is asked for
    channel: str = ""
    practice: str = ""  # how the best copy for this channel is written, for the prompt
    export_name: str = ""  # what the column or file is called where this copy is exported

    @property
    def single_field(self) -> bool:
        return len(self.fields) == 1 and self.fields[0].kind != "lines"


PROMO_PHRASES = (
    "best seller",
    "bestseller",
    "best-seller",
    "free shipping",
    "hot item",
    "sale",
    "limited time",
    "top rated",
    "#1",
    "100% satisfaction",
    "guaranteed",
    "discount",
    "cheap",
)
AMAZON_TITLE_FORBIDDEN = set("!$?_{}^¬¦")
# Words Amazon lets repeat: articles, prepositions and conjunctions.
AMAZON_REPEATABLE = {
    "a", "an", "the", "and", "or", "but", "nor", "for", "so", "yet", "of", "in", "on", "at", "to",
    "by", "with", "from", "into", "onto", "over", "under", "per", "via", "as", "&", "up", "off",
    "out", "about", "after", "before", "between", "through", "without", "within",
}  # fmt: skip


SPECS: dict[str, CopySpec] = {
    spec.code: spec
    for spec in (
        CopySpec(
            "product_description",
            "Product description",
            (
                Field(
                    "text",
                    "Description (HTML)",
                    kind="html",
                    help="Short paragraphs and a bullet list of features.",
                ),
            ),
            "Write the product description as HTML: one or two short paragraphs (<p>) and a "
            "bullet list (<ul><li>) of the features that matter.",
            channel="Shopify",
            practice=(
                "Open with what the product is and who or what it is for, in one sentence. Then "
                "the details that matter to a buyer (material, fit, features, care), one idea per "
                "sentence. Short paragraphs; the bullet list repeats the facts a shopper scans "
                'for. No headings, no filler ("look no further"), no claims the facts do not '
                "make."
            ),
        ),
        CopySpec(
            "seo_title",
            "SEO title",
            (Field("text", "SEO title", limit=Limit(min=50, max=60, hard=False)),),
            "Write a search-result title of about 50–60 characters.",
            channel="Search",
            practice=(
                "The product's name first, then its most searched attribute (material, type, "
                'colour), then " | " and the brand. 50–60 characters so search results show it '
                "whole. No keyword stuffing, no all caps."
            ),
        ),
        CopySpec(
            "seo_description",
            "Meta description",
            (Field("text", "Meta description", limit=Limit(min=150, max=160, hard=False)),),
            "Write a meta description of about 150–160 characters.",
            channel="Search",
            practice=(
                "One or two complete sentences of 150–160 characters: what it is, the detail that "
                "sets it apart, and a call to action. Use the main keyword once, naturally."
            ),
        ),
        CopySpec(
            "amazon_title",
            "Amazon title",
            (Field("text", "Title", limit=Limit(max=200)),),
            "Write an Amazon product title: brand, product, key attributes; no promotional "
            "phrases; none of ! $ ? _ { } ^ ¬ ¦; no word more than twice.",
            channel="Amazon",
            practice=(
                "Brand first, then product name and type, then key attributes in order of "
                "importance (material, size or capacity, colour, quantity), separated by commas. "
                "Capitalise the first letter of each word. No promotional words, no subjective "
                "claims, none of ! $ ? _ { } ^ ¬ ¦, no word more than twice."
            ),
        ),
        CopySpec(
            "amazon_bullets",
            "Amazon bullet points",
            (
                Field(
                    "bullets",
                    "Bullet points",
                    kind="lines",
                    limit=Limit(max=250),
                    items=Limit(min=1, max=5),
                    help="Up to five bullets (five when the facts allow), one per line.",
                ),
            ),
            "Write five Amazon bullet points (fewer only when the facts give less to say), each a "
            "benefit-led sentence.",
            channel="Amazon",
            practice=(
                "Five bullets (fewer only when the facts give less), the most important first. "
                "Each starts with a short "
                'capitalised header and a colon ("MATERIAL: …"), then one or two sentences '
                "about one benefit grounded in a fact (material, fit, features, use, care, "
                "sizes). No prices, shipping, guarantees or promotional words."
            ),
        ),
        CopySpec(
            "google_rsa",
            "Google Ads responsive search ad",
            (
                Field(
                    "headlines",
                    "Headlines",
                    kind="lines",
                    limit=Limit(max=30),
                    items=Limit(min=3, max=15),
                    help="3–15 headlines, one per line.",
                ),
                Field(
                    "descriptions",
                    "Descriptions",
                    kind="lines",
                    limit=Limit(max=90),
                    items=Limit(min=2, max=4),
                    help="2–4 descriptions, one per line.",
                ),
                Field("path1", "Path 1", limit=Limit(max=15), required=False),
                Field("path2", "Path 2", limit=Limit(max=15), required=False),
            ),
            "Write a Google Ads responsive search ad: short headlines, descriptions and two "
            "display-URL paths.",
            channel="Google Ads",
            practice=(
                "Headlines of at most 30 characters that each work alone and in any combination: "
                "the product name, its type with one attribute, features, the brand, a call to "
                "action. Descriptions of at most 90 characters are complete sentences. Paths are "
                "lower-case words joined by hyphens (the category, then the material or brand), "
                "at most 15 characters. Title Case headlines; no exclamation mark in headlines."
            ),
        ),
        CopySpec(
            "meta_ad",
            "Meta ad",
            (
                Field("primary_text", "Primary text", limit=Limit(max=125, hard=False)),
                Field("headline", "Headline", limit=Limit(max=40, hard=False)),
                Field("description", "Description", limit=Limit(max=30, hard=False)),
            ),
            "Write a Facebook/Instagram ad: primary text, a headline and a short description.",
            channel="Meta",
            practice=(
                "Primary text leads with the product and its best fact in the first 125 "
                "characters, ending in a call to action. The headline (about 40 characters) names "
                "the product; the description (about 30) adds one attribute or the brand. "
                "Complete phrases only, never cut off."
            ),
        ),
        CopySpec(
            "x_post",
            "X post",
            (Field("text", "Post", limit=Limit(max=280, unit="weighted characters")),),
            "Write a post for X (Twitter).",
            channel="X",
            practice=(
                "One or two short sentences that make someone stop scrolling, with the product's "
                "name and one concrete detail, and at most two relevant hashtags. Within 280 "
                "characters."
            ),
        ),
        CopySpec(
            "instagram_caption",
            "Instagram caption",
            (
                Field(
                    "text",
                    "Caption",
                    limit=Limit(max=2200),
                    help="Up to 30 hashtags.",
                ),
            ),
            "Write an Instagram caption with a few relevant hashtags at the end.",
            channel="Instagram",
            practice=(
                'A first line that hooks (it shows before "more"), then two or three short '
                "sentences about the product's facts, a call to action, and a few relevant "
                "hashtags on their own line at the end, from the product's own tags and type."
            ),
        ),
        CopySpec(
            "email_subject",
            "E-mail subject line",
            (Field("text", "Subject line", limit=Limit(max=50, hard=False)),),
            "Write an e-mail subject line of about 50 characters.",
            channel="E-mail",
            practice=(
                "About 30–50 characters, specific (the product's name or its standout fact), in "
                "sentence case; no spammy words, no all caps, at most one emoji if the brand uses "
                "them."
            ),
        ),
    )
}
COPY_TYPE_CHOICES = [(spec.code, spec.label) for spec in SPECS.values()]
MAX_HASHTAGS = 30


def spec_for(code: str, *, bullet_max: int | None = None) -> CopySpec:
    """The spec, with a workspace's Amazon bullet length (250 by default, 500 in some
    categories) applied."""
    spec = SPECS[code]
    if code == "amazon_bullets" and bullet_max and bullet_max != 250:
        bullets = spec.fields[0]
        return CopySpec(
            spec.code,
            spec.label,
            (
                Field(
                    bullets.name,
                    bullets.label,
                    kind=bullets.kind,
                    limit=Limit(max=bullet_max),
                    items=bullets.items,
                    help=bullets.help,
                ),
            ),
            spec.instructions,
            spec.channel,
            spec.practice,
            spec.export_name,
        )
    return spec


# --- values ------------------------------------------------------------------------------------


def normalise(spec: CopySpec, data: dict[str, Any]) -> dict[str, Any]:
    """Data in the spec's shape: lists for "lines" fields, strings otherwise."""
    clean: dict[str, Any] = {}
    for f in spec.fields:
        value = data.get(f.name, [] if f.kind == "lines" else "")
        if f.kind == "lines":
            if isinstance(value, str):
                value = value.splitlines()
            clean[f.name] = [str(v).strip().lstrip("•-* ").strip() for v in value if str(v).strip()]
        else:
            clean[f.name] = str(value if value is not None else "").strip()
    return clean


def render(spec: CopySpec, data: dict[str, Any]) -> str:
    """One text for the copy: what is approved, exported and compared with the live copy."""
    data = normalise(spec, data)
    if spec.single_field:
        return data[spec.fields[0].name]
    parts = []
    for f in spec.fields:
        value = data[f.name]
        if f.kind == "lines":
            if len(spec.fields) == 1:
                parts.append("\n".join(value))
            else:
                parts.append(f"{f.label}:\n" + "\n".join(value))
        elif value:
            parts.append(f"{f.label}: {value}")
    return "\n\n".join(parts)


def editable_text(f: Field, value: Any) -> str:
    return "\n".join(value) if f.kind == "lines" else str(value or "")


# --- validation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    field: str
    message: str
    hard: bool

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message, "hard": self.hard}


@dataclass(frozen=True)
class Count:
    field: str
    label: str
    value: int
    limit: Limit | None
    item: int | None = None  # 1-based item number for "lines" fields

    @property
    def over(self) -> bool:
        return bool(self.limit and self.limit.max is not None and self.value > self.limit.max)

    @property
    def under(self) -> bool:
        return bool(self.limit and self.limit.min is not None and self.value < self.limit.min)


@dataclass
class Check:
    counts: list[Count] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def hard_violations(self) -> list[Violation]:
        return [v for v in self.violations if v.hard]

    @property
    def ok(self) -> bool:
        return not self.hard_violations


def _length(spec: CopySpec, f: Field, text: str) -> int:
    if f.limit and f.limit.unit == "weighted characters":
        return x_weighted_length(text)
    if f.kind == "html":
        return plain_length(html_text(text))
    return plain_length(text)


def check(spec: CopySpec, data: dict[str, Any]) -> Check:
    """Counts against the channel's limits, and every channel rule the copy breaks. (The
    brand's rules and the claim guard are checked by the copy studio's pipeline.)"""
    data = normalise(spec, data)
    result = Check()
    for f in spec.fields:
        value = data[f.name]
        texts = value if f.kind == "lines" else [value]
        if f.kind == "lines" and f.items:
            n = len(texts)
            if (f.items.min is not None and n < f.items.min) or (
                f.items.max is not None and n > f.items.max
            ):
                result.violations.append(
                    Violation(
                        f.name,
                        f"{f.label}: {n} given, "
                        + f.items.describe().replace("characters", "needed"),
                        f.items.hard,
                    )
                )
        if f.kind != "lines" and not value and f.required:
            result.violations.append(Violation(f.name, f"{f.label} is empty.", True))
        for i, text in enumerate(texts, start=1):
            length = _length(spec, f, text)
            result.counts.append(
                Count(f.name, f.label, length, f.limit, item=i if f.kind == "lines" else None)
            )
            if not f.limit:
                continue
            where = f"{f.label} {i}" if f.kind == "lines" else f.label
            if f.limit.max is not None and length > f.limit.max:
                result.violations.append(
                    Violation(
                        f.name,
                        f"{where} is {length} {f.limit.unit}; {f.limit.describe()}.",
                        f.limit.hard,
                    )
                )
            elif f.limit.min is not None and length < f.limit.min and text:
                result.violations.append(
                    Violation(
                        f.name,
                        f"{where} is {length} {f.limit.unit}; {f.limit.describe()}.",
                        False,  # too short is always advice
                    )
                )
    extra = _RULES.get(spec.code)
    if extra:
        result.violations.extend(extra(data))
    return result


def _amazon_title_rules(data: dict[str, Any]) -> list[Violation]:
    title = data["text"]
    found = []
    symbols = sorted({ch for ch in title if ch in AMAZON_TITLE_FORBIDDEN})
    if symbols:
        found.append(Violation("text", f"Amazon titles may not contain {' '.join(symbols)}.", True))
    lowered = title.lower()
    promo = [p for p in PROMO_PHRASES if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", lowered)]
    if promo:
        found.append(
            Violation("text", f"Promotional phrases are not allowed: {', '.join(promo)}.", True)
        )
    words = re.findall(r"[\w'&-]+", lowered)
    repeated = sorted(w for w, n in Counter(words).items() if n > 2 and w not in AMAZON_REPEATABLE)
    if repeated:
        found.append(
            Violation(
                "text",
                f"Words used more than twice: {', '.join(repeated)} (only articles, "
                "prepositions and conjunctions may repeat).",
                True,
            )
        )
    return found


def _instagram_rules(data: dict[str, Any]) -> list[Violation]:
    tags = re.findall(r"(?<!\w)#\w+", data["text"])
    if len(tags) > MAX_HASHTAGS:
        return [Violation("text", f"{len(tags)} hashtags; Instagram allows {MAX_HASHTAGS}.", True)]
    return []


def _description_rules(data: dict[str, Any]) -> list[Violation]:
    text = data["text"]
    found = []
    if "<li" not in text.lower():
        found.append(Violation("text", "Add a bullet list (<ul><li>) of features.", False))
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", text, re.S | re.I)
    if any(len(html_text(p).split()) > 80 for p in paragraphs):
        found.append(Violation("text", "Keep paragraphs short (80 words at most).", False))
    return found


def _amazon_bullets_rules(data: dict[str, Any]) -> list[Violation]:
    count = len(data["bullets"])
    if count < 5:
        return [
            Violation(
                "bullets",
                f"Amazon shows five bullet points; this has {count}. Add facts to the product "
                "(features, care, sizes) for more.",
                False,
            )
        ]
    return []


_RULES = {
    "amazon_title": _amazon_title_rules,
    "amazon_bullets": _amazon_bullets_rules,
    "instagram_caption": _instagram_rules,
    "product_description": _description_rules,
}


# --- making output fit --------------------------------------------------------------------------


def trim_to(text: str, limit: int, counter=plain_length) -> str:
    """Cut at a word boundary so that ``counter(text) <= limit``; no dangling punctuation."""
    if counter(text) <= limit:
        return text
    words = text.split()
    while words and counter(" ".join(words)) > limit:
        words.pop()
    trimmed = " ".join(words).rstrip(" ,;:-–—")
    if not trimmed:  # one word longer than the limit
        trimmed = text[:limit]
    return trimmed


def repair(spec: CopySpec, data: dict[str, Any]) -> dict[str, Any]:
    """Fix what can be fixed mechanically in hard limits: trim, drop forbidden symbols and
    promotional phrases, cap list lengths. Advice is left to the writer."""
    data = normalise(spec, data)
    for f in spec.fields:
        value = data[f.name]
        if f.kind == "lines" and f.items and f.items.max is not None and f.items.hard:
            value = value[: f.items.max]
        if f.limit and f.limit.hard and f.limit.max is not None:
            counter = x_weighted_length if f.limit.unit == "weighted characters" else plain_length
            if f.kind == "lines":
                value = [trim_to(v, f.limit.max, counter) for v in value]
            elif f.kind != "html":
                value = trim_to(value, f.limit.max, counter)
        data[f.name] = value
    if spec.code == "amazon_title":
        title = "".join(ch for ch in data["text"] if ch not in AMAZON_TITLE_FORBIDDEN)
        for phrase in PROMO_PHRASES:
            title = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", "", title, flags=re.I)
        data["text"] = re.sub(r"\s{2,}", " ", title).strip(" ,-")
    if spec.code == "instagram_caption":
        seen = 0

        def keep(match: re.Match) -> str:
            nonlocal seen
            seen += 1
            return match.group(0) if seen <= MAX_HASHTAGS else ""

        data["text"] = re.sub(r"(?<!\w)#\w+", keep, data["text"]).strip()
    return data


# --- structure for the model --------------------------------------------------------------------


def json_schema(spec: CopySpec) -> dict:
    """The structured output every kind of copy asks a model for, in the strict subset that
    OpenAI's structured outputs (and compatible servers) accept: every property required, no
    additional properties, no length keywords (limits are stated in each field's description
    and in the prompt, and checked on what comes back)."""
    properties: dict[str, Any] = {}
    if spec.code == "product_description":
        properties = {
            "description": {
                "type": "string",
                "description": "One or two short paragraphs, separated by a newline; plain text.",
            },
            "features": {
                "type": "array",
                "items": {"type": "string"},
                "description": "3 to 6 short feature points, plain text, from the facts only.",
            },
        }
    else:
        for f in spec.fields:
            described = f.label + (f" ({f.limit.describe()})" if f.limit else "")
            if f.kind == "lines":
                if f.items:
                    described += f"; {f.items.describe().replace('characters', 'items')}"
                properties[f.name] = {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": described
                    + ("; each item " + f.limit.describe() if f.limit else ""),
                }
            else:
                properties[f.name] = {"type": "string", "description": described}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def describe_limits(spec: CopySpec) -> str:
    lines = []
    for f in spec.fields:
        bits = []
        if f.items:
            bits.append(f.items.describe().replace("characters", "items"))
        if f.limit:
            bits.append(("each " if f.kind == "lines" else "") + f.limit.describe())
        if bits:
            lines.append(f"- {f.label}: {', '.join(bits)}")
    return "\n".join(lines)
