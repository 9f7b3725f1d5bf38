"""The demo products as a Shopify product export, so the seed imports them the way a team
imports its own catalog."""

from __future__ import annotations

import csv
import io
from typing import Any

SHOPIFY_HEADERS = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Variant SKU",
    "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Price",
    "SEO Title", "SEO Description", "Status",
]  # fmt: skip


def _description_html(product: dict[str, Any]) -> str:
    items = "".join(f"<li>{fact}</li>" for fact in product["facts"])
    return f"<p>{product['intro']}</p><ul>{items}</ul>"


def _sku(product: dict[str, Any], colour: str, size: str | None) -> str:
    parts = [product["handle"].upper().replace("-", "")[:10], colour.upper().replace(" ", "")[:4]]
    if size:
        parts.append(size.upper().replace(" ", "").replace("/", "")[:6])
    return "-".join(parts)


def demo_catalog_csv(products: list[dict[str, Any]], vendor: str) -> str:
    """The demo products as a Shopify product export: one row per variant (colour × size)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SHOPIFY_HEADERS, lineterminator="\n")
    writer.writeheader()
    for number, product in enumerate(products):
        sizes = product["sizes"] or [None]
        first = True
        for position, (colour, size) in enumerate(
            (colour, size) for colour, _ in product["colours"] for size in sizes
        ):
            row = {
                "Handle": product["handle"],
                "Option1 Name": "Colour" if first else "",
                "Option1 Value": colour,
                "Variant SKU": _sku(product, colour, size),
                "Variant Grams": str(product["grams"]),
                "Variant Inventory Tracker": "shopify",
                "Variant Inventory Qty": str(6 + (number * 7 + position * 5) % 40),
                "Variant Price": product["price"],
            }
            if size:
                row["Option2 Name"] = "Size" if first else ""
                row["Option2 Value"] = size
            if first:
                row.update(
                    {
                        "Title": product["title"],
                        "Body (HTML)": _description_html(product),
                        "Vendor": vendor,
                        "Product Category": product["category"],
                        "Type": product["type"],
                        "Tags": ", ".join(product["tags"]),
                        "Published": "true",
                        "SEO Title": f"{product['title']} | {vendor}",
                        "SEO Description": product["intro"],
                        "Status": "active",
                    }
                )
            writer.writerow(row)
            first = False
    return buffer.getvalue()
