"""The review state machine applied to a row: lock it, check the move, record it.

Domain services (``copy_review_decide``, the photo studio's equivalent) call
:func:`review_transition` inside their own transaction and then do what the decision means for
them (an approved copy becomes the product's approved copy, …).
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import ServiceError
from apps.reviews.lifecycle import (
    REVIEWER,
    ReviewDecision,
    TransitionRefused,
    check_transition,
)
from apps.reviews.models import Reviewable, ReviewEvent
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action


def review_transition(
    *,
    workspace: Workspace,
    actor: User,
    actor_role: str,
    subject: Reviewable,
    decision: str,
    author_action: Action,
    comment: str = "",
) -> ReviewEvent:
    """Move ``subject`` (a row already locked with select_for_update by the caller) through
    ``decision``; raise ServiceError with the reason when the move is not allowed."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("review_transition must run inside the caller's transaction")
    try:
        transition = check_transition(
            state=subject.review_state,
            decision=decision,
            role=actor_role,
            author_action=author_action,
            comment=comment,
        )
    except TransitionRefused as refused:
        raise ServiceError(refused.message, code="transition") from None
    now = timezone.now()
    previous = subject.review_state
    subject.review_state = transition.target
    fields = ["review_state"]
    if transition.decision in (ReviewDecision.SUBMIT, ReviewDecision.RESUBMIT):
        subject.submitted_at = now
        fields.append("submitted_at")
    if transition.side == REVIEWER:
        subject.decided_at = now
        fields.append("decided_at")
    subject.save(update_fields=fields)
    return ReviewEvent.objects.create(
        workspace=workspace,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        decision=transition.decision,
        from_state=previous,
        to_state=transition.target,
        comment=comment.strip(),
        actor=actor,
    )


def review_comment(
    *, workspace: Workspace, actor: User, subject: Reviewable, comment: str
) -> ReviewEvent:
    if not comment.strip():
        raise ServiceError("Write a comment first.", field="comment")
    return ReviewEvent.objects.create(
        workspace=workspace,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        decision=ReviewDecision.COMMENT,
        from_state=subject.review_state,
        to_state=subject.review_state,
        comment=comment.strip(),
        actor=actor,
    )
