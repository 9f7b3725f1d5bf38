"""The review seam: one way to decide on any kind of reviewable work, alone or in bulk, and one
roll-up of a product's work status.

A kind registers itself with :func:`apps.reviews.registry.register_reviewable`; then

* :func:`review_decide` moves one item (submit, withdraw, approve, request changes, reject,
  resubmit, publish), runs the kind's hooks, rolls the product's status up and emits the
  kind's domain event, all in one transaction (the event is delivered after it commits);
* :func:`review_decide_many` does the same for many items, each in its own transaction, and
  says what happened to each: a refused item never undoes the others;
* :func:`review_work_status_refresh` rolls the status up after work was created outside a
  decision (a job that wrote a draft).

:func:`review_transition` is the bare move on a row the caller has locked; the seam uses it,
and a kind not yet moved onto the seam may call it inside its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.services import product_work_status_set
from apps.core import events
from apps.core.errors import ServiceError
from apps.reviews import rollup
from apps.reviews.lifecycle import (
    REVIEWER,
    ReviewDecision,
    ReviewState,
    TransitionRefused,
    check_transition,
)
from apps.reviews.models import Reviewable, ReviewEvent
from apps.reviews.registry import ReviewableKind, reviewable
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

MAX_BULK = 500


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


# --- the seam: one decision ---------------------------------------------------------------------


def access_reviewable_for_update(actor: Actor, kind: ReviewableKind, object_id: int) -> Reviewable:
    """The item ``object_id`` of ``kind`` in the actor's workspace, locked; refused with the
    kind's ``missing`` message when it is gone. What the actor may do with it is decided by the
    lifecycle (the author's side needs the kind's action, the reviewer's ``review.decide``)."""
    # Reviewable models are tenant models too (CopyDraft, PhotoOutput); the abstract base is not.
    source: Any = kind.model._default_manager.select_related(*kind.related)
    row = access_for_update(actor, source, object_id, missing=kind.missing, of=("self",))
    return cast(Reviewable, row)


@transaction.atomic(durable=True)
def review_decide(
    *,
    actor: Actor,
    kind: str,
    object_id: int,
    decision: str,
    comment: str = "",
    override: bool = False,
) -> Reviewable:
    """One move of the review lifecycle on one item of ``kind``, for ``actor``.

    "submit" on work whose changes were requested is taken as "resubmit". ``override``: the
    author submits although the kind's checks warn (copy: claims the facts do not support); the
    kind records it. Raises ServiceError (nothing written) when the move is not allowed."""
    entry = reviewable(kind)
    subject = access_reviewable_for_update(actor, entry, object_id)
    _decide_locked(actor, entry, subject, decision, comment, override)
    return subject


def _decide_locked(
    actor: Actor,
    entry: ReviewableKind,
    subject: Reviewable,
    decision: str,
    comment: str,
    override: bool,
) -> ReviewEvent:
    if decision == ReviewDecision.SUBMIT and subject.review_state == ReviewState.CHANGES_REQUESTED:
        decision = ReviewDecision.RESUBMIT
    # Whether the move is allowed at all (state, role, comment) is said before the kind's own
    # checks, and nothing the kind's hook writes survives a refusal (the transaction rolls back).
    try:
        check_transition(
            state=subject.review_state,
            decision=decision,
            role=actor.role,
            author_action=entry.author_action,
            comment=comment,
        )
    except TransitionRefused as refused:
        raise ServiceError(refused.message, code="transition") from None
    if entry.prepare is not None:
        comment = entry.prepare(actor, subject, decision, comment, override)
    event = review_transition(
        workspace=actor.workspace,
        actor=actor.user,
        actor_role=actor.role,
        subject=subject,
        decision=decision,
        author_action=entry.author_action,
        comment=comment,
    )
    if entry.on_decided is not None:
        entry.on_decided(actor, subject, event)
    product = entry.product_of(subject)
    if product is not None:
        review_work_status_refresh(
            workspace=actor.workspace, kind=entry.kind, product_ids=[product.pk]
        )
    name = entry.event_name(event.decision)
    if name is not None:
        events.emit(
            name,
            workspace_id=actor.workspace.pk,
            key=f"{entry.kind}-{subject.pk}:{event.pk}",
            payload=review_event_payload(entry, subject, event),
            actor_user_id=actor.user.pk,
        )
    return event


def review_event_payload(
    entry: ReviewableKind, subject: Reviewable, event: ReviewEvent
) -> dict[str, Any]:
    """The payload every review event carries, plus the kind's own keys."""
    product = entry.product_of(subject)
    return {
        "kind": entry.kind,
        "id": subject.pk,
        "product_id": product.pk if product is not None else None,
        "product_handle": product.handle if product is not None else "",
        "product_title": product.title if product is not None else "",
        "author_id": entry.author_of(subject),
        "comment": event.comment,
        "url": entry.url_of(subject),
        **entry.event_payload(subject),
    }


# --- the seam: many decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class ItemOutcome:
    """What one id of a bulk decision did: ``done``, or refused with the ``message``."""

    id: int
    done: bool
    message: str
    name: str = ""  # what the item is ("SEO title for Linen Shirt"); "" when it is gone


@dataclass(frozen=True)
class BulkOutcome:
    decision: str
    items: tuple[ItemOutcome, ...]

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.done)

    @property
    def refused(self) -> int:
        return sum(1 for item in self.items if not item.done)

    @property
    def problems(self) -> list[str]:
        """One line per refused item, naming it: "SEO title for Mystery Item: <why>"."""
        return [
            f"{item.name}: {item.message}" if item.name else item.message
            for item in self.items
            if not item.done
        ]


