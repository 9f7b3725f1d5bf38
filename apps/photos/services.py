"""Writes for the photo studio: uploads, recipes, lighting profiles, batch jobs, review.

Every function is keyword-only. What a person does takes the acting member first (``actor=``,
an :class:`~apps.workspaces.actors.Actor`): the service checks the actor's role itself and reaches
the rows it changes through :func:`~apps.workspaces.actors.access_for_update`. Job items are
system work and take the workspace. Refusals raise :class:`~apps.core.errors.ServiceError` with
a message that names the file or the photo.

Uploads are *per file*, not all-or-nothing: each bad file is reported by name (at once, or by
its job item) and the others go on, so one damaged photo never loses the rest of a batch.
Image work (normalising uploads, learning a lighting profile, processing photos) runs in jobs.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.billing.errors import BillingRefusal
from apps.billing.plans import WorkKind
from apps.billing.services import credits as billing
from apps.billing.services.batches import credits_reserve_batch
from apps.brand.lighting_selectors import lighting_profile_active
from apps.brand.models import LightingProfile
from apps.catalog.models import Product, ProductImage
from apps.core.errors import ServiceError
from apps.gateway.selectors import route_steps_cached
from apps.gateway.services import gateway_edit_image, provenance_record
from apps.gateway.types import ImageEditRequest, TaskKind
from apps.imaging import files, onnx_segmenter, segmentation
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import SkipItem
from apps.jobs.services import job_create, job_pause_by_system
from apps.photos import checker, pipeline, recipes
from apps.photos.models import Photo, PhotoOutput, PhotoRecipe, PhotoStatus
from apps.photos.presets import PRESETS
from apps.reviews.lifecycle import ReviewDecision, ReviewState
from apps.reviews.services import review_transition
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

logger = logging.getLogger(__name__)

PROCESS_JOB_KIND = "photos.process"
INGEST_JOB_KIND = "photos.ingest"
IMAGE_OPERATION = WorkKind.IMAGE_OPERATION.value
CHECK_LONG_SIDE = 2048  # uploads are checked against the presets on a copy this size
CUTOUT_PROMPT = (
    "Remove the background completely; keep the product exactly as it is (shape, colours, "
    "labels). Return the product on a transparent background."
)


@dataclass
class UploadOutcome:
    photos: list[Photo] = field(default_factory=list)  # accepted, being checked by ``job``
    errors: list[str] = field(default_factory=list)  # refused at once, by name
    job: Job | None = None


# --- Uploads ------------------------------------------------------------------------------------
#
# Two steps, so nobody waits on image work: while the person waits, each file gets the quick
# checks its header allows (type by content, size, pixel count / decompression bomb) and the
# accepted ones are stored as they came, marked "processing"; then a job (one item per photo)
# decodes, turns upright, converts to sRGB, strips metadata and checks it against the presets.
# A file refused at either step is named; the others go on.


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


def _read_checked(upload) -> tuple[File, files.Inspected]:
    """An uploaded file after the quick checks, which read its header only: the file stays on
    disk and is stored from there in pieces (many large photos are never held in memory)."""
    name = getattr(upload, "name", "") or "photo"
    return File(upload), files.inspect_file(upload, name=name, size=upload.size)


def _photos_accept(
    *,
    actor: Actor,
    accepted: list[tuple[str, bytes | File, files.Inspected, Product | None, ProductImage | None]],
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
    accepted = []
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
    accepted = []
    for image in images:
        label = f"{image.product.title}, image {image.position}"
        try:
            if not image.file:
                raise ServiceError(
                    f"{label} is only a link to {image.src or 'nowhere'}: this server does not "
                    "download images from the internet. Save the image and upload the file.",
                    field="images",
                )
            name = image.file.name.rsplit("/", 1)[-1]
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


def _storage_delete(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("Could not delete the stored upload %s", name)


def _photo_discard(workspace: Workspace, photo_id: int, raw_name: str) -> None:
    with transaction.atomic():
        Photo.objects.for_workspace(workspace).filter(
            pk=photo_id, status=PhotoStatus.PROCESSING
        ).delete()
        transaction.on_commit(lambda: _storage_delete(raw_name))


# --- Recipes ------------------------------------------------------------------------------------


def _check_steps(workspace: Workspace, steps: list[dict], preset: str) -> list[dict]:
    try:
        steps = pipeline.validate_steps(steps, preset)
    except pipeline.RecipeError as error:
        raise ServiceError(str(error), field="steps") from None
    for step in steps:
        if step["op"] == "background" and step["params"].get("kind") == "image":
            photo_id = step["params"].get("photo_id")
            exists = (
                isinstance(photo_id, int)
                and Photo.objects.for_workspace(workspace).filter(pk=photo_id).exists()
            )
            if not exists:
                raise ServiceError(
                    "Choose the brand background image (a photo uploaded to the studio).",
                    field="background_photo",
                )
    return steps


@transaction.atomic(durable=True)
def recipe_save(
    *,
    actor: Actor,
    name: str,
    steps: list[dict],
    preset: str = "",
    recipe_id: int | None = None,
) -> PhotoRecipe:
    actor.require(Action.EDIT_PHOTOS)
    workspace = actor.workspace
    recipe = None
    if recipe_id:
        recipe = access_for_update(
            actor, PhotoRecipe, recipe_id, missing="This recipe no longer exists."
        )
    name = (name or "").strip()
    if not name:
        raise ServiceError("Give the recipe a name.", field="name")
    steps = _check_steps(workspace, steps, preset)
    stored = [step for step in steps if step["op"] != "fit_preset"]
    taken = PhotoRecipe.objects.for_workspace(workspace).filter(name__iexact=name)
    if recipe_id:
        taken = taken.exclude(pk=recipe_id)
    if taken.exists():
        raise ServiceError(f"There is already a recipe called “{name}”.", field="name")
    if recipe is not None:
        recipe.name, recipe.steps, recipe.preset = name, stored, preset
        recipe.save(update_fields=["name", "steps", "preset", "updated_at"])
        return recipe
    return PhotoRecipe.objects.create(
        workspace=workspace, name=name, steps=stored, preset=preset, created_by=actor.user
    )


@transaction.atomic(durable=True)
def recipe_delete(*, actor: Actor, recipe_id: int) -> str:
    recipe = access_for_update(
        actor,
        PhotoRecipe,
        recipe_id,
        action=Action.EDIT_PHOTOS,
        missing="This recipe no longer exists.",
    )
    name = recipe.name
    recipe.delete()
    return name


# --- Processing ---------------------------------------------------------------------------------


def _needs_profile(steps: list[dict]) -> bool:
    for step in steps:
        if step["op"] == "relight":
            return True
        if step["op"] == "background" and step["params"].get("kind") == "profile":
            return True
        if step["op"] == "shadow" and step["params"].get("from_profile"):
            return True
    return False


def _require_profile(steps: list[dict], profile: LightingProfile | None) -> None:
    if _needs_profile(steps) and profile is None:
        raise ServiceError(
            "This recipe uses a brand's light, and the chosen brand has none yet (or no brand "
            "was chosen): a brand manager learns one from five or more reference photos on the "
            "brand profile's page.",
            field="brand",
        )


def recipe_context(
    *,
    workspace: Workspace,
    steps: list[dict],
    profile: LightingProfile | None,
    segmenter: pipeline.Segmenter | None = None,
    segmenter_label: str = "offline cut-out",
) -> pipeline.Context:
    """What a recipe needs besides the photo: the profile and the brand background image."""
    _require_profile(steps, profile)
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
    if str(key or "").isdigit():
        recipe = PhotoRecipe.objects.for_workspace(workspace).filter(pk=int(key)).first()
    if recipe is None:
        raise ServiceError("Choose a recipe.", field="recipe")
    return ChosenRecipe(recipe, recipe.name, list(recipe.steps), recipe.preset)


@transaction.atomic(durable=True)
def photo_batch_start(
    *,
    actor: Actor,
    photo_ids: list[int],
    recipe_key: str | int | None,
    brand_id: int | None = None,
) -> Job:
    """Apply a recipe (built-in or saved) to many photos as a job (one item, one output, one
    charge each), in the light of brand ``brand_id`` (or the default brand's)."""
    actor.require(Action.EDIT_PHOTOS)
    workspace = actor.workspace
    if not photo_ids:
        raise ServiceError("Tick the photos to process first.", field="photos")
    chosen = recipe_resolve(workspace=workspace, key=recipe_key)
    photos = list(
        Photo.objects.for_workspace(workspace)
        .filter(pk__in=photo_ids, status=PhotoStatus.READY)
        .order_by("pk")
    )
    if len(photos) != len(set(photo_ids)):
        raise ServiceError(
            "Some of those photos are not in this workspace or are still being checked.",
            field="photos",
        )
    steps = _check_steps(workspace, chosen.steps, chosen.preset)
    # The brand's light is kept with the outputs only when the recipe uses it.
    profile = None
    if _needs_profile(steps):
        profile = lighting_profile_active(workspace=workspace, brand_id=brand_id)
        _require_profile(steps, profile)
    # The whole batch must fit in the credits left: refused here, before anything is queued.
    billing.credits_check_can_start(workspace=workspace, kind=IMAGE_OPERATION, units=len(photos))
    job = job_create(
        workspace=workspace,
        created_by=actor.user,
        kind=PROCESS_JOB_KIND,
        items=[(f"photo-{photo.pk}", {"photo_id": photo.pk}) for photo in photos],
        params={
            # A snapshot: editing the recipe while the job runs does not change its outputs.
            "recipe_id": chosen.recipe.pk if chosen.recipe else None,
            "recipe_name": chosen.name,
            "steps": steps,
            "preset": chosen.preset,
            "profile_id": profile.pk if profile else None,
        },
        label=f"{chosen.name}: {len(photos)} photo{'s' if len(photos) != 1 else ''}",
        # One photo per task: image work is CPU-bound, so a worker process does one at a
        # time (a chunk of several would run them in threads, each holding a full image).
        chunk_size=1,
    )
    # Held now, with the balance locked: batches submitted at once cannot all pass the
    # check above on the same credits; the later ones are refused and nothing is queued.
    item_ids = JobItem.objects.for_workspace(workspace).filter(job=job).values_list("pk")
    credits_reserve_batch(
        workspace=workspace,
        keys=[f"photos.jobitem:{item_id}" for (item_id,) in item_ids],
        kind=IMAGE_OPERATION,
    )
    return job


def photo_batch_release(workspace: Workspace, job: Job, item_ids: list[int]) -> None:
    """Items cancelled before they ran give back the credits held for them."""
    for item_id in item_ids:
        billing.credits_release(
            workspace=workspace, key=f"photos.jobitem:{item_id}", reason="cancelled"
        )


@transaction.atomic(durable=True)
def recipe_copy_builtin(*, actor: Actor, code: str) -> PhotoRecipe:
    """A workspace's own, editable copy of a built-in recipe ("Amazon main image (copy)")."""
    actor.require(Action.EDIT_PHOTOS)
    workspace = actor.workspace
    builtin = recipes.BUILTIN_RECIPES.get(code)
    if builtin is None:
        raise ServiceError("There is no such built-in recipe.", code="not_found")
    taken = set(
        PhotoRecipe.objects.for_workspace(workspace)
        .filter(name__istartswith=builtin.name)
        .values_list("name", flat=True)
    )
    taken = {name.lower() for name in taken}
    name, number = f"{builtin.name} (copy)", 2
    while name.lower() in taken:
        name, number = f"{builtin.name} (copy {number})", number + 1
    steps = _check_steps(workspace, [dict(s) for s in builtin.steps], builtin.preset)
    return PhotoRecipe.objects.create(
        workspace=workspace,
        name=name,
        steps=[step for step in steps if step["op"] != "fit_preset"],
        preset=builtin.preset,
        created_by=actor.user,
    )


def _gateway_segmenter(
    workspace: Workspace, user: User | None, content: bytes, provenance: dict[str, Any]
) -> tuple[pipeline.Segmenter, str] | None:
    """When the workspace routes ``photo.edit`` to an image model, the cut-out comes from it."""
    route = route_steps_cached(workspace=workspace, task=TaskKind.PHOTO_EDIT)
    if not route:
        return None
    source = files.decode(content, max_long_side=1024)
    small_source = segmentation.proxy(source, 1024)
    request_image = files.encode(small_source, fmt="PNG")

    def segment(small: np.ndarray) -> np.ndarray:
        result = gateway_edit_image(
            workspace=workspace,
            actor=user,
            request=ImageEditRequest(
                image=request_image, prompt=CUTOUT_PROMPT, output_format="png"
            ),
        )
        provenance.update(provenance_record(result))
        returned = files.decode(result.images[0])
        alpha = segmentation.mask_from_cutout(returned, (small.shape[1], small.shape[0]))
        return alpha > 0.5

    return segment, f"{route[0].provider}/{route[0].model}"


@dataclass
class Rendered:
    content: bytes
    extension: str
    width: int
    height: int
    layers: pipeline.Layers
    check: dict
    provenance: dict


def photo_render(
    *,
    workspace: Workspace,
    user: User | None,
    photo: Photo,
    steps: list[dict],
    preset: str,
    profile: LightingProfile | None,
    use_gateway: bool = True,
) -> Rendered:
    """Apply a recipe to a photo at full quality (no writes; the gateway records its calls, in
    ``user``'s name: who started the batch)."""
    content = files.read_stored(photo.file)
    provenance: dict = {}
    segmenter = None
    label = "offline cut-out"
    if use_gateway and any(s["op"] == "remove_background" for s in steps) and not photo.has_alpha:
        routed = _gateway_segmenter(workspace, user, content, provenance)
        if routed is not None:
            segmenter, label = routed
    context = recipe_context(
        workspace=workspace,
        steps=steps,
        profile=profile,
        segmenter=segmenter,
        segmenter_label=label,
    )
    try:
        image, layers = pipeline.render(files.decode(content), steps, context)
    except pipeline.RecipeError as error:
        raise ServiceError(f"“{photo.original_name}”: {error}") from None
    chosen = PRESETS.get(preset)
    if chosen is not None and chosen.file_format == "JPEG" and image.shape[2] == 4:
        image = image[..., :3]  # a cut-out without a backdrop cannot be a JPEG
    fmt = chosen.file_format if chosen else ("PNG" if image.shape[2] == 4 else "JPEG")
    if image.shape[2] == 4:
        fmt = "PNG"
    encoded = files.encode(image, fmt=fmt, quality=92)
    check = {}
    if chosen is not None:
        check = checker.check(
            files.decode(encoded)[..., :3],
            chosen,
            subject=layers.report.get("subject_box", "measure"),
            cutout_confidence=layers.report.get("cutout_confidence"),
        ).as_dict()
    return Rendered(
        content=encoded,
        extension="png" if fmt == "PNG" else "jpg",
        width=image.shape[1],
        height=image.shape[0],
        layers=layers,
        check=check,
        provenance=provenance,
    )


def _work_key(item: JobItem) -> str:
    return f"photos.jobitem:{item.pk}"


def photo_process_item(*, workspace: Workspace, job: Job, item: JobItem) -> dict:
    """One job item: render one photo with the job's recipe, store the output, charge once.

    Safe to run again for the same item: the output is found by its job item, and the
    credits are reserved under the item's key, which charges at most once.
    """
    existing = PhotoOutput.objects.for_workspace(workspace).filter(job_item_id=item.pk).first()
    if existing is not None:
        # Redelivered after the output was stored: the charge may still be only reserved.
        billing.credits_settle_found(workspace=workspace, key=_work_key(item))
        return {"output_id": existing.pk, "again": True}
    photo = (
        Photo.objects.for_workspace(workspace)
        .filter(pk=item.payload.get("photo_id"))
        .select_related("product")
        .first()
    )
    if photo is None:
        billing.credits_release(workspace=workspace, key=_work_key(item), reason="photo deleted")
        raise SkipItem("The photo was deleted before it was processed.")
    params = job.params
    profile = None
    if params.get("profile_id"):
        profile = (
            LightingProfile.objects.for_workspace(workspace).filter(pk=params["profile_id"]).first()
        )
    try:
        billing.credits_reserve(
            workspace=workspace, key=_work_key(item), kind=IMAGE_OPERATION, units=1
        )
    except BillingRefusal as refusal:
        # Out of credits (or billing stopped): stop the job, keep what is done; resuming after
        # topping up carries on, and retrying the failed items redoes these.
        with contextlib.suppress(ServiceError):
            job_pause_by_system(workspace=workspace, job_id=job.pk)
        raise ServiceError(refusal.message, code=refusal.code) from None
    try:
        rendered = photo_render(
            workspace=workspace,
            user=job.created_by,
            photo=photo,
            steps=params["steps"],
            preset=params.get("preset", ""),
            profile=profile,
        )
        output = _output_save(
            workspace=workspace, job=job, item=item, photo=photo, profile=profile, rendered=rendered
        )
    except Exception:
        billing.credits_release(workspace=workspace, key=_work_key(item), reason="failed")
        raise
    billing.credits_settle(workspace=workspace, key=_work_key(item))
    return {"output_id": output.pk, "passed": rendered.check.get("passed")}


def _output_save(
    *,
    workspace: Workspace,
    job: Job,
    item: JobItem,
    photo: Photo,
    profile: LightingProfile | None,
    rendered: Rendered,
) -> PhotoOutput:
    try:
        with transaction.atomic():
            output = PhotoOutput.objects.create(
                workspace=workspace,
                photo=photo,
                product=photo.product,
                recipe_id=(
                    job.params.get("recipe_id")
                    if job.params.get("recipe_id")
                    and PhotoRecipe.objects.for_workspace(workspace)
                    .filter(pk=job.params.get("recipe_id"))
                    .exists()
                    else None
                ),
                recipe_name=job.params.get("recipe_name", "")[:120],
                steps=job.params["steps"],
                preset=job.params.get("preset", ""),
                profile=profile,
                file=ContentFile(rendered.content, name=f"{uuid.uuid4().hex}.{rendered.extension}"),
                width=rendered.width,
                height=rendered.height,
                job=job,
                job_item=item,
                check_report=rendered.check,
                notes=list(rendered.layers.notes),
                report=_json_ready(rendered.layers.report),
                provenance=rendered.provenance,
                created_by=job.created_by,
            )
            if photo.product_id:
                _product_photo_status_refresh(workspace, [photo.product_id])
            return output
    except IntegrityError:
        # The same item finished at the same moment elsewhere: theirs stands.
        existing = PhotoOutput.objects.for_workspace(workspace).filter(job_item=item).first()
        if existing is None:
            raise
        return existing


def _json_ready(value):
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


# --- Review -------------------------------------------------------------------------------------


def _product_photo_status_refresh(workspace: Workspace, product_ids: list[int]) -> None:
    """The catalog's photo status of each product, from its outputs' review states.

    In review beats changes requested beats approved beats draft: the status says what the
    product waits for next. Rejected outputs count for nothing.
    """
    for product_id in set(product_ids):
        states = set(
            PhotoOutput.objects.for_workspace(workspace)
            .filter(product_id=product_id)
            .values_list("review_state", flat=True)
        )
        if ReviewState.IN_REVIEW in states:
            status = "in_review"
        elif ReviewState.CHANGES_REQUESTED in states:
            status = "changes_requested"
        elif states & {ReviewState.APPROVED, ReviewState.PUBLISHED}:
            status = "approved"
        elif ReviewState.DRAFT in states:
            status = "draft"
        else:
            status = "none"
        Product.objects.for_workspace(workspace).filter(pk=product_id).update(photo_status=status)


@transaction.atomic(durable=True)
def photo_review_decide(
    *,
    actor: Actor,
    output_id: int,
    decision: str,
    comment: str = "",
) -> PhotoOutput:
    """One move of the shared review lifecycle (submit, withdraw, approve, request changes,
    reject, resubmit, publish) on one output; the actor's role decides what is allowed."""
    workspace = actor.workspace
    output = access_for_update(
        actor, PhotoOutput, output_id, missing="This photo no longer exists."
    )
    if decision == ReviewDecision.SUBMIT and output.review_state == ReviewState.CHANGES_REQUESTED:
        decision = ReviewDecision.RESUBMIT
    review_transition(
        workspace=workspace,
        actor=actor.user,
        actor_role=actor.role,
        subject=output,
        decision=decision,
        author_action=Action.EDIT_PHOTOS,
        comment=comment,
    )
    if output.product_id:
        _product_photo_status_refresh(workspace, [output.product_id])
    return output


@transaction.atomic(durable=True)
def photo_outputs_submit(*, actor: Actor, output_ids: list[int]) -> int:
    """Submit several outputs for review at once: all of them, or none (the message names the
    one that cannot go)."""
    workspace = actor.workspace  # the role is checked by each output's review transition
    if not output_ids:
        raise ServiceError("Tick the photos to submit first.", field="outputs")
    outputs = list(
        PhotoOutput.objects.for_workspace(workspace)
        .select_for_update()
        .filter(pk__in=output_ids)
        .select_related("photo")
        .order_by("pk")
    )
    if len(outputs) != len(set(output_ids)):
        raise ServiceError("Some of those photos are not in this workspace.", field="outputs")
    for output in outputs:
        decision = (
            ReviewDecision.RESUBMIT
            if output.review_state == ReviewState.CHANGES_REQUESTED
            else ReviewDecision.SUBMIT
        )
        try:
            review_transition(
                workspace=workspace,
                actor=actor.user,
                actor_role=actor.role,
                subject=output,
                decision=decision,
                author_action=Action.EDIT_PHOTOS,
            )
        except ServiceError as error:
            raise ServiceError(f"“{output.photo.original_name}”: {error.message}") from None
    _product_photo_status_refresh(
        workspace, [output.product_id for output in outputs if output.product_id]
    )
    return len(outputs)
