"""Reads for the photo studio: lists, single objects (404 outside the workspace), files,
previews, the review queue, approved photos for the ZIP and for the Shopify export."""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

import numpy as np
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.accounts.models import User
from apps.brand.lighting_services import LEARN_JOB_KIND
from apps.brand.models import LightingProfile
from apps.catalog.models import Product, ProductImage
from apps.core.errors import ServiceError
from apps.imaging import files, onnx_segmenter
from apps.jobs.models import ACTIVE_JOB_STATUSES, Job
from apps.photos import pipeline, recipes
from apps.photos.job_kinds import INGEST_JOB_KIND, PROCESS_JOB_KIND
from apps.photos.models import Photo, PhotoOutput, PhotoRecipe, PhotoStatus
from apps.reviews.lifecycle import ReviewDecision, ReviewState
from apps.reviews.selectors import review_histories, review_state_counts
from apps.workspaces.models import Workspace

APPROVED_STATES = (ReviewState.APPROVED, ReviewState.PUBLISHED)
PREVIEW_LONG_SIDE = 900


def photo_page(
    *, workspace: Workspace, page: int | str = 1, product_id: int | None = None, per_page: int = 24
) -> Page:
    photos = Photo.objects.for_workspace(workspace).select_related("product")
    if product_id:
        photos = photos.filter(product_id=product_id)
    return Paginator(photos, per_page).get_page(page)


def photo_jobs_active(*, workspace: Workspace) -> list[Job]:
    """The studio's jobs still running (uploads being checked, profiles learned, batches)."""
    return list(
        Job.objects.for_workspace(workspace)
        .filter(
            kind__in=[INGEST_JOB_KIND, LEARN_JOB_KIND, PROCESS_JOB_KIND],
            status__in=ACTIVE_JOB_STATUSES,
        )
        .order_by("-created_at")[:5]
    )


def photo_get(*, workspace: Workspace, photo_id: int) -> Photo:
    return get_object_or_404(
        Photo.objects.for_workspace(workspace).select_related("product"), pk=photo_id
    )


def photos_by_ids(*, workspace: Workspace, photo_ids: list[int]) -> list[Photo]:
    return list(Photo.objects.for_workspace(workspace).filter(pk__in=photo_ids).order_by("pk"))


def photo_output_get(*, workspace: Workspace, output_id: int) -> PhotoOutput:
    return get_object_or_404(
        PhotoOutput.objects.for_workspace(workspace).select_related(
            "photo", "product", "profile", "created_by"
        ),
        pk=output_id,
    )


def photo_output_page(
    *,
    workspace: Workspace,
    state: str = "",
    job_id: int | None = None,
    page: int | str = 1,
    per_page: int = 24,
) -> Page:
    outputs = PhotoOutput.objects.for_workspace(workspace).select_related("photo", "product")
    if state:
        outputs = outputs.filter(review_state=state)
    if job_id:
        outputs = outputs.filter(job_id=job_id)
    return Paginator(outputs, per_page).get_page(page)


def photo_outputs_of_photo(*, workspace: Workspace, photo: Photo) -> list[PhotoOutput]:
    return list(PhotoOutput.objects.for_workspace(workspace).filter(photo=photo))


def photo_outputs_for_job(*, workspace: Workspace, job_id: int) -> list[PhotoOutput]:
    return list(
        PhotoOutput.objects.for_workspace(workspace)
        .filter(job_id=job_id)
        .select_related("photo", "product")
        .order_by("pk")
    )


def review_queue(*, workspace: Workspace) -> list[PhotoOutput]:
    return list(
        PhotoOutput.objects.for_workspace(workspace)
        .filter(review_state=ReviewState.IN_REVIEW)
        .select_related("photo", "product", "created_by")
        .order_by("submitted_at", "pk")
    )


def recipe_list(*, workspace: Workspace) -> list[PhotoRecipe]:
    return list(PhotoRecipe.objects.for_workspace(workspace))


def recipe_get(*, workspace: Workspace, recipe_id: int) -> PhotoRecipe:
    return get_object_or_404(PhotoRecipe.objects.for_workspace(workspace), pk=recipe_id)


def approved_output_by_link(*, workspace_id: int, output_id: int) -> PhotoOutput | None:
    """The approved output a signed public link names (the token carries the workspace)."""
    return (
        PhotoOutput.objects.for_workspace(workspace_id)
        .filter(pk=output_id, review_state__in=APPROVED_STATES)
        .first()
    )


# --- Catalog images to pick from ----------------------------------------------------------------


@dataclass(frozen=True)
class PickableImage:
    image: ProductImage
    product: Product
    stored: bool  # a file we hold (pickable); False: only a remote URL


