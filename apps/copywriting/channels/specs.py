"""The table: what each kind of copy is (fields, limits, instructions, how it is exported)."""

from __future__ import annotations

from dataclasses import dataclass

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
