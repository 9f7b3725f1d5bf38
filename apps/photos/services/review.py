"""Photo review: the photo studio's outputs are one kind of work on the review seam
(:mod:`apps.reviews.services`), registered here as ``photo``.

The seam locks the output, checks the move against the actor's role (the author's side needs
``photos.edit``, the reviewer's ``review.decide``), records it, rolls the product's photo status
up through the catalog and emits ``photo.submitted`` / ``approved`` / ``returned`` /
``rejected`` after commit, with the shared payload plus the output's preset and image.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from apps.photos.events import PhotoEvent
from apps.photos.models import PhotoOutput
from apps.reviews.lifecycle import ReviewDecision
from apps.reviews.registry import register_reviewable
from apps.reviews.services import BulkOutcome, review_decide, review_decide_many
from apps.workspaces.actors import Actor
from apps.workspaces.roles import Action

KIND = "photo"
OUTPUT_MISSING = "This photo no longer exists."


def photo_review_decide(
    *, actor: Actor, output_id: int, decision: str, comment: str = ""
) -> PhotoOutput:
    """One move of the shared review lifecycle (submit, withdraw, approve, request changes,
    reject, resubmit, publish) on one output; the actor's role decides what is allowed."""
    output = review_decide(
        actor=actor, kind=KIND, object_id=output_id, decision=decision, comment=comment
    )
    assert isinstance(output, PhotoOutput)
    return output


def photo_outputs_submit(*, actor: Actor, output_ids: list[int]) -> BulkOutcome:
    """Submit several outputs for review: each on its own (one that cannot go is reported by
    name and never holds the others back), as every bulk decision of the review seam."""
    return review_decide_many(
        actor=actor, kind=KIND, ids=output_ids, decision=ReviewDecision.SUBMIT
    )


def _event_payload(output: PhotoOutput) -> dict[str, Any]:
    return {
        "preset": output.preset,
        "image_url": reverse(
            "photo_output_image",
            kwargs={"slug": output.workspace.slug, "photo_output_id": output.pk},
        ),
    }


def _url_of(output: PhotoOutput) -> str:
    return reverse(
        "photo_output_detail", kwargs={"slug": output.workspace.slug, "photo_output_id": output.pk}
    )


def _name_of(output: PhotoOutput) -> str:
    return f"“{output.photo.original_name}”"


def register() -> None:
    """Called from the photo studio's ``ready()``."""
    register_reviewable(
        kind=KIND,
        model=PhotoOutput,
        author_action=Action.EDIT_PHOTOS,
        label="photo",
        missing=OUTPUT_MISSING,
        work="photo",
        event_choices=PhotoEvent.choices,
        event_payload=_event_payload,
        url_of=_url_of,
        name_of=_name_of,
        author_of=lambda output: output.created_by_id,
        related=("product", "workspace", "photo"),
    )
