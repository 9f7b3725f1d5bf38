import re
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from apps.catalog.columns import guess_mapping
from apps.catalog.facts import FACT_KEYS, FACT_LABELS, clean_facts, extract_description_facts
from apps.catalog.models import (
    ApprovedCopy,
    ColumnMapping,
    ImportBatch,
    ImportRowError,
    Product,
    ProductImage,
    ProductVariant,
)
from apps.workspaces.models import Workspace

SORTS = {
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "vendor": ("vendor", "title", "id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "price": (F("price_min").asc(nulls_last=True), "id"),
    "-price": (F("price_max").desc(nulls_last=True), "-id"),
}
# Columns the list page shows; loading only these keeps a page of products cheap.
LIST_COLUMNS = [
    "id",
    "handle",
    "title",
    "vendor",
    "product_type",
    "tags",
    "status",
    "copy_status",
    "photo_status",
    "variant_count",
    "price_min",
    "price_max",
    "featured_image_src",
    "updated_at",
]


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    vendor: str = ""
    product_type: str = ""
    tag: str = ""
    copy_status: str = ""
    photo_status: str = ""
    sort: str = ""  # "" is best match when searching, else title


def product_queryset(*, workspace: Workspace, filters: ProductFilters) -> QuerySet[Product]:
    products = Product.objects.for_workspace(workspace)
    if filters.vendor:
        products = products.filter(vendor=filters.vendor)
    if filters.product_type:
        products = products.filter(product_type=filters.product_type)
    if filters.tag:
        products = products.filter(tags_text__contains=f", {filters.tag.lower()}, ")
    if filters.copy_status:
        products = products.filter(copy_status=filters.copy_status)
    if filters.photo_status:
        products = products.filter(photo_status=filters.photo_status)
    query = filters.q.strip()
    search = prefix_search_query(query) if connection.vendor == "postgresql" else None
    if search is not None:
        # Full text over title, vendor, type, tags and description through the GIN index; the
        # last word matches as a prefix, so a half-typed "lin" already finds "Linen".
        products = products.filter(Q(search_vector=search) | Q(handle=query.lower()))
        if filters.sort in ("", "relevance"):
            return products.annotate(rank=SearchRank(F("search_vector"), search)).order_by(
                "-rank", "title", "id"
            )
    elif query:
        products = products.filter(
            Q(title__icontains=query)
            | Q(handle__icontains=query)
            | Q(vendor__icontains=query)
            | Q(tags_text__icontains=query)
        )
    return products.order_by(*SORTS.get(filters.sort, SORTS["title"]))


_WORD = re.compile(r"\w+", re.UNICODE)


def prefix_search_query(text: str) -> SearchQuery | None:
    """A tsquery from what a person types: every word must match (the last one as a prefix,
    since they may still be typing); a word written with a leading minus must not."""
    terms = []
    tokens = text.split()
    for index, token in enumerate(tokens):
        negate = token.startswith("-") and len(token) > 1
        words = _WORD.findall(token.lower())
        for n, word in enumerate(words):
            last = index == len(tokens) - 1 and n == len(words) - 1
            term = f"{word}:*" if last and not negate else word
            terms.append(f"!{term}" if negate else term)
    if not [t for t in terms if not t.startswith("!")]:
        return None
    return SearchQuery(" & ".join(terms), config="simple", search_type="raw")


def product_page(
    *, workspace: Workspace, filters: ProductFilters, page: int | str = 1, per_page: int = 50
) -> Page:
    """One page of the list. The page's ids are found first (an index can answer that, deep
    pages included) and only those rows are read: an OFFSET over whole rows would read and
    throw away every row before the page."""
    ids = product_queryset(workspace=workspace, filters=filters).values_list("pk", flat=True)
    result = Paginator(ids, per_page).get_page(page)
    page_ids = list(result.object_list)
    rows = Product.objects.for_workspace(workspace).only(*LIST_COLUMNS).in_bulk(page_ids)
    result.object_list = [rows[pk] for pk in page_ids if pk in rows]
    return result


def product_ids_matching(*, workspace: Workspace, filters: ProductFilters) -> list[int]:
    return list(product_queryset(workspace=workspace, filters=filters).values_list("pk", flat=True))


FACETS_SECONDS = 300


def facets_cache_key(workspace_id: int) -> str:
    return f"catalog:facets:{workspace_id}"


def product_facets(*, workspace: Workspace) -> dict[str, list[str]]:
    """The values the filters offer: vendors and types present in this workspace. Cached (two
    DISTINCT scans per list page add up on a large catalog); an import clears it."""
    facets = cache.get_or_set(
        facets_cache_key(workspace.pk), lambda: _product_facets(workspace), FACETS_SECONDS
    )
    return cast(dict[str, list[str]], facets)


def _product_facets(workspace: Workspace) -> dict[str, list[str]]:
    products = Product.objects.for_workspace(workspace)
    return {
        "vendors": list(
            products.exclude(vendor="")
            .values_list("vendor", flat=True)
            .distinct()
            .order_by("vendor")[:200]
        ),
        "types": list(
            products.exclude(product_type="")
            .values_list("product_type", flat=True)
            .distinct()
            .order_by("product_type")[:200]
        ),
    }


def product_get(*, workspace: Workspace, product_id: int) -> Product:
    return get_object_or_404(
        Product.objects.for_workspace(workspace).prefetch_related(
            "variants", "images", "approved_copy", "copy_drafts"
        ),
        pk=product_id,
    )


def products_for_export(
    *, workspace: Workspace, product_ids: list[int] | None = None
) -> QuerySet[Product]:
    products = Product.objects.for_workspace(workspace).order_by("id")
    if product_ids is not None:
        products = products.filter(pk__in=product_ids)
    return products.prefetch_related("variants", "images", "approved_copy")


def shopify_export_headers(*, workspace: Workspace) -> list[list[str]]:
    """The header rows of the workspace's Shopify imports, oldest first."""
    return list(
        ImportBatch.objects.for_workspace(workspace)
        .filter(format="shopify")
        .order_by("created_at", "id")
        .values_list("headers", flat=True)
    )


def import_batch_get(*, workspace: Workspace, batch_id: int) -> ImportBatch:
    return get_object_or_404(
        ImportBatch.objects.for_workspace(workspace).select_related("job", "created_by"),
        pk=batch_id,
    )


def import_batch_list(*, workspace: Workspace, limit: int = 10) -> list[ImportBatch]:
    return list(
        ImportBatch.objects.for_workspace(workspace).select_related("job", "created_by")[:limit]
    )


def import_row_errors(*, workspace: Workspace, batch: ImportBatch) -> QuerySet[ImportRowError]:
    return ImportRowError.objects.for_workspace(workspace).filter(batch=batch)


def column_mapping_for(*, workspace: Workspace, headers: list[str]) -> dict[str, str]:
    remembered = ColumnMapping.objects.for_workspace(workspace).first()
    return guess_mapping(headers, remembered.mapping if remembered else None)


def stated_facts(*, product: Product) -> list[tuple[str, list[str]]]:
    """(label, values) of what the description states, for the product page."""
    stated = product.description_facts
    if not stated and not product.description_facts_edited:
        stated = extract_description_facts(product.body_html)
    facts = clean_facts(stated or {})
    return [(FACT_LABELS[key], facts[key]) for key in FACT_KEYS if facts[key]]


def workspace_copy(*, workspace: Workspace) -> list[tuple[str, str]]:
    """The catalog's live descriptions and approved copy, as (product title, HTML): what a
    brand profile learns from when it uses the workspace's copy (registered with the brand
    layer in ``CatalogConfig.ready()``)."""
    live = (
        Product.objects.for_workspace(workspace)
        .exclude(body_html="")
        .order_by("pk")
        .values_list("title", "body_html")
    )
    approved = (
        ApprovedCopy.objects.for_workspace(workspace)
        .order_by("pk")
        .values_list("product__title", "content")
    )
    return [*live, *approved]


PRODUCT_API_COLUMNS = [
    "id",
    "handle",
    "title",
    "body_html",
    "vendor",
    "product_type",
    "category",
    "tags",
    "seo_title",
    "seo_description",
    "status",
    "published",
    "option_names",
    "copy_status",
    "photo_status",
    "price_min",
    "price_max",
    "created_at",
    "updated_at",
]
VARIANT_API_COLUMNS = [
    "id",
    "product_id",
    "position",
    "option_values",
    "sku",
    "barcode",
    "price",
    "compare_at_price",
    "grams",
    "inventory_quantity",
]


def product_keyset_page(
    *,
    workspace: Workspace,
    filters: ProductFilters,
    after_id: int = 0,
    limit: int = 100,
    updated_since: datetime | None = None,
) -> list[dict]:
    """Up to ``limit`` products after ``after_id``, in id order, as dicts with their
    ``variants`` and ``images`` (the API's cursor pages: each page is an index range scan
    however deep, and rows added meanwhile never shift a page). Values, not model instances:
    three queries and no objects to build for a page of a hundred products."""
    products = product_queryset(workspace=workspace, filters=filters)
    if updated_since is not None:
        products = products.filter(updated_at__gte=updated_since)
    rows = list(
        products.filter(pk__gt=after_id).order_by("pk").values(*PRODUCT_API_COLUMNS)[:limit]
    )
    return _with_parts(workspace, rows)


def product_get_full(*, workspace: Workspace, product_id: int) -> dict:
    """One product as :func:`product_keyset_page` gives them, or 404 (another workspace's
    product is not found)."""
    rows = list(
        Product.objects.for_workspace(workspace).filter(pk=product_id).values(*PRODUCT_API_COLUMNS)
    )
    if not rows:
        raise Http404("No such product.")
    return _with_parts(workspace, rows)[0]


def _with_parts(workspace: Workspace, rows: list[dict]) -> list[dict]:
    ids = [row["id"] for row in rows]
    by_id = {row["id"]: {**row, "variants": [], "images": []} for row in rows}
    for variant in (
        ProductVariant.objects.for_workspace(workspace)
        .filter(product_id__in=ids)
        .order_by("product_id", "position", "pk")
        .values(*VARIANT_API_COLUMNS)
    ):
        by_id[variant["product_id"]]["variants"].append(variant)
    for image in (
        ProductImage.objects.for_workspace(workspace)
        .filter(product_id__in=ids)
        .order_by("product_id", "position", "pk")
        .only("product_id", "position", "src", "file", "alt_text")
    ):
        by_id[image.product_id]["images"].append(
            {"position": image.position, "url": image.url, "alt_text": image.alt_text}
        )
    return [by_id[pk] for pk in ids]


def approved_copy_changed(
    *,
    workspace: Workspace,
    since: datetime | None = None,
    copy_type: str = "",
    after_id: int = 0,
    limit: int = 100,
) -> list[ApprovedCopy]:
    """Approved copy approved (or approved again) at or after ``since``, of one type when
    given, in id order from ``after_id``."""
    rows = ApprovedCopy.objects.for_workspace(workspace).select_related("product")
    if since is not None:
        rows = rows.filter(approved_at__gte=since)
    if copy_type:
        rows = rows.filter(copy_type=copy_type)
    return list(rows.filter(pk__gt=after_id).order_by("pk")[:limit])


def export_product_ids(
    *, workspace: Workspace, filters: ProductFilters, approved_only: bool = False
) -> list[int]:
    """The products an export covers: the list's filters, and with ``approved_only`` only
    those that have some approved copy."""
    products = product_queryset(workspace=workspace, filters=filters)
    if approved_only:
        approved = ApprovedCopy.objects.for_workspace(workspace).values("product_id")
        products = products.filter(pk__in=approved)
    return list(products.values_list("pk", flat=True))


def catalog_has_products(workspace: Workspace) -> bool:
    """The first step "import a catalog" is done once the workspace has a product."""
    return Product.objects.for_workspace(workspace).exists()
