"""Photo review: outputs submitted and decided through the shared review lifecycle, and the
catalog's photo status of each product kept in step with its outputs."""

from __future__ import annotations

from django.db import transaction

from apps.catalog.models import Product
from apps.core.errors import ServiceError
from apps.photos.models import PhotoOutput
from apps.reviews.lifecycle import ReviewDecision, ReviewState
from apps.reviews.services import review_transition
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action


def product_photo_status_refresh(workspace: Workspace, product_ids: list[int]) -> None:
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
        product_photo_status_refresh(workspace, [output.product_id])
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
    product_photo_status_refresh(
        workspace, [output.product_id for output in outputs if output.product_id]
    )
    return len(outputs)
