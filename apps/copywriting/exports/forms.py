"""What some channel exports need besides the products, asked on the export page."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator

PRODUCT_PLACEHOLDER = "{product}"


class StoreAddressForm(forms.Form):
    store_url = forms.CharField(
        label="Store address",
        max_length=300,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text="Your shop's address, e.g. https://shop.example.com. Product links are "
        "written as the address followed by /products/ and the product's handle (Shopify's "
        "product addresses).",
    )

    def clean_store_url(self) -> str:
        return self.cleaned_data["store_url"].strip().rstrip("/")


class GoogleAdsOptionsForm(StoreAddressForm):
    campaign = forms.CharField(
        label="Campaign",
        max_length=255,
        help_text="The campaign's name in Google Ads Editor (a new name makes a new campaign).",
    )
    ad_group = forms.CharField(
        label="Ad group",
        max_length=255,
        initial=PRODUCT_PLACEHOLDER,
        help_text=f"{PRODUCT_PLACEHOLDER} is replaced by each product's title: one ad group "
        "per product. A name without it puts every ad in one ad group.",
    )
    field_order = ["campaign", "ad_group", "store_url"]


class MetaCatalogOptionsForm(StoreAddressForm):
    currency = forms.RegexField(
        label="Currency",
        regex=r"^[A-Za-z]{3}$",
        initial="USD",
        max_length=3,
        help_text="The ISO 4217 code written after each price (USD, EUR, GBP …).",
        error_messages={"invalid": "Three letters, like USD or EUR."},
    )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()
