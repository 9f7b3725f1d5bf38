"""Writes for brand lighting profiles: learn a version from reference photos (a job), activate.

A lighting profile hangs off a brand profile: a workspace with two brands has two lights, each
with its own versions, one active. Learning takes the quick checks of an upload while the
person waits (at least :data:`~apps.brand.lighting.MIN_REFERENCES` usable files, or nothing is
saved), then a job normalises and measures every reference and activates the new version.

A person learns or activates a light (``actor=``, ``brand.manage`` checked here); the job that
learns it is system work and takes the workspace. Every activation, by a person or by a finished
learning run, is written to the audit trail.
"""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, QuerySet

from apps.brand import lighting
from apps.brand.audit_actions import AuditAction
from apps.brand.models import BrandProfile, LightingProfile, LightingReference, LightingStatus
from apps.core import trail
from apps.core.errors import ServiceError
from apps.imaging import files, matting, segmentation
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import SkipItem
from apps.jobs.services import job_create
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

logger = logging.getLogger(__name__)

LEARN_JOB_KIND = "brand.lighting_learn"
PROFILE_LONG_SIDE = 1024  # reference photos are measured at this size


def measure_reference(content: bytes) -> dict[str, Any]:
    """The lighting statistics of one (normalised) reference photo."""
    pixels = files.decode(content, max_long_side=PROFILE_LONG_SIDE)
    rgb = segmentation.proxy(pixels[..., :3], PROFILE_LONG_SIDE).astype(np.float32) / 255.0
    if pixels.shape[2] == 4:
        alpha = segmentation.proxy(pixels[..., 3], PROFILE_LONG_SIDE).astype(np.float32) / 255
    else:
        mask = segmentation.subject_mask(segmentation.proxy(rgb))
        alpha = matting.refine_alpha(rgb, mask, matte=False)
    return lighting.measure(rgb, alpha)


def _read_checked(upload: UploadedFile) -> File:
    """A reference photo after the quick checks, which read its header only: the file stays
    on disk and is stored from there (many large photos are never held in memory)."""
    name = getattr(upload, "name", "") or "photo"
    files.inspect_file(upload, name=name, size=upload.size or 0)
    return File(upload, name=f"{uuid.uuid4().hex}.upload")


def _storage_delete(name: str | None) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("Could not delete the stored reference %s", name)


@transaction.atomic(durable=True)
def lighting_profile_train(
    *, actor: Actor, brand_id: int, uploads: list[UploadedFile], name: str = ""
) -> LightingProfile:
    """Start learning a new light version of brand ``brand_id`` from reference photos (a job).
    The quick checks run now: at least five files must pass them, or nothing is saved and the
    message says what was wrong with each refused file. The new version becomes the brand's
    active light once it is learned."""
    brand = access_for_update(
        actor,
        BrandProfile,
        brand_id,
        action=Action.MANAGE_BRAND,
        missing="This brand profile no longer exists.",
    )
    workspace = actor.workspace
    limit = settings.PHOTOS_MAX_FILES_PER_UPLOAD
    if len(uploads) > limit:
        raise ServiceError(
            f"{len(uploads)} reference photos at once is more than the {limit} allowed; "
            "choose the ones that show your light best.",
            field="files",
        )
    accepted: list[tuple[str, File]] = []
    problems: list[str] = []
    for upload in uploads:
        try:
            content = _read_checked(upload)
        except ServiceError as error:
            problems.append(error.message)
            continue
        accepted.append((getattr(upload, "name", "") or "photo", content))
    if len(accepted) < lighting.MIN_REFERENCES:
        detail = (" " + " ".join(problems)) if problems else ""
        raise ServiceError(
            f"A lighting profile needs at least {lighting.MIN_REFERENCES} usable reference "
            f"photos; {len(accepted)} of {len(uploads)} could be used.{detail}",
            field="files",
        )
    versions = LightingProfile.objects.for_workspace(workspace).filter(brand=brand)
    version = (versions.aggregate(top=Max("version"))["top"] or 0) + 1
    profile = LightingProfile.objects.create(
        workspace=workspace,
        brand=brand,
        version=version,
        name=(name or "").strip()[:120],
        status=LightingStatus.TRAINING,
        created_by=actor.user,
    )
    for position, (file_name, content) in enumerate(accepted, start=1):
        LightingReference.objects.create(
            workspace=workspace,
            profile=profile,
            position=position,
            original_name=file_name[:255],
            file=content,
        )
    profile.job = job_create(
        workspace=workspace,
        created_by=actor.user,
        kind=LEARN_JOB_KIND,
        items=[(f"lighting-profile-{profile.pk}", {"profile_id": profile.pk})],
        label=f"Learn the light of {brand.name}, v{version}",
        chunk_size=1,
    )
    profile.save(update_fields=["job"])
    return profile