def review_decide_many(
    *,
    actor: Actor,
    kind: str,
    ids: list[int],
    decision: str,
    comment: str = "",
) -> BulkOutcome:
    """The same decision on many items of ``kind``, each on its own (its own transaction, lock,
    checks, hooks and event), in the order given, each id once. A refused item is reported and
    never undoes the others. Refused as a whole only when there is nothing to do or too much."""
    entry = reviewable(kind)
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise ServiceError(f"Tick the {entry.label}s first.", field="ids")
    if len(unique) > MAX_BULK:
        raise ServiceError(
            f"{len(unique)} {entry.label}s is more than one decision takes ({MAX_BULK}).",
            field="ids",
        )
    label = ReviewDecision(decision).label if decision in ReviewDecision.values else decision
    outcomes = []
    for object_id in unique:
        try:
            subject = review_decide(
                actor=actor, kind=kind, object_id=object_id, decision=decision, comment=comment
            )
        except ServiceError as error:
            outcomes.append(
                ItemOutcome(
                    id=object_id,
                    done=False,
                    message=error.message,
                    name=_name_or_blank(actor, entry, object_id),
                )
            )
        else:
            outcomes.append(
                ItemOutcome(
                    id=object_id, done=True, message=f"{label}.", name=entry.name_of(subject)
                )
            )
    return BulkOutcome(decision=decision, items=tuple(outcomes))


def _name_or_blank(actor: Actor, entry: ReviewableKind, object_id: int) -> str:
    subject = (
        entry.model._default_manager.for_workspace(actor.workspace)  # type: ignore[attr-defined]
        .select_related(*entry.related)
        .filter(pk=object_id)
        .first()
    )
    return entry.name_of(subject) if subject is not None else ""


# --- the roll-up --------------------------------------------------------------------------------


def review_work_status_refresh(*, workspace: Workspace, kind: str, product_ids: list[int]) -> None:
    """Roll each product's status for ``kind`` up from its items' review states (one precedence,
    :mod:`apps.reviews.rollup`) and set it through the catalog. Runs inside the caller's
    transaction (a decision, or the service that created the work)."""
    entry = reviewable(kind)
    ids = sorted({pk for pk in product_ids if pk is not None})
    if not ids:
        return
    states: dict[int, set[str]] = {pk: set() for pk in ids}
    rows = (
        entry.model._default_manager.for_workspace(workspace)  # type: ignore[attr-defined]
        .filter(product_id__in=ids)
        .values_list("product_id", "review_state")
    )
    for product_id, state in rows:
        states[product_id].add(state)
    if entry.extra_states is not None:
        for pk, extra in entry.extra_states(workspace, ids).items():
            if pk in states:
                states[pk] |= extra
    product_work_status_set(
        workspace=workspace,
        work=entry.work,
        statuses={pk: rollup.work_status(found) for pk, found in states.items()},
    )
