"""Approved photos for the catalog's Shopify export: signed public links, and the image columns.

Shopify fetches the ``Image Src`` of a product CSV from the internet, so an approved photo gets
a stable signed address (``/photos/p/<token>.jpg``) that needs no sign-in and stops working
when the photo is no longer approved. Links are absolute only when ``PHOTOS_PUBLIC_BASE_URL``
is set; without it the export leaves the image columns as they were.

The catalog's export reaches this through its registry of export columns
(:func:`shopify_image_columns`, registered in ``PhotosConfig.ready()``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from apps.catalog.columns import shopify_column
from apps.catalog.models import Product
from apps.catalog.registry import ShopifyRowsFiller
from apps.photos.models import PhotoOutput
from apps.photos.selectors import approved_outputs

PUBLIC_SALT = "apps.photos.public"
# Which output of one source photo goes to Shopify when several presets were approved.
SHOPIFY_PREFERENCE = (
    "shopify-square",
    "google-merchant",
    "amazon-main",
    "instagram-square",
    "instagram-portrait",
    "",
)


@dataclass(frozen=True)
class ApprovedImage:
    url: str
    alt_text: str


def public_token(output: PhotoOutput) -> str:
    return signing.dumps({"w": output.workspace_id, "o": output.pk}, salt=PUBLIC_SALT)


def public_token_read(token: str) -> tuple[int, int] | None:
    try:
        data = signing.loads(token, salt=PUBLIC_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not {"w", "o"} <= data.keys():
        return None
    return int(data["w"]), int(data["o"])


def public_url(output: PhotoOutput) -> str:
    base = settings.PHOTOS_PUBLIC_BASE_URL.rstrip("/")
    return base + reverse("photo_public_image", kwargs={"token": public_token(output)})


def approved_image_urls(products: Iterable) -> dict[int, list[ApprovedImage]]:
    """Product id → its approved photos' public links, in photo order, one per source photo.

    One query for all the products (they share a workspace). Empty when no public base URL is
    configured: a relative link would be useless to Shopify.
    """
    products = list(products)
    if not products or not settings.PHOTOS_PUBLIC_BASE_URL:
        return {}
    by_product: dict[int, dict[int, PhotoOutput]] = {}
    rank = {code: position for position, code in enumerate(SHOPIFY_PREFERENCE)}
    outputs = approved_outputs(
        workspace=products[0].workspace_id, product_ids=[p.pk for p in products]
    )
    for output in outputs:
        if output.product_id is None:
            continue  # asked for by product: every output here has one
        photos = by_product.setdefault(output.product_id, {})
        current = photos.get(output.photo_id)
        if current is None or rank.get(output.preset, 99) < rank.get(current.preset, 99):
            photos[output.photo_id] = output
    titles = {p.pk: p.title for p in products}
    return {
        product_id: [
            ApprovedImage(url=public_url(output), alt_text=titles.get(product_id, ""))
            for _, output in sorted(photos.items())
        ]
        for product_id, photos in by_product.items()
    }


def _column(headers: list[str], field: str, fallback: str) -> str:
    return shopify_column(headers, field) or fallback


def point_image_columns(
    rows: list[dict[str, str]], headers: list[str], handle: str, images: list[ApprovedImage]
) -> list[dict[str, str]]:
    """The product's CSV rows with its image columns listing ``images`` (position 1…n).

    Image k goes on row k; rows are added (Handle and image cells only, as Shopify writes
    image rows) when there are more images than rows; image cells of rows past the last image
    are emptied, so the store ends up with exactly the approved photos.
    """
    if not images:
        return rows
    src = _column(headers, "image_src", "Image Src")
    position = _column(headers, "image_position", "Image Position")
    alt = _column(headers, "image_alt", "Image Alt Text")
    handle_column = _column(headers, "handle", "Handle")
    rows = [dict(row) for row in rows]
    while len(rows) < len(images):
        rows.append({handle_column: handle})
    for index, row in enumerate(rows):
        if index < len(images):
            row[src] = images[index].url
            row[position] = str(index + 1)
            row[alt] = row.get(alt) or images[index].alt_text
        else:
            for column in (src, position, alt):
                if column in row:
                    row[column] = ""
    return rows


def shopify_image_columns(products: Sequence[Product]) -> ShopifyRowsFiller:
    """The catalog's Shopify export, registered source of its image columns: each product's
    approved photos (read for all the products at once) replace its imported images."""
    approved = approved_image_urls(products)

    def fill(
        product: Product, rows: list[dict[str, str]], headers: list[str]
    ) -> list[dict[str, str]]:
        images = approved.get(product.pk)
        return point_image_columns(rows, headers, product.handle, images) if images else rows

    return fill
