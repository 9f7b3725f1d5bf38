"""Editing copy: the author's autosaves (and the reviewer's edit of copy in review), rewriting
one variant with feedback, choosing the variant to submit. Every edit is kept as a version."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.billing.services import credits as billing
from apps.copywriting import channels, generation, selectors
from apps.copywriting.models import CopyDraft, CopyVariant, CopyVersion, VersionSource
from apps.copywriting.services.common import (
    CREDIT_KIND,
    CopyBrief,
    generate,
    setting_for,
    spec_checked,
    variant_fields,
)
from apps.core.errors import ServiceError
from apps.gateway.errors import GatewayError
from apps.reviews.lifecycle import EDITABLE_STATES, ReviewState
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.roles import Action

# An autosave within this many seconds of the author's last one updates that version instead
# of adding another: one editing session, one version.
EDIT_SESSION_SECONDS = 120
DRAFT_MISSING = "That draft is gone."
VARIANT_MISSING = "That variant is gone."


def access_draft_for_update(
    actor: Actor, draft_id: int, *, action: Action | None = Action.WRITE_COPY
) -> CopyDraft:
    """The draft, scoped to the actor's workspace and locked; refused when the actor may not do
    ``action`` or the draft is gone."""
    return access_for_update(
        actor,
        CopyDraft.objects.select_related("product"),
        draft_id,
        missing=DRAFT_MISSING,
        action=action,
        of=("self",),
    )


def access_variant_for_update(
    actor: Actor, variant_id: int, *, action: Action = Action.WRITE_COPY
) -> CopyVariant:
    return access_for_update(
        actor, CopyVariant.objects.all(), variant_id, missing=VARIANT_MISSING, action=action
    )


def _check_editable(draft: CopyDraft, *, reviewer_edit: bool = False) -> None:
    if reviewer_edit:
        if draft.review_state != ReviewState.IN_REVIEW:
            raise ServiceError("Only copy in review can be edited by the reviewer.")
        return
    if draft.review_state not in EDITABLE_STATES:
        state = ReviewState(draft.review_state).label.lower()
        raise ServiceError(
            f"This copy is {state}; it can be edited again once it is back with its author."
        )


@transaction.atomic(durable=True)
def copy_variant_edit(
    *,
    actor: Actor,
    variant_id: int,
    data: dict[str, Any],
    reviewer_edit: bool = False,
) -> CopyVariant:
    """Save an edit (an autosave). Every edit is kept as a version with its author and time;
    autosaves within one editing session update that session's version. The author edits copy
    that is with them (``copy.write``); a reviewer edits copy in review (``review.decide``)."""
    action = Action.REVIEW if reviewer_edit else Action.WRITE_COPY
    variant = access_variant_for_update(actor, variant_id, action=action)
    draft = access_draft_for_update(actor, variant.draft_id, action=action)
    _check_editable(draft, reviewer_edit=reviewer_edit)
    workspace = actor.workspace
    spec = spec_checked(workspace, draft.copy_type)
    clean = channels.normalise(spec, data)
    if clean == channels.normalise(spec, variant.data):
        return variant
    # The edit is checked as generated copy is: claims the facts do not support are flagged
    # (never removed from what a person typed), and notes follow the new text.
    product = selectors.product_for_copy(workspace=workspace, product_id=draft.product_id)
    setting = setting_for(workspace, spec, product, CopyBrief.from_params(draft.brief or {}))
    checked = generation.recheck(setting, clean)
    variant.data = clean
    variant.claims = checked.claims
    variant.notes = generation.brief_notes(
        setting, channels.html_text(channels.render(spec, clean))
    )
    variant.save(update_fields=["data", "claims", "notes", "updated_at"])
    source = VersionSource.REVIEWER_EDIT if reviewer_edit else VersionSource.EDITED
    latest = variant.versions.first()
    recent = timezone.now() - timedelta(seconds=EDIT_SESSION_SECONDS)
    if (
        latest
        and latest.author_id == actor.user.pk
        and latest.source == source
        and latest.updated_at >= recent
    ):
        latest.data = clean
        latest.save(update_fields=["data", "updated_at"])
    else:
        CopyVersion.objects.create(
            workspace=workspace, variant=variant, data=clean, source=source, author=actor.user
        )
    draft.save(update_fields=["updated_at"])
    return variant


def copy_variant_regenerate(*, actor: Actor, variant_id: int, feedback: str) -> CopyVariant:
    """Rewrite one variant with the writer's feedback ("shorter, mention the recycled fabric").

    The model is called outside a transaction; the draft is locked and checked again before the
    new text is saved."""
    actor.require(Action.WRITE_COPY)
    workspace = actor.workspace
    feedback = feedback.strip()
    if not feedback:
        raise ServiceError("Say what should change.", field="feedback")
    variant = (
        CopyVariant.objects.for_workspace(workspace)
        .select_related("draft")
        .filter(pk=variant_id)
        .first()
    )
    if variant is None:
        raise ServiceError(VARIANT_MISSING, code="not_found")
    draft = variant.draft
    _check_editable(draft)
    spec = spec_checked(workspace, draft.copy_type)
    brief = CopyBrief.from_params(draft.brief or {"copy_types": [draft.copy_type]})
    product = selectors.product_for_copy(workspace=workspace, product_id=draft.product_id)
    key = f"regenerate:{variant.pk}:{timezone.now().timestamp()}"
    billing.credits_reserve(workspace=workspace, key=key, kind=CREDIT_KIND, units=1)
    try:
        setting = setting_for(
            workspace, spec, product, brief, feedback=feedback, previous=dict(variant.data)
        )
        generated = generate(
            workspace, actor.user, setting, 1, seed=variant.versions.count() + variant.pk
        )[0]
    except GatewayError:
        billing.credits_release(workspace=workspace, key=key, reason="generation failed")
        raise
    try:
        with transaction.atomic(durable=True):
            locked = access_draft_for_update(actor, draft.pk)
            _check_editable(locked)
            for name, value in variant_fields(generated).items():
                setattr(variant, name, value)
            variant.save()
            CopyVersion.objects.create(
                workspace=workspace,
                variant=variant,
                data=generated.data,
                source=VersionSource.REGENERATED,
                feedback=feedback,
                author=actor.user,
            )
    except ServiceError:
        billing.credits_release(workspace=workspace, key=key, reason="the draft moved on")
        raise
    billing.credits_settle(workspace=workspace, key=key)
    return variant


@transaction.atomic(durable=True)
def copy_variant_choose(*, actor: Actor, variant_id: int) -> CopyDraft:
    """The variant the author will submit."""
    variant = access_variant_for_update(actor, variant_id)
    draft = access_draft_for_update(actor, variant.draft_id)
    _check_editable(draft)
    draft.chosen_variant = variant
    draft.save(update_fields=["chosen_variant", "updated_at"])
    return draft
