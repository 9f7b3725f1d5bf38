"""The copy studio's channel exports, offered on the catalog's export page.

The catalog never imports the copy studio: ``register()`` (called from
``CopywritingConfig.ready()``) hands each format to ``apps.catalog.registry``.
"""

from __future__ import annotations

from apps.catalog.registry import ExportFormat, register_export_format
from apps.copywriting.exports import formats
from apps.copywriting.exports.forms import GoogleAdsOptionsForm, MetaCatalogOptionsForm

TAB_SEPARATED = "text/tab-separated-values; charset=utf-8"

CHANNEL_FORMATS = (
    ExportFormat(
        code="amazon",
        label="Amazon listing file",
        summary="Tab-delimited inventory flat file: item_sku, item_name, product_description, "
        "bullet_point1–5 and generic_keywords, one row per variant SKU, as partial updates.",
        build=formats.amazon_listing,
        extension="txt",
        content_type=TAB_SEPARATED,
        order=10,
    ),
    ExportFormat(
        code="google_ads",
        label="Google Ads Editor: responsive search ads",
        summary="CSV for Google Ads Editor's import: campaign, ad group, headlines 1–15, "
        "descriptions 1–4, paths and the final URL.",
        build=formats.google_ads_rsa,
        options_form=GoogleAdsOptionsForm,
        order=20,
    ),
    ExportFormat(
        code="meta_catalog",
        label="Meta catalog feed",
        summary="CSV data feed for a Meta commerce catalog: id, title, description, "
        "availability, condition, price, link, image_link, brand; one item per variant.",
        build=formats.meta_catalog,
        options_form=MetaCatalogOptionsForm,
        order=30,
    ),
    ExportFormat(
        code="meta_ads",
        label="Meta ad text",
        summary="CSV of each product's approved primary text, headline and description.",
        build=formats.meta_ad_text,
        order=40,
    ),
    ExportFormat(
        code="social",
        label="Social captions (X, Instagram)",
        summary="CSV of approved X posts and Instagram captions with their hashtags.",
        build=formats.social_captions,
        order=50,
    ),
    ExportFormat(
        code="email",
        label="E-mail subjects",
        summary="CSV of approved subject lines with preview text (from the approved meta "
        "description).",
        build=formats.email_subjects,
        order=60,
    ),
)


def register() -> None:
    for export_format in CHANNEL_FORMATS:
        register_export_format(export_format)
