"""Photos: upload, a batch with a recipe, outputs, review decisions, approved downloads.
Everything through the photo studio's services and selectors."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from django.core.files.uploadedfile import UploadedFile as DjangoUploadedFile
from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, Field

from apps.api.routes.common import PAGE_LIMIT_MAX, actor_of, cursor_after, next_cursor
from apps.api.routes.platform import job_out
from apps.api.schemas import JobOut, Out
from apps.photos import exporting
from apps.photos import selectors as photo_selectors
from apps.photos.models import Photo, PhotoOutput
from apps.photos.recipes import BUILTIN_PREFIX
from apps.photos.services import processing, review, uploads
from apps.reviews.lifecycle import ReviewState
from apps.workspaces.roles import Action

router = Router(tags=["photos"])
AUTHOR_DECISIONS = {"submit", "withdraw"}


class PhotoOut(Out):
    id: int
    name: str
    product_id: int | None
    status: str = Field(description="checking, ready or failed")
    width: int
    height: int
    notes: list[Any]
    job_id: int | None
    created_at: datetime


class UploadOut(Out):
    photos: list[PhotoOut]
    errors: list[str] = Field(description="Files refused at once, each named")
    job_id: int | None = Field(description="The job checking the accepted files")


class BatchIn(BaseModel):
    photo_ids: list[int] = Field(min_length=1)
    recipe: str | int = Field(
        description="A built-in recipe's code (amazon-main, shopify-square, google-merchant, "
        "instagram-square, instagram-portrait) or a saved recipe's id"
    )
    brand_id: int | None = Field(None, description="Whose light; null: the default brand's")


class OutputOut(Out):
    id: int
    photo_id: int
    product_id: int | None
    product_handle: str | None
    recipe_name: str
    preset: str
    review_state: str
    width: int
    height: int
    job_id: int | None
    notes: list[Any]
    created_at: datetime
    download_url: str | None = Field(
        description="Approved outputs: a signed address of the image that needs no key"
    )


class OutputPage(Out):
    items: list[OutputOut]
    next_cursor: str | None


class OutputQuery(Schema):
    review_state: str = ""
    run_id: int | None = Field(None, description="Outputs of one batch (its job id)")
    product_id: int | None = None
    preset: str = ""
    cursor: str = ""
    limit: int = Field(100, ge=1, le=PAGE_LIMIT_MAX)


class PhotoReviewIn(BaseModel):
    decision: Literal["submit", "withdraw", "approve", "request_changes", "reject"]
    comment: str = Field("", max_length=5000)


def photo_out(photo: Photo) -> PhotoOut:
    return PhotoOut(
        id=photo.pk,
        name=photo.original_name,
        product_id=photo.product_id,
        status=photo.status,
        width=photo.width,
        height=photo.height,
        notes=photo.notes or [],
        job_id=photo.job_id,
        created_at=photo.created_at,
    )


def output_out(request: HttpRequest, output: PhotoOutput) -> OutputOut:
    approved = output.review_state in (ReviewState.APPROVED, ReviewState.PUBLISHED)
    download = None
    if approved:
        path = reverse("photo_public_image", kwargs={"token": exporting.public_token(output)})
        download = request.build_absolute_uri(path)
    return OutputOut(
        id=output.pk,
        photo_id=output.photo_id,
        product_id=output.product_id,
        product_handle=output.product.handle if output.product is not None else None,
        recipe_name=output.recipe_name,
        preset=output.preset,
        review_state=output.review_state,
        width=output.width,
        height=output.height,
        job_id=output.job_id,
        notes=output.notes or [],
        created_at=output.created_at,
        download_url=download,
    )


@router.post("/photos", response={202: UploadOut}, summary="Upload photos")
def photo_upload(
    request: HttpRequest,
    files: File[list[UploadedFile]],
    product_id: Form[int | None] = None,
) -> Status:
    """``multipart/form-data`` with one or more ``files`` (and a ``product_id`` to attach them
    to). Accepted files are checked by a job (``job_id``); a file refused at once is named in
    ``errors`` and the others go on."""
    # Ninja's UploadedFile is Django's, with a pydantic schema.
    files_in = cast(list[DjangoUploadedFile], files)
    outcome = uploads.photo_upload(actor=actor_of(request), uploads=files_in, product_id=product_id)
    return Status(
        202,
        UploadOut(
            photos=[photo_out(p) for p in outcome.photos],
            errors=outcome.errors,
            job_id=outcome.job.pk if outcome.job else None,
        ),
    )


@router.get("/photos/{int:photo_id}", response=PhotoOut, summary="A photo")
def photo_get(request: HttpRequest, photo_id: int) -> PhotoOut:
    actor = actor_of(request)
    actor.require(Action.VIEW_CATALOG)
    return photo_out(photo_selectors.photo_get(workspace=actor.workspace, photo_id=photo_id))


@router.post("/photos/batches", response={202: JobOut}, summary="Process photos with a recipe")
def photo_batch_start(request: HttpRequest, payload: BatchIn) -> Status:
    """Apply a recipe to the photos as one job (one output each), as the photo studio does.
    Holds the batch's credits when it is queued: 402 when they do not cover it."""
    recipe = payload.recipe
    if isinstance(recipe, str) and not recipe.isdigit() and not recipe.startswith(BUILTIN_PREFIX):
        recipe = BUILTIN_PREFIX + recipe
    job = processing.photo_batch_start(
        actor=actor_of(request),
        photo_ids=payload.photo_ids,
        recipe_key=recipe,
        brand_id=payload.brand_id,
    )
    return Status(202, job_out(job))


