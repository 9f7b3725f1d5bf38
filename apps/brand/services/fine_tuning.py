"""Fine-tuning a model on the brand's approved copy (providers that offer it: OpenAI), and
routing the workspace's copy generation to the result.

Starting and routing act for a person (``actor=``): starting needs ``brand.manage``, routing
``models.manage`` (it changes the Models page's route) and is written to the audit trail.
Submitting and following the provider's job are system work (tasks) and take the workspace."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.brand import registry, tasks
from apps.brand.audit_actions import AuditAction
from apps.brand.models import BrandProfile, FineTuneRun, FineTuneStatus
from apps.brand.services.profiles import access_profile_for_update
from apps.core.errors import ServiceError
from apps.gateway.model_settings import MAX_FALLBACKS, model_entry_add_own, route_save
from apps.gateway.models import RouteEntry
from apps.gateway.services import (
    gateway_fine_tune_start,
    gateway_fine_tune_status,
    gateway_fine_tune_upload,
)
from apps.gateway.types import FineTuneFileRequest, FineTuneJobRequest, TaskKind
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

logger = logging.getLogger(__name__)

MIN_FINE_TUNE_EXAMPLES = 10
FAILED_PROVIDER_STATES = {"failed", "cancelled"}


def access_fine_tune_run_for_update(actor: Actor, run_id: int) -> FineTuneRun:
    return access_for_update(
        actor,
        FineTuneRun.objects.select_related("profile"),
        run_id,
        action=Action.MANAGE_MODELS,
        missing="This fine-tuning job no longer exists.",
        of=("self",),
    )


def fine_tune_examples(*, workspace: Workspace, profile: BrandProfile) -> list[dict[str, Any]]:
    """Chat-format training examples from the registered sources (the copy studio's approved
    copy, one example per kind of copy with that kind's own instruction), duplicates dropped."""
    examples: list[dict[str, Any]] = []
    seen: set[str] = set()
    for source in registry.fine_tune_sources():
        for example in source(workspace=workspace, profile=profile):
            key = json.dumps(example["messages"], sort_keys=True)
            if key not in seen:
                seen.add(key)
                examples.append(example)
    return examples


@transaction.atomic(durable=True)
def fine_tune_start(*, actor: Actor, profile_id: int) -> FineTuneRun:
    """Export approved pairs as JSONL and queue the upload and the fine-tuning job."""
    workspace = actor.workspace
    profile = access_profile_for_update(actor, profile_id)
    if (
        FineTuneRun.objects.for_workspace(workspace)
        .filter(profile_id=profile.pk, status__in=[FineTuneStatus.PENDING, FineTuneStatus.RUNNING])
        .exists()
    ):
        raise ServiceError("A fine-tuning job for this profile is already under way.")
    examples = fine_tune_examples(workspace=workspace, profile=profile)
    if len(examples) < MIN_FINE_TUNE_EXAMPLES:
        raise ServiceError(
            f"Fine-tuning needs at least {MIN_FINE_TUNE_EXAMPLES} approved product texts; this "
            f"workspace has {len(examples)}. Approve {MIN_FINE_TUNE_EXAMPLES - len(examples)} "
            "more in the copy studio."
        )
    run = FineTuneRun.objects.create(
        workspace=workspace,
        profile=profile,
        examples=len(examples),
        training_file="".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples),
        created_by=actor.user,
    )
    transaction.on_commit(
        lambda: tasks.brand_fine_tune_submit.delay(workspace_id=workspace.pk, run_id=run.pk)
    )
    return run


