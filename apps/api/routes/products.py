"""Products: list (filters, cursor pages), get, upsert by handle, bulk upsert. Writes go
through the catalog's service (:func:`apps.catalog.services.products_upsert_by_handle`)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from apps.api.routes.common import PAGE_LIMIT_MAX, actor_of, cursor_after, next_cursor
from apps.api.schemas import (
    BulkUpsertIn,
    BulkUpsertOut,
    ProductFieldsIn,
    ProductOut,
    ProductPage,
    ProductUpsertIn,
    RefusedProduct,
    UpsertedProduct,
)
from apps.catalog import selectors
from apps.catalog.importing import ParsedImage, ParsedProduct, ParsedVariant
from apps.catalog.services import products_upsert_by_handle
from apps.core.errors import ServiceError
from apps.workspaces.roles import Action

router = Router(tags=["products"])

OPTION_VALUE_FIELDS = ("option1_value", "option2_value", "option3_value")
VARIANT_VALUE_FIELDS = (
    "sku",
    "barcode",
    "price",
    "compare_at_price",
    "grams",
    "inventory_quantity",
)


class ProductQuery(Schema):
    q: str = Field("", description="Words in the title, vendor, type, tags or description")
    vendor: str = ""
    product_type: str = ""
    tag: str = ""
    copy_status: str = ""
    photo_status: str = ""
    updated_since: datetime | None = None
    cursor: str = ""
    limit: int = Field(100, ge=1, le=PAGE_LIMIT_MAX)


def product_out(row: dict) -> ProductOut:
    """A product from :func:`apps.catalog.selectors.product_keyset_page`'s dicts."""
    return ProductOut.model_validate(row)


def _parsed(item: ProductUpsertIn) -> tuple[ParsedProduct, set[str]]:
    """The catalog's parsed product, and the fields this item speaks for."""
    given = item.model_fields_set
    fields = {name for name in ProductFieldsIn.model_fields if name in given}
    fields -= {"variants", "images"}
    variants = []
    if item.variants is not None:
        fields |= set(VARIANT_VALUE_FIELDS)
        if any(v.option_values for v in item.variants):
            fields |= set(OPTION_VALUE_FIELDS[: max(len(v.option_values) for v in item.variants)])
        variants = [
            ParsedVariant(
                position=n,
                option_values=list(v.option_values),
                sku=v.sku,
                barcode=v.barcode,
                price=v.price,
                compare_at_price=v.compare_at_price,
                grams=v.grams,
                inventory_quantity=v.inventory_quantity,
            )
            for n, v in enumerate(item.variants, start=1)
        ]
    images = []
    if item.images is not None:
        fields.add("image_src")
        images = [
            ParsedImage(position=n, src=i.src, alt_text=i.alt_text)
            for n, i in enumerate(item.images, start=1)
        ]
    parsed = ParsedProduct(
        handle=item.handle,
        first_row=0,
        title=item.title.strip(),
        body_html=item.body_html,
        vendor=item.vendor,
        product_type=item.product_type,
        category=item.category,
        tags=[t.strip() for t in item.tags if t.strip()],
        option_names=list(item.option_names),
        seo_title=item.seo_title,
        seo_description=item.seo_description,
        status=item.status,
        published=item.published,
        variants=variants,
        images=images,
    )
    return parsed, fields


def _upsert(request: HttpRequest, items: list[ProductUpsertIn]):
    products = []
    for item in items:
        product, fields = _parsed(item)
        products.append((product, frozenset(fields)))
    return products_upsert_by_handle(actor=actor_of(request), products=products)


@router.get("/products", response=ProductPage, summary="List products")
def product_list(request: HttpRequest, query: Query[ProductQuery]) -> ProductPage:
    """Products in id order, a page at a time: follow ``next_cursor`` until it is null."""
    actor = actor_of(request)
    actor.require(Action.VIEW_CATALOG)
    filters = selectors.ProductFilters(
        q=query.q,
        vendor=query.vendor,
        product_type=query.product_type,
        tag=query.tag,
        copy_status=query.copy_status,
        photo_status=query.photo_status,
    )
    rows = selectors.product_keyset_page(
        workspace=actor.workspace,
        filters=filters,
        after_id=cursor_after(query.cursor),
        limit=query.limit,
        updated_since=query.updated_since,
    )
    return ProductPage(
        items=[product_out(p) for p in rows], next_cursor=next_cursor(rows, query.limit)
    )


@router.get("/products/{int:product_id}", response=ProductOut, summary="Get a product")
def product_get(request: HttpRequest, product_id: int) -> ProductOut:
    actor = actor_of(request)
    actor.require(Action.VIEW_CATALOG)
    return product_out(selectors.product_get_full(workspace=actor.workspace, product_id=product_id))


@router.put(
    "/products/by-handle/{handle}", response=ProductOut, summary="Create or update a product"
)
def product_upsert(request: HttpRequest, handle: str, payload: ProductFieldsIn) -> ProductOut:
    """Creates the product with this handle, or updates it: fields left out are left as they
    are (a new product needs a title)."""
    item = ProductUpsertIn(handle=handle, **payload.model_dump(exclude_unset=True))
    result = _upsert(request, [item])
    if item.handle in result.refused:
        raise ServiceError(result.refused[item.handle], field="body.title")
    actor = actor_of(request)
    return product_out(
        selectors.product_get_full(workspace=actor.workspace, product_id=result.saved[item.handle])
    )


@router.post("/products/bulk", response=BulkUpsertOut, summary="Create or update many products")
def product_bulk_upsert(request: HttpRequest, payload: BulkUpsertIn) -> BulkUpsertOut:
    """Up to 1,000 products by handle in one transaction, with the upsert rules of
    ``PUT /products/by-handle/{handle}``. Products that cannot be saved (a new product
    without a title) are listed in ``refused``; the others are saved."""
    seen: dict[str, int] = {}
    for index, item in enumerate(payload.products):
        if item.handle in seen:
            raise ServiceError(
                f"Handle “{item.handle}” is given twice (products {seen[item.handle]} and "
                f"{index}).",
                field=f"body.products.{index}.handle",
            )
        seen[item.handle] = index
    result = _upsert(request, payload.products)
    return BulkUpsertOut(
        saved=[UpsertedProduct(handle=h, id=pk) for h, pk in result.saved.items()],
        refused=[RefusedProduct(handle=h, detail=why) for h, why in result.refused.items()],
    )
