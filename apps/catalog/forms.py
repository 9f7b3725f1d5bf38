from typing import Any, cast

from django import forms

from apps.catalog.columns import GENERIC_FIELDS
from apps.catalog.facts import FACT_KEYS, FACT_LABELS, clean_facts, extract_description_facts
from apps.catalog.models import ImportFormat, WorkStatus
from apps.catalog.selectors import SORTS, ProductFilters


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab separated.",
    )
    format = forms.ChoiceField(
        choices=ImportFormat.choices, initial=ImportFormat.SHOPIFY, widget=forms.RadioSelect
    )


class ColumnMappingForm(forms.Form):
    """One select per product field, listing the file's columns."""

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in this file —"), *[(h, h) for h in headers]]
        for name, label in GENERIC_FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=name == "title",
                initial=initial_mapping.get(name, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {name: column for name, column in self.cleaned_data.items() if column}


class ProductFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    vendor = forms.ChoiceField(required=False)
    product_type = forms.ChoiceField(required=False, label="Type")
    tag = forms.CharField(required=False)
    copy_status = forms.ChoiceField(
        required=False, choices=[("", "Any copy status"), *WorkStatus.choices], label="Copy"
    )
    photo_status = forms.ChoiceField(
        required=False, choices=[("", "Any photo status"), *WorkStatus.choices], label="Photos"
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("title", "Title A–Z"),
            ("-title", "Title Z–A"),
            ("vendor", "Vendor"),
            ("-updated", "Recently updated"),
            ("updated", "Least recently updated"),
            ("price", "Price, low to high"),
            ("-price", "Price, high to low"),
            ("relevance", "Best match (with a search)"),
        ],
    )

    def __init__(self, *args: Any, facets: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vendor = cast(forms.ChoiceField, self.fields["vendor"])
        product_type = cast(forms.ChoiceField, self.fields["product_type"])
        vendor.choices = [("", "Any vendor"), *[(v, v) for v in facets["vendors"]]]
        product_type.choices = [("", "Any type"), *[(t, t) for t in facets["types"]]]

    def filters(self) -> ProductFilters:
        if not self.is_valid():
            return ProductFilters()
        data = {k: v for k, v in self.cleaned_data.items() if v}
        if data.get("sort") not in SORTS and data.get("sort") != "relevance":
            data.pop("sort", None)
        return ProductFilters(**data)


class ProductFactsForm(forms.Form):
    """What the description states, one kind a box, one fact a line."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in FACT_KEYS:
            self.fields[key] = forms.CharField(
                label=FACT_LABELS[key],
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="One a line." if key == "features" else "",
            )

    @classmethod
    def for_product(cls, product) -> "ProductFactsForm":
        stated = product.description_facts or extract_description_facts(product.body_html)
        return cls(initial={k: "\n".join(v) for k, v in clean_facts(stated).items()})

    def facts(self) -> dict[str, list[str]]:
        data = getattr(self, "cleaned_data", {}) or {}
        return clean_facts({key: data.get(key, "") for key in FACT_KEYS})


BUILTIN_EXPORTS = [
    ("shopify", "Shopify product CSV"),
    ("generic", "Generic CSV (every field, live and approved copy)"),
]


class ExportForm(forms.Form):
    """The export page: which file, and which products."""

    format = forms.ChoiceField(label="Format", widget=forms.RadioSelect)
    vendor = forms.ChoiceField(required=False)
    product_type = forms.ChoiceField(required=False, label="Type")
    tag = forms.CharField(required=False, max_length=255)
    approved_only = forms.BooleanField(
        required=False,
        initial=True,
        label="Only products with approved copy",
        help_text="Channel files always hold approved copy only; this also leaves out the "
        "products that have none from the Shopify and generic CSV.",
    )

    def __init__(
        self, *args: Any, facets: dict[str, list[str]], formats: list[tuple[str, str]], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["format"]).choices = [*BUILTIN_EXPORTS, *formats]
        vendor = cast(forms.ChoiceField, self.fields["vendor"])
        product_type = cast(forms.ChoiceField, self.fields["product_type"])
        vendor.choices = [("", "Any vendor"), *[(v, v) for v in facets["vendors"]]]
        product_type.choices = [("", "Any type"), *[(t, t) for t in facets["types"]]]

    def filters(self) -> ProductFilters:
        data = self.cleaned_data
        return ProductFilters(
            vendor=data.get("vendor", ""),
            product_type=data.get("product_type", ""),
            tag=data.get("tag", "").strip(),
        )