def catalog_images(
    *, workspace: Workspace, query: str = "", limit: int = 60
) -> list[PickableImage]:
    images = (
        ProductImage.objects.for_workspace(workspace)
        .select_related("product")
        .order_by("product__title", "product_id", "position", "pk")
    )
    if query:
        images = images.filter(product__title__icontains=query)
    return [
        PickableImage(image=image, product=image.product, stored=bool(image.file))
        for image in images[:limit]
    ]


def product_choices(*, workspace: Workspace, limit: int = 500) -> list[tuple[int, str]]:
    return list(
        Product.objects.for_workspace(workspace)
        .order_by("title", "pk")
        .values_list("pk", "title")[:limit]
    )


# --- Previews -----------------------------------------------------------------------------------


def photo_preview(
    *,
    photo: Photo,
    steps: list[dict],
    context: pipeline.Context,
) -> tuple[bytes, pipeline.Layers]:
    """The recipe applied to a small copy of the photo (free: nothing is stored or charged).

    The preset's frame is scaled down with it; the offline cut-out is always used, so a
    preview never calls a paid model.
    """
    pixels = files.decode(files.read_stored(photo.file), max_long_side=PREVIEW_LONG_SIDE)
    pixels = _shrink(pixels, PREVIEW_LONG_SIDE)
    steps = [
        {**step, "params": {**step["params"], "scale": 0.4}} if step["op"] == "fit_preset" else step
        for step in steps
    ]
    image, layers = pipeline.render(pixels, steps, context)
    fmt = "PNG" if image.shape[2] == 4 else "JPEG"
    return files.encode(image, fmt=fmt, quality=85), layers


def _shrink(pixels: np.ndarray, long_side: int) -> np.ndarray:
    import cv2

    height, width = pixels.shape[:2]
    if max(height, width) <= long_side:
        return pixels
    scale = long_side / max(height, width)
    return cv2.resize(
        pixels, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
    )


# --- Approved photos: the ZIP and the Shopify export ------------------------------------------


def approved_outputs(
    *, workspace: Workspace, preset: str = "", product_ids: list[int] | None = None
) -> QuerySet[PhotoOutput]:
    outputs = (
        PhotoOutput.objects.for_workspace(workspace)
        .filter(review_state__in=APPROVED_STATES)
        .select_related("photo", "product")
        .order_by("product_id", "preset", "photo_id", "pk")
    )
    if preset:
        outputs = outputs.filter(preset=preset)
    if product_ids is not None:
        outputs = outputs.filter(product_id__in=product_ids)
    return outputs


_UNSAFE = re.compile(r"[^a-z0-9]+")


def file_stem(output: PhotoOutput) -> str:
    """The product's handle, or (no product) the original file name, made safe for a path."""
    if output.product_id and output.product:
        base = output.product.handle
    else:
        base = output.photo.original_name.rsplit(".", 1)[0]
    return _UNSAFE.sub("-", base.lower()).strip("-") or f"photo-{output.photo_id}"


def approved_download_names(outputs: Iterable[PhotoOutput]) -> list[tuple[PhotoOutput, str]]:
    """``<handle>-<preset>-<n>.jpg``: n counts from 1 per handle and preset."""
    counters: dict[tuple[str, str], int] = {}
    named = []
    for output in outputs:
        stem = file_stem(output)
        preset = output.preset or "custom"
        counters[(stem, preset)] = counters.get((stem, preset), 0) + 1
        extension = "png" if (output.file.name or "").lower().endswith(".png") else "jpg"
        named.append((output, f"{stem}-{preset}-{counters[(stem, preset)]}.{extension}"))
    return named


def approved_zip(*, workspace: Workspace, preset: str = "") -> tuple[IO[bytes], int]:
    """The approved outputs as a ZIP under their download names, and how many there are.

    Written to a spooled temporary file (memory up to 32 MB, then disk); JPEGs are stored,
    not recompressed.
    """
    named = approved_download_names(approved_outputs(workspace=workspace, preset=preset))
    # Handed to the response, which closes it once sent: no context manager here.
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
        for output, name in named:
            archive.writestr(name, files.read_stored(output.file))
    spool.seek(0)
    return spool, len(named)


# --- Recipes to run ----------------------------------------------------------------------------


def recipe_context(
    *,
    workspace: Workspace,
    steps: list[dict],
    profile: LightingProfile | None,
    segmenter: pipeline.Segmenter | None = None,
    segmenter_label: str = "offline cut-out",
) -> pipeline.Context:
    """What a recipe needs besides the photo: the profile and the brand background image."""
    recipes.require_light(steps, profile)
    background_image = None
    for step in steps:
        if step["op"] == "background" and step["params"].get("kind") == "image":
            photo = (
                Photo.objects.for_workspace(workspace)
                .filter(pk=step["params"].get("photo_id"))
                .first()
            )
            if photo is None:
                raise ServiceError("The recipe's brand background image was deleted.")
            background_image = files.decode(files.read_stored(photo.file), max_long_side=4096)[
                ..., :3
            ]
    if segmenter is None and (model := onnx_segmenter.configured()) is not None:
        # The operator's model, when one is configured: previews and batches alike.
        segmenter, segmenter_label = model, model.label
    return pipeline.Context(
        profile=profile.stats if profile else None,
        background_image=background_image,
        segmenter=segmenter,
        segmenter_label=segmenter_label,
    )


