"""Uploads: files people upload and catalog images they bring in, checked in two steps.

Nobody waits on image work: while the person waits, each file gets the quick checks its header
allows (type by content, size, pixel count / decompression bomb) and the accepted ones are
stored as they came, marked "processing"; then a job (one item per photo) decodes, turns
upright, converts to sRGB, strips metadata and checks it against the presets. Uploads are *per
file*, not all-or-nothing: a file refused at either step is named (at once, or by its job item)
and the others go on, so one damaged photo never loses the rest of a batch.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.catalog.models import Product, ProductImage
from apps.core.errors import ServiceError
from apps.imaging import files, segmentation
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import SkipItem
from apps.jobs.services import job_create
from apps.photos import checker
from apps.photos.job_kinds import INGEST_JOB_KIND
from apps.photos.models import Photo, PhotoStatus
from apps.workspaces.actors import Actor
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

logger = logging.getLogger(__name__)

CHECK_LONG_SIDE = 2048  # uploads are checked against the presets on a copy this size


# What is stored for one accepted file: its name, content, what the quick checks found, and the
# product (and catalog image) it belongs to.
Accepted = tuple[str, bytes | File, files.Inspected, Product | None, ProductImage | None]


@dataclass
class UploadOutcome:
    photos: list[Photo] = field(default_factory=list)  # accepted, being checked by ``job``
    errors: list[str] = field(default_factory=list)  # refused at once, by name
    job: Job | None = None


def _checks(normalised: files.NormalisedImage) -> dict:
    pixels = files.decode(normalised.content, max_long_side=CHECK_LONG_SIDE)
    if pixels.shape[2] == 4:
        subject = checker.subject_box(pixels[..., 3].astype(np.float32) / 255.0)
    else:
        subject = checker.subject_box(
            segmentation.subject_mask(segmentation.proxy(pixels[..., :3]))
        )
    return checker.check_all(
        pixels[..., :3], real_size=(normalised.width, normalised.height), subject=subject
    )


def _product_for(workspace: Workspace, product_id: int | None) -> Product | None:
    if not product_id:
        return None
    product = Product.objects.for_workspace(workspace).filter(pk=product_id).first()
    if product is None:
        raise ServiceError("That product is not in this workspace.", field="product")
    return product


def _read_checked(upload: UploadedFile) -> tuple[File, files.Inspected]:
    """An uploaded file after the quick checks, which read its header only: the file stays on
    disk and is stored from there in pieces (many large photos are never held in memory)."""
    name = getattr(upload, "name", "") or "photo"
    return File(upload), files.inspect_file(upload, name=name, size=upload.size or 0)


def _photos_accept(
    *,
    actor: Actor,
    accepted: list[Accepted],
) -> tuple[list[Photo], Job]:
    workspace = actor.workspace
    photos = [
        Photo.objects.create(
            workspace=workspace,
            product=product,
            source_image=source_image,
            original_name=name[:255],
            # Kept only until its job item has normalised it (then replaced and deleted).
            file=_stored(content),
            width=inspected.width,
            height=inspected.height,
            source_format=inspected.source_format,
            status=PhotoStatus.PROCESSING,
            created_by=actor.user,
        )
        for name, content, inspected, product, source_image in accepted
    ]
    job = job_create(
        workspace=workspace,
        created_by=actor.user,
        kind=INGEST_JOB_KIND,
        items=[(f"photo-{photo.pk}", {"photo_id": photo.pk}) for photo in photos],
        label=f"Check {len(photos)} uploaded photo{'s' if len(photos) != 1 else ''}",
        chunk_size=1,
    )
    Photo.objects.for_workspace(workspace).filter(pk__in=[p.pk for p in photos]).update(job=job)
    return photos, job


def _stored(content: bytes | File) -> File:
    """A file to store under a fresh name: bytes, or an uploaded file copied from disk."""
    name = f"{uuid.uuid4().hex}.upload"
    if isinstance(content, bytes):
        return ContentFile(content, name=name)
    content.seek(0)
    return File(content.file, name=name)


@transaction.atomic(durable=True)
def photo_upload(
    *, actor: Actor, uploads: list[UploadedFile], product_id: int | None = None
) -> UploadOutcome:
    """Accept uploaded files (Django UploadedFiles) for checking; a file refused by the quick
    checks is reported by name and the others go on."""
    actor.require(Action.EDIT_PHOTOS)
    if not uploads:
        raise ServiceError("Choose one or more photos to upload.", field="files")
    limit = settings.PHOTOS_MAX_FILES_PER_UPLOAD
    if len(uploads) > limit:
        raise ServiceError(
            f"{len(uploads)} files at once is more than the {limit} allowed; upload them in "
            "several goes.",
            field="files",
        )
    product = _product_for(actor.workspace, product_id)
    outcome = UploadOutcome()
    accepted: list[Accepted] = []
    for upload in uploads:
        name = getattr(upload, "name", "") or "photo"
        try:
            content, inspected = _read_checked(upload)
        except ServiceError as error:
            outcome.errors.append(error.message)
            continue
        accepted.append((name, content, inspected, product, None))
    if accepted:
        outcome.photos, outcome.job = _photos_accept(actor=actor, accepted=accepted)
    return outcome


@transaction.atomic(durable=True)
def photo_import_from_catalog(*, actor: Actor, image_ids: list[int]) -> UploadOutcome:
    """Bring catalog product images into the studio. Images held as files are checked like
    uploads; an image known only by a remote URL cannot be fetched (this server does not reach
    the internet) and is reported with what to do instead."""
    actor.require(Action.EDIT_PHOTOS)
    if not image_ids:
        raise ServiceError("Tick the product images to bring in first.", field="images")
    images = list(
        ProductImage.objects.for_workspace(actor.workspace)
        .filter(pk__in=image_ids)
        .select_related("product")
        .order_by("product_id", "position", "pk")
    )
    if not images:
        raise ServiceError("Those images are not in this workspace.", field="images")
    outcome = UploadOutcome()
    accepted: list[Accepted] = []
    for image in images:
        label = f"{image.product.title}, image {image.position}"
        try:
            if not image.file:
                raise ServiceError(
                    f"{label} is only a link to {image.src or 'nowhere'}: this server does not "
                    "download images from the internet. Save the image and upload the file.",
                    field="images",
                )
            name = (image.file.name or "image").rsplit("/", 1)[-1]
            content = files.read_stored(image.file)
            inspected = files.inspect_upload(content, name=f"{label} ({name})")
            accepted.append((name, content, inspected, image.product, image))
        except ServiceError as error:
            outcome.errors.append(error.message)
        except OSError:
            outcome.errors.append(f"{label}: the stored file is missing.")
    if accepted:
        outcome.photos, outcome.job = _photos_accept(actor=actor, accepted=accepted)
    return outcome


def photo_ingest_item(*, workspace: Workspace, job: Job, item: JobItem) -> dict:
    """One job item: normalise one accepted upload (see above). Safe to run twice: a photo
    already ready is left alone. A file that fails is removed, and the item's error names it."""
    photo = Photo.objects.for_workspace(workspace).filter(pk=item.payload.get("photo_id")).first()
    if photo is None:
        raise SkipItem("The photo was deleted before it was checked.")
    if photo.status == PhotoStatus.READY:
        return {"photo_id": photo.pk, "again": True}
    raw_name = photo.file.name
    try:
        normalised = files.normalise_upload(files.read_stored(photo.file), name=photo.original_name)
        checks = _checks(normalised)
    except ServiceError:
        _photo_discard(workspace, photo.pk, raw_name)
        raise
    with transaction.atomic():
        locked = (
            Photo.objects.for_workspace(workspace)
            .select_for_update()
            .filter(pk=photo.pk, status=PhotoStatus.PROCESSING)
            .first()
        )
        if locked is None:
            return {"photo_id": photo.pk, "again": True}
        locked.file.save(
            f"{uuid.uuid4().hex}.{normalised.extension}",
            ContentFile(normalised.content),
            save=False,
        )
        locked.width, locked.height = normalised.width, normalised.height
        locked.source_format = normalised.source_format
        locked.has_alpha = normalised.has_alpha
        locked.notes, locked.checks = normalised.notes, checks
        locked.status = PhotoStatus.READY
        locked.save()
        # The original bytes (metadata, location and all) go once the new file is committed.
        transaction.on_commit(lambda: _storage_delete(raw_name))
    return {"photo_id": photo.pk, "notes": normalised.notes}


def _storage_delete(name: str | None) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("Could not delete the stored upload %s", name)


def _photo_discard(workspace: Workspace, photo_id: int, raw_name: str | None) -> None:
    with transaction.atomic():
        Photo.objects.for_workspace(workspace).filter(
            pk=photo_id, status=PhotoStatus.PROCESSING
        ).delete()
        transaction.on_commit(lambda: _storage_delete(raw_name))
