"""The channel exports: approved copy in the files each tool imports.

Every builder takes the products (variants, images and approved copy prefetched by the
catalog's export selector) and returns an ``ExportFile``: rows only for products with approved
copy for that channel, every other product listed as skipped with the reason, and a note for
each row written with a gap. Nothing but approved copy is written.

Files meant for a tool's importer (Amazon, Google Ads Editor, the Meta catalog feed) carry the
text as approved; the CSVs people open in a spreadsheet first (Meta ad text, social captions,
e-mail subjects) neutralise cells that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import nh3

from apps.catalog.exporting import neutralise
from apps.catalog.models import Product, ProductVariant
from apps.catalog.registry import ExportFile, ExportSkip
from apps.catalog.vocabulary import is_operational_tag, meaningful_tags
from apps.copywriting import channels
from apps.copywriting.exports.forms import PRODUCT_PLACEHOLDER
from apps.copywriting.exports.selectors import ApprovedChannelCopy, approved_channel_copy
from apps.workspaces.models import Workspace

Approved = dict[str, ApprovedChannelCopy]
DESCRIPTION = "product_description"

# --- text helpers ------------------------------------------------------------------------------

LINE_TAGS = {"p", "br", "li", "ul", "ol", "div", "h1", "h2", "h3", "h4", "h5", "h6"}


def one_line(text: Any) -> str:
    """Tabs and line breaks as single spaces: a flat file's cell is one line."""
    return " ".join(str(text or "").split())


