"""Processing: a recipe applied to many photos as a job (one item, one output, one charge each).

Starting a batch checks the recipe, the brand's light it needs and the credits, and holds the
batch's credits in the transaction that creates the job; each item renders one photo at full
quality (the cut-out from the workspace's routed image model when there is one), stores the
output and settles its charge once, however often it is delivered.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.billing.errors import BillingRefusal
from apps.billing.plans import WorkKind
from apps.billing.services import credits as billing
from apps.billing.services.batches import credits_reserve_batch
from apps.brand.lighting_selectors import lighting_profile_active
from apps.brand.models import LightingProfile
from apps.core.errors import ServiceError
from apps.gateway.selectors import route_steps_cached
from apps.gateway.services import gateway_edit_image, provenance_record
from apps.gateway.types import ImageEditRequest, TaskKind
from apps.imaging import files, matting, segmentation
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import SkipItem
from apps.jobs.services import job_create, job_pause_by_system
from apps.photos import checker, pipeline, recipes, selectors
from apps.photos.job_kinds import PROCESS_JOB_KIND
from apps.photos.models import Photo, PhotoOutput, PhotoRecipe, PhotoStatus
from apps.photos.presets import PRESETS
from apps.photos.services import review
from apps.photos.services.recipes import recipe_steps_check
from apps.reviews.services import review_work_status_refresh
from apps.workspaces.actors import Actor
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

IMAGE_OPERATION = WorkKind.IMAGE_OPERATION.value
CUTOUT_PROMPT = (
    "Remove the background completely; keep the product exactly as it is (shape, colours, "
    "labels). Return the product on a transparent background."
)


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
    chosen = selectors.recipe_resolve(workspace=workspace, key=recipe_key)
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
    steps = recipe_steps_check(workspace, chosen.steps, chosen.preset)
    # The brand's light is kept with the outputs only when the recipe uses it.
    profile = None
    if recipes.uses_light(steps):
        profile = lighting_profile_active(workspace=workspace, brand_id=brand_id)
        recipes.require_light(steps, profile)
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
        alpha = matting.mask_from_cutout(returned, (small.shape[1], small.shape[0]))
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
    context = selectors.recipe_context(
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
                review_work_status_refresh(
                    workspace=workspace, kind=review.KIND, product_ids=[photo.product_id]
                )
            return output
    except IntegrityError:
        # The same item finished at the same moment elsewhere: theirs stands.
        existing = PhotoOutput.objects.for_workspace(workspace).filter(job_item=item).first()
        if existing is None:
            raise
        return existing


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
