"""Small CSVs in the formats stores really export (the suite reads no data from outside it)."""

import csv
import io

OLD_HEADERS = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name",
    "Option3 Value", "Variant SKU", "Variant Grams", "Variant Inventory Tracker",
    "Variant Inventory Qty", "Variant Price", "Variant Compare At Price", "Variant Barcode",
    "Image Src", "Image Position", "Image Alt Text", "Gift Card", "SEO Title", "SEO Description",
    "Google Shopping / Gender", "Fabric (product.metafields.custom.fabric)", "Status",
]  # fmt: skip


def shopify_rows() -> list[dict[str, str]]:
    return [
        {
            "Handle": "linen-shirt", "Title": "Linen Shirt",
            "Body (HTML)": "<p>Breezy <strong>linen</strong> shirt.</p>", "Vendor": "Harbor",
            "Product Category": "Apparel > Shirts", "Type": "Shirts", "Tags": "linen, summer",
            "Published": "true", "Option1 Name": "Size", "Option1 Value": "S",
            "Option2 Name": "Color", "Option2 Value": "Sand", "Variant SKU": "LS-S-SAND",
            "Variant Grams": "210", "Variant Inventory Tracker": "shopify",
            "Variant Inventory Qty": "4", "Variant Price": "59.00",
            "Variant Compare At Price": "79.00", "Variant Barcode": "0123456789012",
            "Image Src": "https://cdn.example.com/linen-1.jpg", "Image Position": "1",
            "Image Alt Text": "Linen shirt, front", "Gift Card": "false",
            "SEO Title": "Linen Shirt | Harbor", "SEO Description": "A breezy linen shirt.",
            "Google Shopping / Gender": "unisex",
            "Fabric (product.metafields.custom.fabric)": "European flax linen", "Status": "active",
        },
        {
            "Handle": "linen-shirt", "Option1 Value": "M", "Option2 Value": "Sand",
            "Variant SKU": "LS-M-SAND", "Variant Grams": "220", "Variant Price": "59.00",
            "Image Src": "https://cdn.example.com/linen-2.jpg", "Image Position": "2",
        },
        {
            "Handle": "linen-shirt", "Image Src": "https://cdn.example.com/linen-3.jpg",
            "Image Position": "3",
        },
        {
            "Handle": "canvas-tote", "Title": "Canvas Tote", "Body (HTML)": "<p>Sturdy tote.</p>",
            "Vendor": "Harbor", "Type": "Bags", "Tags": "canvas", "Published": "true",
            "Option1 Name": "Title", "Option1 Value": "Default Title", "Variant SKU": "TOTE-1",
            "Variant Price": "24.50", "Status": "active",
        },
    ]  # fmt: skip


def to_csv(rows, headers, delimiter=",") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({h: row.get(h, "") for h in headers})
    return buffer.getvalue()


def shopify_csv(delimiter=",") -> str:
    return to_csv(shopify_rows(), OLD_HEADERS, delimiter)


# Shopify's current export renames columns.
NEW_NAMES = {
    "Handle": "URL handle", "Body (HTML)": "Description", "Variant SKU": "SKU",
    "Variant Grams": "Weight value (grams)", "Variant Inventory Qty": "Inventory quantity",
    "Variant Price": "Price", "Variant Compare At Price": "Compare-at price / United States",
    "Variant Barcode": "Barcode", "Image Src": "Product image URL", "SEO Title": "SEO title",
    "SEO Description": "SEO description", "Option1 Name": "Option1 name",
    "Option1 Value": "Option1 value", "Option2 Name": "Option2 name",
    "Option2 Value": "Option2 value", "Published": "Published on online store",
}  # fmt: skip


def shopify_csv_new_headers() -> str:
    headers = [NEW_NAMES.get(h, h) for h in OLD_HEADERS]
    rows = [{NEW_NAMES.get(k, k): v for k, v in row.items()} for row in shopify_rows()]
    return to_csv(rows, headers)


GENERIC = (
    "Name;Brand;Article number;RRP;Long text;Colour\n"
    "Wool Beanie;Northfolk;WB-01;19,90;Warm merino beanie.;Charcoal\n"
    "Rain Jacket;Northfolk;RJ-02;129,00;Seam-sealed shell.;Olive\n"
)