def html_lines(value: str) -> list[str]:
    """The visible lines of a bit of HTML: one per paragraph, list item or line break
    (scripts and styles dropped whole by nh3, not turned into text)."""
    text = nh3.clean(value or "", tags=LINE_TAGS, attributes={})
    text = re.sub(r"(?i)<\s*(br|/p|/li|/h[1-6]|/div|li)\b[^>]*>", "\n", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def html_sentences(value: str) -> str:
    """HTML as plain running text: each line ends as a sentence (list items have no full
    stop of their own)."""
    lines = html_lines(value)
    return " ".join(line if line[-1] in ".!?:;" else line + "." for line in lines)


def trim_bytes(text: str, limit: int) -> str:
    """Whole words of ``text`` within ``limit`` bytes of UTF-8."""
    size = 0
    kept: list[str] = []
    for word in text.split():
        extra = len(word.encode()) + (1 if kept else 0)
        if size + extra > limit:
            break
        kept.append(word)
        size += extra
    return " ".join(kept)


DANGLING = {"a", "an", "the", "and", "or", "but", "with", "of", "to", "for", "in", "on", "at", "by"}


def trim_phrase(text: str, limit: int) -> str:
    """Whole words within ``limit`` characters, never ending on "and a"."""
    words = channels.trim_to(text, limit).split()
    if len(words) < len(text.split()):
        while len(words) > 1 and words[-1].lower().strip(",;:") in DANGLING:
            words.pop()
    return " ".join(words).rstrip(" ,;:-–—")


def product_url(store_url: str, product: Product) -> str:
    return f"{store_url}/products/{product.handle}"


def _skip(product: Product, reason: str) -> ExportSkip:
    return ExportSkip(product.pk, product.title, reason)


def _approved(
    workspace: Workspace, products: Sequence[Product], *codes: str
) -> dict[int, Approved]:
    return approved_channel_copy(workspace=workspace, products=products, copy_types=codes)


COMMON_NOUN_LABELS = {"product_description", "seo_description", "email_subject"}


def copy_name(code: str) -> str:
    """A kind of copy in a sentence: "Amazon title", "Google Ads responsive search ad", but
    "product description", "meta description"."""
    label = channels.SPECS[code].label
    return label[:1].lower() + label[1:] if code in COMMON_NOUN_LABELS else label


def _missing(product: Product, *codes: str) -> ExportSkip:
    return _skip(product, f"no approved {' or '.join(copy_name(c) for c in codes)}")


# --- Amazon listing file -----------------------------------------------------------------------

AMAZON_BULLETS = 5
AMAZON_HEADERS = [
    "item_sku",
    "update_delete",
    "item_name",
    "product_description",
    *[f"bullet_point{n}" for n in range(1, AMAZON_BULLETS + 1)],
    "generic_keywords",
]
AMAZON_DESCRIPTION_MAX = 2000  # characters Amazon shows of product_description
AMAZON_SEARCH_TERMS_BYTES = 249  # "less than 250 bytes"


def amazon_search_terms(product: Product, approved: Approved, item_name: str) -> str:
    """Search terms: the keywords the Amazon copy was written to, the product's describing
    tags and its type; lower case, each word once, none already in the title or the brand
    (Amazon indexes those anyway), never a store's workflow tag."""
    sources: list[str] = []
    for code in ("amazon_title", "amazon_bullets"):
        if code in approved:
            sources.extend(approved[code].keywords)
    sources.extend(meaningful_tags(product.tags))
    if product.product_type:
        sources.append(product.product_type)
    taken = set(re.findall(r"[\w'-]+", f"{item_name} {product.vendor}".lower()))
    words: list[str] = []
    for source in sources:
        if is_operational_tag(source):
            continue
        for word in re.findall(r"[\w'-]+", source.lower()):
            if word not in taken and word not in words:
                words.append(word)
    return trim_bytes(" ".join(words), AMAZON_SEARCH_TERMS_BYTES)


def amazon_listing(
    *, workspace: Workspace, products: Sequence[Product], options: dict
) -> ExportFile:
    """One row per variant SKU, as Amazon's inventory flat file keys every listing by the
    seller's SKU: each sellable variant is its own listing and carries the text. The rows are
    partial updates, so Amazon keeps whatever a blank cell leaves out."""
    approved = _approved(workspace, products, "amazon_title", "amazon_bullets", DESCRIPTION)
    rows, skipped, notes, exported = [], [], [], 0
    for product in products:
        copy = approved.get(product.pk, {})
        if "amazon_title" not in copy and "amazon_bullets" not in copy:
            skipped.append(_missing(product, "amazon_title", "amazon_bullets"))
            continue
        skus = [v.sku.strip() for v in product.variants.all() if v.sku.strip()]
        if not skus:
            skipped.append(_skip(product, "no SKU (Amazon keys every listing by its SKU)"))
            continue
        title = one_line(copy["amazon_title"].data["text"]) if "amazon_title" in copy else ""
        bullets = (
            [one_line(b) for b in copy["amazon_bullets"].data["bullets"]][:AMAZON_BULLETS]
            if "amazon_bullets" in copy
            else []
        )
        description = ""
        if DESCRIPTION in copy:
            description = channels.trim_to(
                one_line(html_sentences(copy[DESCRIPTION].data["text"])), AMAZON_DESCRIPTION_MAX
            )
        gaps = [
            name
            for name, value in (
                ("item_name", title),
                ("bullet points", bullets),
                ("product_description", description),
            )
            if not value
        ]
        if gaps:
            notes.append(
                f"{product.title}: no approved {', '.join(gaps)}; left blank, so Amazon keeps "
                "what it has."
            )
        terms = amazon_search_terms(product, copy, title or product.title)
        bullet_cells = bullets + [""] * (AMAZON_BULLETS - len(bullets))
        for sku in dict.fromkeys(skus):
            rows.append([one_line(sku), "PartialUpdate", title, description, *bullet_cells, terms])
        exported += 1
    return ExportFile(
        AMAZON_HEADERS,
        rows,
        skipped,
        notes,
        delimiter="\t",
        quoting=csv.QUOTE_NONE,
        exported=exported,
    )


# --- Google Ads Editor: responsive search ads --------------------------------------------------

RSA_HEADLINES, RSA_DESCRIPTIONS = 15, 4
GOOGLE_ADS_HEADERS = [
    "Campaign",
    "Ad group",
    "Ad type",
    *[f"Headline {n}" for n in range(1, RSA_HEADLINES + 1)],
    *[f"Description {n}" for n in range(1, RSA_DESCRIPTIONS + 1)],
    "Path 1",
    "Path 2",
    "Final URL",
]


def google_ads_rsa(
    *, workspace: Workspace, products: Sequence[Product], options: dict
) -> ExportFile:
    """One responsive search ad per product, in the campaign and ad group named on the form."""
    approved = _approved(workspace, products, "google_rsa")
    rows, skipped = [], []
    for product in products:
        copy = approved.get(product.pk, {}).get("google_rsa")
        if copy is None:
            skipped.append(_missing(product, "google_rsa"))
            continue
        data = copy.data
        headlines = [one_line(h) for h in data["headlines"]][:RSA_HEADLINES]
        descriptions = [one_line(d) for d in data["descriptions"]][:RSA_DESCRIPTIONS]
        rows.append(
            [
                options["campaign"],
                options["ad_group"].replace(PRODUCT_PLACEHOLDER, product.title),
                "Responsive search ad",
                *headlines,
                *[""] * (RSA_HEADLINES - len(headlines)),
                *descriptions,
                *[""] * (RSA_DESCRIPTIONS - len(descriptions)),
                one_line(data.get("path1", "")),
                one_line(data.get("path2", "")),
                product_url(options["store_url"], product),
            ]
        )
    return ExportFile(GOOGLE_ADS_HEADERS, rows, skipped, exported=len(rows))


# --- Meta: the commerce catalog feed and the ad text -------------------------------------------

META_CATALOG_HEADERS = [
    "id",
    "item_group_id",
    "title",
    "description",
    "availability",
    "condition",
    "price",
    "link",
    "image_link",
    "brand",
]
META_TITLE_MAX, META_DESCRIPTION_MAX = 200, 9999


def _availability(variant: ProductVariant | None) -> str:
    quantity = variant.inventory_quantity if variant is not None else None
    return "out of stock" if quantity is not None and quantity <= 0 else "in stock"


def _price(amount: Decimal | None, currency: str) -> str:
    return f"{amount:.2f} {currency}" if amount is not None else ""


def meta_catalog(*, workspace: Workspace, products: Sequence[Product], options: dict) -> ExportFile:
    """One item per variant (grouped by the product's handle, as Meta groups variants), with
    the approved product description as plain text."""
    approved = _approved(workspace, products, DESCRIPTION)
    rows, skipped, exported = [], [], 0
    for product in products:
        copy = approved.get(product.pk, {}).get(DESCRIPTION)
        if copy is None:
            skipped.append(_missing(product, DESCRIPTION))
            continue
        images = [image.url for image in product.images.all() if image.url]
        image = product.featured_image_src or (images[0] if images else "")
        if not image:
            skipped.append(_skip(product, "no image (Meta needs an image_link)"))
            continue
        variants: list[ProductVariant | None] = [*product.variants.all()] or [None]
        priced = [v for v in variants if (v.price if v else product.price_min) is not None]
        if not priced:
            skipped.append(_skip(product, "no price"))
            continue
        description = channels.trim_to(
            "\n".join(html_lines(copy.data["text"])), META_DESCRIPTION_MAX
        )
        for variant in priced:
            if variant is None:
                item_id, amount = product.handle, product.price_min
            else:
                item_id = variant.sku.strip() or f"{product.handle}-{variant.position}"
                amount = variant.price
            rows.append(
                [
                    item_id,
                    product.handle,
                    channels.trim_to(product.title, META_TITLE_MAX),
                    description,
                    _availability(variant),
                    "new",
                    _price(amount, options["currency"]),
                    product_url(options["store_url"], product),
                    image,
                    product.vendor or workspace.name,
                ]
            )
        exported += 1
    return ExportFile(META_CATALOG_HEADERS, rows, skipped, exported=exported)


META_AD_HEADERS = ["handle", "product", "primary_text", "headline", "description"]


def meta_ad_text(*, workspace: Workspace, products: Sequence[Product], options: dict) -> ExportFile:
    approved = _approved(workspace, products, "meta_ad")
    rows, skipped = [], []
    for product in products:
        copy = approved.get(product.pk, {}).get("meta_ad")
        if copy is None:
            skipped.append(_missing(product, "meta_ad"))
            continue
        data = copy.data
        values = [product.handle, product.title, data["primary_text"], data["headline"]]
        rows.append([neutralise(v) for v in (*values, data["description"])])
    return ExportFile(META_AD_HEADERS, rows, skipped, exported=len(rows))


# --- social captions ---------------------------------------------------------------------------

SOCIAL = {"x_post": "X", "instagram_caption": "Instagram"}
SOCIAL_HEADERS = ["handle", "product", "network", "caption", "hashtags"]
HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
TAGS_WHEN_NONE = {"x_post": 2, "instagram_caption": 5}


def hashtag(text: str) -> str:
    """A product tag as a hashtag: its words run together ("Summer linen" -> #SummerLinen)."""
    words = re.findall(r"\w+", text)
    if len(words) == 1:
        return "#" + words[0].lower()
    return "#" + "".join(w[:1].upper() + w[1:] for w in words)


def caption_hashtags(code: str, caption: str, product: Product) -> list[str]:
    """The caption's own hashtags (none that names a store's workflow tag); when it has
    none, a few from the product's describing tags."""
    own = [f"#{tag}" for tag in HASHTAG.findall(caption) if not is_operational_tag(tag)]
    if own:
        return list(dict.fromkeys(own))
    tags = [hashtag(t) for t in meaningful_tags(product.tags) if re.search(r"\w", t)]
    return list(dict.fromkeys(tags))[: TAGS_WHEN_NONE[code]]


def social_captions(
    *, workspace: Workspace, products: Sequence[Product], options: dict
) -> ExportFile:
    """A row per approved X post and Instagram caption."""
    approved = _approved(workspace, products, *SOCIAL)
    rows, skipped, exported = [], [], 0
    for product in products:
        copy = approved.get(product.pk, {})
        if not any(code in copy for code in SOCIAL):
            skipped.append(_missing(product, *SOCIAL))
            continue
        for code, network in SOCIAL.items():
            if code not in copy:
                continue
            caption = copy[code].data["text"]
            tags = " ".join(caption_hashtags(code, caption, product))
            rows.append(
                [neutralise(v) for v in (product.handle, product.title, network, caption, tags)]
            )
        exported += 1
    return ExportFile(SOCIAL_HEADERS, rows, skipped, exported=exported)


# --- e-mail subjects ---------------------------------------------------------------------------

EMAIL_HEADERS = ["handle", "product", "subject", "preview_text"]
PREVIEW_TEXT_MAX = 90  # what most inboxes show after the subject


def email_subjects(
    *, workspace: Workspace, products: Sequence[Product], options: dict
) -> ExportFile:
    """The approved subject line; the preview text is the approved meta description (the
    copy studio writes no preview text of its own), cut at a word within 90 characters."""
    approved = _approved(workspace, products, "email_subject", "seo_description")
    rows, skipped, notes = [], [], []
    for product in products:
        copy = approved.get(product.pk, {})
        if "email_subject" not in copy:
            skipped.append(_missing(product, "email_subject"))
            continue
        preview = ""
        if "seo_description" in copy:
            preview = trim_phrase(one_line(copy["seo_description"].data["text"]), PREVIEW_TEXT_MAX)
        else:
            notes.append(f"{product.title}: no approved meta description, so no preview text.")
        values = (product.handle, product.title, copy["email_subject"].data["text"], preview)
        rows.append([neutralise(v) for v in values])
    return ExportFile(EMAIL_HEADERS, rows, skipped, notes, exported=len(rows))