@router.get("/photos/outputs", response=OutputPage, summary="List outputs")
def photo_output_list(request: HttpRequest, query: Query[OutputQuery]) -> OutputPage:
    actor = actor_of(request)
    actor.require(Action.VIEW_CATALOG)
    rows = photo_selectors.photo_output_keyset_page(
        workspace=actor.workspace,
        review_state=query.review_state,
        job_id=query.run_id,
        product_id=query.product_id,
        preset=query.preset,
        after_id=cursor_after(query.cursor),
        limit=query.limit,
    )
    return OutputPage(
        items=[output_out(request, o) for o in rows], next_cursor=next_cursor(rows, query.limit)
    )


@router.get("/photos/approved", response=OutputPage, summary="Approved photos to download")
def photo_approved_list(request: HttpRequest, query: Query[OutputQuery]) -> OutputPage:
    """Approved outputs, each with a signed ``download_url`` (no key needed to fetch it, as in
    the Shopify export); by ``product_id`` and ``preset``."""
    actor = actor_of(request)
    actor.require(Action.VIEW_CATALOG)
    rows = photo_selectors.photo_output_keyset_page(
        workspace=actor.workspace,
        approved_only=True,
        job_id=query.run_id,
        product_id=query.product_id,
        preset=query.preset,
        after_id=cursor_after(query.cursor),
        limit=query.limit,
    )
    return OutputPage(
        items=[output_out(request, o) for o in rows], next_cursor=next_cursor(rows, query.limit)
    )


@router.get("/photos/outputs/{int:photo_output_id}", response=OutputOut, summary="An output")
def photo_output_get(request: HttpRequest, photo_output_id: int) -> OutputOut:
    actor = actor_of(request)
    actor.require(Action.VIEW_CATALOG)
    output = photo_selectors.photo_output_get(workspace=actor.workspace, output_id=photo_output_id)
    return output_out(request, output)


@router.post(
    "/photos/outputs/{int:photo_output_id}/review", response=OutputOut, summary="Review an output"
)
def photo_output_review(
    request: HttpRequest, photo_output_id: int, payload: PhotoReviewIn
) -> OutputOut:
    """The review lifecycle, as in the review queue: submit and withdraw need a role that edits
    photos; approve, request changes (with a comment) and reject a reviewer's role."""
    actor = actor_of(request)
    actor.require(Action.EDIT_PHOTOS if payload.decision in AUTHOR_DECISIONS else Action.REVIEW)
    review.photo_review_decide(
        actor=actor,
        output_id=photo_output_id,
        decision=payload.decision,
        comment=payload.comment,
    )
    output = photo_selectors.photo_output_get(workspace=actor.workspace, output_id=photo_output_id)
    return output_out(request, output)