@dataclass(frozen=True)
class ChosenRecipe:
    recipe: PhotoRecipe | None  # None: a built-in recipe
    name: str
    steps: list[dict]
    preset: str


def recipe_resolve(*, workspace: Workspace, key: str | int | None) -> ChosenRecipe:
    """A recipe by its key: ``builtin:<code>`` or a saved recipe's id in this workspace."""
    builtin = recipes.builtin_for_key(str(key or ""))
    if builtin is not None:
        return ChosenRecipe(None, builtin.name, [dict(s) for s in builtin.steps], builtin.preset)
    recipe = None
    text = str(key or "")
    if text.isdigit():
        recipe = PhotoRecipe.objects.for_workspace(workspace).filter(pk=int(text)).first()
    if recipe is None:
        raise ServiceError("Choose a recipe.", field="recipe")
    return ChosenRecipe(recipe, recipe.name, list(recipe.steps), recipe.preset)


def photo_output_keyset_page(
    *,
    workspace: Workspace,
    review_state: str = "",
    approved_only: bool = False,
    job_id: int | None = None,
    product_id: int | None = None,
    preset: str = "",
    after_id: int = 0,
    limit: int = 100,
) -> list[PhotoOutput]:
    """Outputs in id order after ``after_id`` (the API's cursor pages)."""
    outputs = PhotoOutput.objects.for_workspace(workspace)
    if approved_only:
        outputs = outputs.filter(review_state__in=APPROVED_STATES)
    elif review_state:
        outputs = outputs.filter(review_state=review_state)
    if job_id is not None:
        outputs = outputs.filter(job_id=job_id)
    if product_id is not None:
        outputs = outputs.filter(product_id=product_id)
    if preset:
        outputs = outputs.filter(preset=preset)
    return list(outputs.filter(pk__gt=after_id).order_by("pk").select_related("product")[:limit])


def ready_photo_count(*, workspace: Workspace, photo_ids: list[int]) -> int:
    """How many of these photos a batch would process (one image operation each): those of
    this workspace that passed their checks."""
    return (
        Photo.objects.for_workspace(workspace)
        .filter(pk__in=set(photo_ids), status=PhotoStatus.READY)
        .count()
    )


# --- the role dashboards --------------------------------------------------------------------


def output_counts_of(*, workspace: Workspace, user: User) -> dict[str, int]:
    """How many of this member's processed photos are in each review state (every state)."""
    return review_state_counts(PhotoOutput.objects.for_workspace(workspace).filter(created_by=user))


def outputs_returned_to(*, workspace: Workspace, user: User) -> list[tuple[PhotoOutput, str]]:
    """This member's photos a reviewer sent back, latest first, each with the latest comment."""
    outputs = list(
        PhotoOutput.objects.for_workspace(workspace)
        .filter(created_by=user, review_state=ReviewState.CHANGES_REQUESTED)
        .select_related("photo", "product")
        .order_by("-decided_at", "-pk")[:20]
    )
    histories = review_histories(
        workspace=workspace, model=PhotoOutput, ids=[o.pk for o in outputs]
    )
    result = []
    for output in outputs:
        comments = [
            e.comment
            for e in histories.get(output.pk, [])
            if e.decision == ReviewDecision.REQUEST_CHANGES and e.comment
        ]
        result.append((output, comments[-1] if comments else ""))
    return result


@dataclass(frozen=True)
class BatchRow:
    job: Job
    outputs: int
    approved: int


def batches_of(*, workspace: Workspace, user: User, limit: int = 5) -> list[BatchRow]:
    """This member's latest recipe batches with how many photos each made and got approved."""
    jobs = list(
        Job.objects.for_workspace(workspace)
        .filter(kind=PROCESS_JOB_KIND, created_by=user)
        .order_by("-created_at", "-pk")[:limit]
    )
    counts: dict[int, tuple[int, int]] = {
        row["job_id"]: (row["n"], row["approved"])
        for row in PhotoOutput.objects.for_workspace(workspace)
        .filter(job__in=jobs)
        .values("job_id")
        .annotate(n=Count("pk"), approved=Count("pk", filter=Q(review_state__in=APPROVED_STATES)))
        .order_by()
    }
    return [BatchRow(job, *counts.get(job.pk, (0, 0))) for job in jobs]


def review_queue_queryset(*, workspace: Workspace) -> QuerySet[PhotoOutput]:
    """Photos waiting for review, oldest first."""
    return (
        PhotoOutput.objects.for_workspace(workspace)
        .filter(review_state=ReviewState.IN_REVIEW)
        .order_by("submitted_at", "pk")
    )