def lighting_profile_learn_item(*, workspace: Workspace, job: Job, item: JobItem) -> dict[str, Any]:
    """The job item: normalise and measure each reference, pool them, activate the version.
    Safe to run twice: a version already learned (or failed) is left alone."""
    profile = (
        LightingProfile.objects.for_workspace(workspace)
        .filter(pk=item.payload.get("profile_id"))
        .first()
    )
    if profile is None:
        raise SkipItem("The profile was deleted before it was learned.")
    if profile.status != LightingStatus.TRAINING:
        return {"profile_id": profile.pk, "again": True}
    measured: list[tuple[LightingReference, files.NormalisedImage, dict[str, Any]]] = []
    problems: list[str] = []
    for reference in profile.references.all():
        try:
            normalised = files.normalise_upload(
                files.read_stored(reference.file), name=reference.original_name
            )
            stats = measure_reference(normalised.content)
            if not stats["product"]:
                raise ServiceError(f"“{reference.original_name}”: no product could be found.")
        except ServiceError as error:
            problems.append(error.message)
            continue
        measured.append((reference, normalised, stats))
    if len(measured) < lighting.MIN_REFERENCES:
        message = (
            f"A lighting profile needs at least {lighting.MIN_REFERENCES} usable reference "
            f"photos; {len(measured)} could be used. " + " ".join(problems)
        ).strip()
        LightingProfile.objects.for_workspace(workspace).filter(pk=profile.pk).update(
            status=LightingStatus.FAILED, error=message
        )
        raise ServiceError(message)
    stats = lighting.learn([entry[2] for entry in measured])
    _lighting_profile_finish(workspace=workspace, profile=profile, stats=stats, measured=measured)
    return {"profile_id": profile.pk, "references": len(measured), "refused": problems}


@transaction.atomic(durable=True)
def _lighting_profile_finish(
    *,
    workspace: Workspace,
    profile: LightingProfile,
    stats: dict[str, Any],
    measured: list[tuple[LightingReference, files.NormalisedImage, dict[str, Any]]],
) -> None:
    versions = (
        LightingProfile.objects.for_workspace(workspace)
        .filter(brand_id=profile.brand_id)
        .select_for_update()
    )
    profile = versions.get(pk=profile.pk)
    if profile.status != LightingStatus.TRAINING:
        return
    used = set()
    for reference, normalised, reference_stats in measured:
        raw_name = reference.file.name
        reference.file.save(
            f"{uuid.uuid4().hex}.{normalised.extension}",
            ContentFile(normalised.content),
            save=False,
        )
        reference.stats = reference_stats
        reference.save(update_fields=["file", "stats"])
        used.add(reference.pk)
        transaction.on_commit(partial(_storage_delete, raw_name))
    for reference in profile.references.exclude(pk__in=used):
        transaction.on_commit(partial(_storage_delete, reference.file.name))
        reference.delete()
    profile.stats = stats
    profile.status = LightingStatus.READY
    profile.save(update_fields=["stats", "status"])
    _activate(versions, profile, record=None)


@transaction.atomic(durable=True)
def lighting_profile_activate(*, actor: Actor, profile_id: int) -> LightingProfile:
    """Make a learned light version its brand's active one (an older one: a rollback)."""
    profile = access_for_update(
        actor,
        LightingProfile,
        profile_id,
        action=Action.MANAGE_BRAND,
        missing="This lighting profile no longer exists.",
    )
    # Every version of the brand is locked, so two activations cannot both win.
    versions = (
        LightingProfile.objects.for_workspace(actor.workspace)
        .filter(brand_id=profile.brand_id)
        .select_for_update()
    )
    profile = versions.get(pk=profile.pk)
    if profile.is_active:
        raise ServiceError(f"{profile} is already the brand's active light.")
    if profile.status != LightingStatus.READY:
        raise ServiceError(f"{profile} is not learned yet ({profile.get_status_display()}).")
    _activate(versions, profile, record=actor)
    return profile


def _activate(
    versions: QuerySet[LightingProfile], profile: LightingProfile, *, record: Actor | None
) -> None:
    """Make ``profile`` the only active one of ``versions`` (its brand's, locked) and write it to
    the audit trail: a rollback when it is older than the one it replaces, in ``record``'s name
    (a learned version's own activation has no person behind it)."""
    previous = versions.filter(is_active=True).exclude(pk=profile.pk).first()
    versions.filter(is_active=True).update(is_active=False)
    profile.is_active = True
    profile.save(update_fields=["is_active"])
    rollback = previous is not None and previous.version > profile.version
    action = AuditAction.LIGHTING_ROLLED_BACK if rollback else AuditAction.LIGHTING_ACTIVATED
    target = f"{profile.brand.name}: light v{profile.version}"
    details: dict[str, Any] = {
        "from": previous.version if previous else None,
        "to": profile.version,
    }
    if record is not None:
        record.record(action, target=target, details=details)
    else:
        trail.record(
            workspace=profile.workspace,
            user=None,
            action=action,
            target=target,
            details={**details, "by": "learning"},
        )