def fine_tune_submit(*, workspace: Workspace, run_id: int) -> FineTuneRun:
    """Upload the file and start the job at the provider (outside any transaction: the
    gateway records its calls as they happen). A run already submitted is left alone."""
    run = FineTuneRun.objects.for_workspace(workspace).select_related("profile").get(pk=run_id)
    if run.status != FineTuneStatus.PENDING:
        return run
    actor = run.created_by
    try:
        if not run.file_id:
            uploaded = gateway_fine_tune_upload(
                workspace=workspace,
                actor=actor,
                request=FineTuneFileRequest(
                    filename=f"brand-{run.profile_id}-run-{run.pk}.jsonl",
                    content=run.training_file.encode(),
                ),
            )
            run.file_id = uploaded.file_id
            run.save(update_fields=["file_id", "updated_at"])
        started = gateway_fine_tune_start(
            workspace=workspace,
            actor=actor,
            request=FineTuneJobRequest(
                training_file_id=run.file_id, suffix=f"atelier-{run.profile_id}"
            ),
        )
    except ServiceError as error:
        run.status = FineTuneStatus.FAILED
        run.error = error.message[:2000]
        run.save(update_fields=["status", "error", "updated_at"])
        return run
    run.provider_job_id = started.job_id
    run.provider_status = started.status
    run.base_model = started.base_model
    run.status = FineTuneStatus.RUNNING
    run.save(
        update_fields=["provider_job_id", "provider_status", "base_model", "status", "updated_at"]
    )
    return run


def fine_tune_poll(*, workspace: Workspace, run_id: int) -> FineTuneRun:
    """Ask the provider how a running job is doing and record it."""
    run = FineTuneRun.objects.for_workspace(workspace).get(pk=run_id)
    if run.status != FineTuneStatus.RUNNING or not run.provider_job_id:
        return run
    try:
        job = gateway_fine_tune_status(
            workspace=workspace, actor=run.created_by, job_id=run.provider_job_id
        )
    except ServiceError as error:
        logger.warning("Fine-tune %s status check failed: %s", run.pk, error.message)
        return run
    run.provider_status = job.status
    if job.status == "succeeded" and job.fine_tuned_model:
        run.status = FineTuneStatus.SUCCEEDED
        run.fine_tuned_model = job.fine_tuned_model
    elif job.status in FAILED_PROVIDER_STATES:
        run.status = FineTuneStatus.FAILED
        run.error = job.error or f"The provider reports the job {job.status}."
    run.save()
    return run


def fine_tune_poll_all() -> int:
    """Site-wide sweep (Celery beat): poll every running fine-tuning job."""
    runs = list(
        FineTuneRun.objects.all_workspaces()
        .filter(status=FineTuneStatus.RUNNING)
        .select_related("workspace")
        .values_list("workspace_id", "pk")
    )
    for workspace_id, run_id in runs:
        workspace = Workspace.objects.get(pk=workspace_id)
        fine_tune_poll(workspace=workspace, run_id=run_id)
    return len(runs)


@transaction.atomic(durable=True)
def fine_tune_route(*, actor: Actor, run_id: int) -> FineTuneRun:
    """Route this workspace's copy generation to the fine-tuned model, keeping the current
    route's models behind it as fallbacks."""
    workspace = actor.workspace
    run = access_fine_tune_run_for_update(actor, run_id)
    if run.status != FineTuneStatus.SUCCEEDED or not run.fine_tuned_model:
        raise ServiceError("The fine-tuned model is not ready yet.")
    # A fine-tuned model is usable only with this workspace's key: it joins the registry as
    # this workspace's own, listed and routable here only.
    model = model_entry_add_own(
        actor=actor,
        provider="openai",
        name=run.fine_tuned_model,
        label=f"{run.fine_tuned_model} (fine-tuned)",
        capabilities=["text", "json_schema"],
        notes=f"Fine-tuned by workspace {workspace.slug} from brand profile "
        f"{run.profile_id}; usable with that workspace's key only.",
    )
    current = list(
        RouteEntry.objects.for_workspace(workspace)
        .filter(route__task=TaskKind.COPY_GENERATE)
        .order_by("position")
        .values_list("model_id", flat=True)
    )
    fallbacks = [m for m in current if m != model.pk][:MAX_FALLBACKS]
    route_save(actor=actor, task=TaskKind.COPY_GENERATE, model_ids=[model.pk, *fallbacks])
    run.routed_at = timezone.now()
    run.save(update_fields=["routed_at", "updated_at"])
    actor.record(
        AuditAction.FINE_TUNE_ROUTED,
        target=run.fine_tuned_model,
        details={"profile": run.profile.name, "run": run.pk, "fallbacks": len(fallbacks)},
    )
    return run
