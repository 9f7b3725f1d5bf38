"""Typed shapes of what the API takes and gives (pydantic, through Django Ninja). The OpenAPI
document in docs/api/openapi.json is generated from these."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel, Field, field_validator


class Out(BaseModel):
    """What the API answers with: plain pydantic models, built once by the route (ninja's
    ``Schema`` reads Django objects through a getter on every field, several times slower on a
    page of products)."""


HANDLE_RE = re.compile(r"^[a-z0-9][a-z0-9\-_.]*$")


class Problem(Out):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = None


class FieldError(Out):
    field: str = Field(description="Where: location and path, e.g. body.products.3.title")
    message: str


Problem.model_rebuild()


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor continues after; ValueError for a cursor we did not write."""
    if not cursor:
        return 0
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError("not a cursor") from error
    kind, _, value = text.partition(":")
    if kind != "id" or not value.isdigit():
        raise ValueError("not a cursor")
    return int(value)


# --- products -----------------------------------------------------------------------------


class VariantIn(Schema):
    option_values: list[str] = Field(default_factory=list, max_length=3)
    sku: str = Field("", max_length=255)
    barcode: str = Field("", max_length=255)
    price: Decimal | None = Field(None, ge=0, lt=Decimal("1e10"), decimal_places=2)
    compare_at_price: Decimal | None = Field(None, ge=0, lt=Decimal("1e10"), decimal_places=2)
    grams: int | None = Field(None, ge=0)
    inventory_quantity: int | None = None


class ImageIn(Schema):
    src: str = Field(max_length=2000, pattern=r"^https?://")
    alt_text: str = Field("", max_length=500)


class ProductFieldsIn(Schema):
    """A product's fields. A field left out is left as it is on a product already in the
    catalog (as a CSV without that column); ``variants`` and ``images``, when given, replace
    the product's."""

    title: str = Field("", max_length=500)
    body_html: str = ""
    vendor: str = Field("", max_length=255)
    product_type: str = Field("", max_length=255)
    category: str = Field("", max_length=500)
    tags: list[str] = Field(default_factory=list)
    seo_title: str = Field("", max_length=500)
    seo_description: str = ""
    status: Literal["active", "draft", "archived"] = "active"
    published: bool = True
    option_names: list[str] = Field(default_factory=list, max_length=3)
    variants: list[VariantIn] | None = Field(None, max_length=100)
    images: list[ImageIn] | None = Field(None, max_length=250)


class ProductUpsertIn(ProductFieldsIn):
    handle: str = Field(min_length=1, max_length=255)

    @field_validator("handle")
    @classmethod
    def _handle(cls, value: str) -> str:
        value = value.strip().lower()
        if not HANDLE_RE.match(value):
            raise ValueError(
                "a handle is lower-case letters, digits, hyphens, underscores and dots"
            )
        return value


class BulkUpsertIn(Schema):
    products: list[ProductUpsertIn] = Field(min_length=1, max_length=1000)


class VariantOut(Out):
    id: int
    position: int
    option_values: list[str]
    sku: str
    barcode: str
    price: Decimal | None
    compare_at_price: Decimal | None
    grams: int | None
    inventory_quantity: int | None


class ImageOut(Out):
    position: int
    url: str
    alt_text: str


class ProductOut(Out):
    id: int
    handle: str
    title: str
    body_html: str
    vendor: str
    product_type: str
    category: str
    tags: list[str]
    seo_title: str
    seo_description: str
    status: str
    published: bool
    option_names: list[str]
    copy_status: str
    photo_status: str
    price_min: Decimal | None
    price_max: Decimal | None
    created_at: datetime
    updated_at: datetime
    variants: list[VariantOut]
    images: list[ImageOut]


class ProductPage(Out):
    items: list[ProductOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end"
    )


class UpsertedProduct(Out):
    handle: str
    id: int


class RefusedProduct(Out):
    handle: str
    detail: str


class BulkUpsertOut(Out):
    saved: list[UpsertedProduct]
    refused: list[RefusedProduct]


# --- approved copy ------------------------------------------------------------------------


class ApprovedCopyOut(Out):
    id: int
    product_id: int
    product_handle: str
    channel: str = Field(description="The kind of copy (channel), e.g. product_description")
    content: str
    approved_at: datetime


class ApprovedCopyPage(Out):
    items: list[ApprovedCopyOut]
    next_cursor: str | None


# --- jobs ---------------------------------------------------------------------------------


class JobOut(Out):
    id: int
    kind: str
    label: str
    status: str
    total: int
    done: int
    failed: int
    skipped: int
    percent: int
    seconds_left: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


# --- usage and credits --------------------------------------------------------------------


class UsageDay(Out):
    date: str
    credits: dict[str, int] = Field(description="Credits used that day by kind of work")


class UsageOut(Out):
    plan: str
    plan_name: str
    status: str
    unlimited: bool
    credits_left: int | None = Field(description="null on an unlimited plan")
    credits_used_this_period: int
    period_start: datetime | None
    period_end: datetime | None
    days: list[UsageDay]


# --- brand --------------------------------------------------------------------------------


class BrandProfileOut(Out):
    id: int
    name: str
    description: str
    is_default: bool
    ready: bool = Field(description="Has a trained version that can score text")
    active_version: int | None


class ScoreIn(Schema):
    text: str = Field(min_length=1, max_length=20000)


class ScoreOut(Out):
    score: float = Field(description="0–100; 50 is as likely this brand as not")
    rules_broken: list[str]
    brand_terms: list[str]
    pulled_down_by: list[str]
    copied: bool = Field(description="Repeats 10+ consecutive words of the brand's material")
    version_id: int | None
    stats: dict[str, Any]


# --- keys ---------------------------------------------------------------------------------


class WhoAmI(Out):
    workspace: str
    key: str
    role: str
