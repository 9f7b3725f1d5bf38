"""Profile versions: training one (a job), activating one (an older one is the rollback), and
the scheduled training when enough new material arrived.

A person starts training or activates a version (``actor=``, ``brand.manage`` checked here);
the training job and the sweep are system work and take the workspace. Activations, by a person
or by a finished training, are written to the audit trail."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import User
from apps.billing.services.credits import (
    credits_check_can_start,
    credits_release,
    credits_reserve,
    credits_settle,
)
from apps.brand import selectors, training
from apps.brand.audit_actions import AuditAction
from apps.brand.models import BrandProfile, ProfileVersion, VersionStatus
from apps.brand.services.profiles import access_profile_for_update
from apps.core import trail
from apps.core.errors import ServiceError
from apps.jobs.services import job_create
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

logger = logging.getLogger(__name__)

TRAIN_JOB_KIND = "brand.train"
TRAINING_WORK_KIND = "training_run"


def access_version_for_update(actor: Actor, version_id: int) -> ProfileVersion:
    return access_for_update(
        actor,
        ProfileVersion.objects.defer("scorer", "exemplar_pool"),
        version_id,
        action=Action.MANAGE_BRAND,
        missing="This profile version no longer exists.",
    )


@transaction.atomic(durable=True)
def profile_train(*, actor: Actor, profile_id: int) -> ProfileVersion:
    """Start training a new version (a job). Refused with too little material (saying how
    much more is needed), while a version is training, or without credits."""
    profile = access_profile_for_update(actor, profile_id)
    return _training_start(actor.workspace, profile, started_by=actor.user)


def _training_start(
    workspace: Workspace, profile: BrandProfile, *, started_by: User | None
) -> ProfileVersion:
    """A new version in training and its job (``profile`` is locked by the caller)."""
    if selectors.version_training(workspace=workspace, profile=profile) is not None:
        raise ServiceError("A version of this profile is already training; wait for it to finish.")
    count = len(
        training.clean_material(selectors.material_items(workspace=workspace, profile=profile))
    )
    if count < training.MIN_TEXTS:
        raise ServiceError(str(training.NotEnoughMaterial(count)), code="not_enough_material")
    credits_check_can_start(workspace=workspace, kind=TRAINING_WORK_KIND)
    number = (
        ProfileVersion.objects.for_workspace(workspace)
        .filter(profile_id=profile.pk)
        .aggregate(n=Max("number"))["n"]
        or 0
    ) + 1
    version = ProfileVersion.objects.create(
        workspace=workspace, profile=profile, number=number, created_by=started_by
    )
    job = job_create(
        workspace=workspace,
        created_by=started_by,
        kind=TRAIN_JOB_KIND,
        items=[(f"{profile.name} v{number}", {"version_id": version.pk})],
        label=f"Train brand profile “{profile.name}” v{number}",
    )
    version.job = job
    version.save(update_fields=["job"])
    return version


def profile_version_train(*, workspace: Workspace, version_id: int) -> ProfileVersion:
    """The training job's work: train, store, activate, charge once. Safe to run twice."""
    version = (
        ProfileVersion.objects.for_workspace(workspace)
        .select_related("profile")
        .defer("scorer", "exemplar_pool")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise ServiceError("This profile version no longer exists.", code="not_found")
    if version.status != VersionStatus.TRAINING:
        return version  # a retried item: already trained (or failed for good)
    profile = version.profile
    key = f"brand-train:{version.pk}"
    try:
        reservation = credits_reserve(workspace=workspace, key=key, kind=TRAINING_WORK_KIND)
    except ServiceError as error:
        _version_fail(workspace, version.pk, error.message)
        raise
    material = selectors.material_items(workspace=workspace, profile=profile)
    others = selectors.other_profiles_texts(workspace=workspace, profile=profile)
    try:
        trained = training.train_profile(material=material, others=others, seed=version.pk)
    except training.NotEnoughMaterial as error:
        credits_release(workspace=workspace, key=key, reason="not enough material")
        _version_fail(workspace, version.pk, str(error))
        raise ServiceError(str(error)) from None
    except Exception:
        credits_release(workspace=workspace, key=key, reason="training failed")
        _version_fail(workspace, version.pk, "Training failed unexpectedly; try again.")
        raise
    approved = selectors.approved_texts(workspace=workspace, profile=profile)
    evaluation = dict(trained.evaluation)
    if approved:
        scores = trained.scorer.scores(approved)
        evaluation["approved_mean"] = round(float(scores.mean()), 2)
        evaluation["approved_count"] = len(approved)
    with transaction.atomic():
        locked = (
            ProfileVersion.objects.for_workspace(workspace)
            .select_for_update()
            .filter(pk=version.pk, status=VersionStatus.TRAINING)
            .first()
        )
        if locked is None:
            return version
        locked.summary = trained.summary
        locked.stats = trained.stats
        locked.lexicon = trained.lexicon
        locked.exemplar_pool = trained.exemplar_pool
        locked.scorer = trained.scorer.to_bytes()
        locked.evaluation = evaluation
        locked.status = VersionStatus.READY
        locked.trained_at = timezone.now()
        locked.error = ""
        locked.save()
        profile = (
            BrandProfile.objects.for_workspace(workspace).select_for_update().get(pk=profile.pk)
        )
        # No person acts here: the trail names the training that made the version.
        _activate(profile, locked, record=None)
        if reservation.state != "settled":
            credits_settle(workspace=workspace, key=key)
    return locked


def _version_fail(workspace: Workspace, version_id: int, message: str) -> None:
    ProfileVersion.objects.for_workspace(workspace).filter(
        pk=version_id, status=VersionStatus.TRAINING
    ).update(status=VersionStatus.FAILED, error=message[:2000])


@transaction.atomic(durable=True)
def version_activate(*, actor: Actor, version_id: int) -> ProfileVersion:
    """Make ``version_id`` the profile's active version (activating an older one rolls back)."""
    version = access_version_for_update(actor, version_id)
    if not version.is_ready:
        raise ServiceError(f"Version {version.number} is not trained, so it cannot be used.")
    profile = access_profile_for_update(actor, version.profile_id)
    if profile.active_version_id == version.pk:
        raise ServiceError(f"Version {version.number} is already the active version.")
    _activate(profile, version, record=actor)
    return version


def _activate(profile: BrandProfile, version: ProfileVersion, *, record: Actor | None) -> None:
    """Point ``profile`` (locked) at ``version`` and write it to the audit trail: a rollback
    when the version is older than the one it replaces, in ``record``'s name (the trained
    version's own activation has no person behind it)."""
    previous = (
        ProfileVersion.objects.for_workspace(profile.workspace_id)
        .filter(pk=profile.active_version_id or 0)
        .values_list("number", flat=True)
        .first()
    )
    profile.active_version = version
    profile.save(update_fields=["active_version", "updated_at"])
    rollback = previous is not None and previous > version.number
    action = AuditAction.VERSION_ROLLED_BACK if rollback else AuditAction.VERSION_ACTIVATED
    target = f"{profile.name} v{version.number}"
    details = {"from": previous, "to": version.number}
    if record is not None:
        record.record(action, target=target, details=details)
    else:
        trail.record(
            workspace=profile.workspace,
            user=None,
            action=action,
            target=target,
            details={**details, "by": "training"},
        )


def brand_train_due() -> int:
    """Site-wide sweep (Celery beat): start training profiles whose new material reached their
    threshold. Returns how many trainings were started."""
    started = 0
    candidates = (
        BrandProfile.objects.all_workspaces()
        .filter(auto_train_min_new__gt=0)
        .select_related("workspace", "active_version")
    )
    for profile in candidates.iterator():
        workspace = profile.workspace
        if selectors.version_training(workspace=workspace, profile=profile) is not None:
            continue
        if selectors.material_new_since(workspace=workspace, profile=profile) < max(
            profile.auto_train_min_new, 1
        ):
            continue
        try:
            with transaction.atomic(durable=True):
                locked = (
                    BrandProfile.objects.for_workspace(workspace)
                    .select_for_update()
                    .get(pk=profile.pk)
                )
                _training_start(workspace, locked, started_by=None)
        except (ServiceError, BrandProfile.DoesNotExist) as error:
            logger.info("Brand profile %s not trained: %s", profile.pk, error)
            continue
        started += 1
    return started
