"""The one review lifecycle that copy and photos share.

    draft ──submit──▶ in review ──approve──▶ approved ──publish──▶ published
      ▲                 │  │
      └──withdraw───────┘  ├──request changes──▶ changes requested ──resubmit──▶ in review
                           └──reject──▶ rejected

Who may take a transition is decided by role: the author's side needs the domain's "make"
action (``copy.write`` for copy, ``photos.edit`` for photos); the reviewer's side needs
``review.decide``. Anything else is refused with a message that says what is allowed.
"""

from dataclasses import dataclass

from django.db import models

from apps.workspaces.roles import Action, role_can


class ReviewState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REJECTED = "rejected", "Rejected"
    PUBLISHED = "published", "Published"


class ReviewDecision(models.TextChoices):
    SUBMIT = "submit", "Submitted for review"
    WITHDRAW = "withdraw", "Withdrawn from review"
    APPROVE = "approve", "Approved"
    REQUEST_CHANGES = "request_changes", "Changes requested"
    REJECT = "reject", "Rejected"
    RESUBMIT = "resubmit", "Resubmitted"
    PUBLISH = "publish", "Published"
    COMMENT = "comment", "Commented"


AUTHOR = "author"
REVIEWER = "reviewer"

# What a button that takes the decision says: an action, not the state it leads to.
ACTION_LABELS = {
    ReviewDecision.SUBMIT: "Submit for review",
    ReviewDecision.WITHDRAW: "Withdraw from review",
    ReviewDecision.APPROVE: "Approve",
    ReviewDecision.REQUEST_CHANGES: "Request changes",
    ReviewDecision.REJECT: "Reject",
    ReviewDecision.RESUBMIT: "Resubmit for review",
    ReviewDecision.PUBLISH: "Mark published",
    ReviewDecision.COMMENT: "Comment",
}


@dataclass(frozen=True)
class Transition:
    decision: ReviewDecision
    source: ReviewState
    target: ReviewState
    side: str  # AUTHOR or REVIEWER
    needs_comment: bool = False

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.decision]


TRANSITIONS: tuple[Transition, ...] = (
    Transition(ReviewDecision.SUBMIT, ReviewState.DRAFT, ReviewState.IN_REVIEW, AUTHOR),
    Transition(ReviewDecision.WITHDRAW, ReviewState.IN_REVIEW, ReviewState.DRAFT, AUTHOR),
    Transition(ReviewDecision.APPROVE, ReviewState.IN_REVIEW, ReviewState.APPROVED, REVIEWER),
    Transition(
        ReviewDecision.REQUEST_CHANGES,
        ReviewState.IN_REVIEW,
        ReviewState.CHANGES_REQUESTED,
        REVIEWER,
        needs_comment=True,
    ),
    Transition(ReviewDecision.REJECT, ReviewState.IN_REVIEW, ReviewState.REJECTED, REVIEWER),
    Transition(
        ReviewDecision.RESUBMIT, ReviewState.CHANGES_REQUESTED, ReviewState.IN_REVIEW, AUTHOR
    ),
    Transition(ReviewDecision.PUBLISH, ReviewState.APPROVED, ReviewState.PUBLISHED, REVIEWER),
)
# States in which the author may still edit the work.
EDITABLE_STATES = frozenset({ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED})


class TransitionRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def transition_for(state: str, decision: str) -> Transition:
    for transition in TRANSITIONS:
        if transition.source == state and transition.decision == decision:
            return transition
    allowed = [t.decision.label.lower() for t in TRANSITIONS if t.source == state]
    state_label = ReviewState(state).label.lower() if state in ReviewState.values else state
    decision_label = (
        ReviewDecision(decision).label.lower() if decision in ReviewDecision.values else decision
    )
    raise TransitionRefused(
        f"Work that is {state_label} cannot be {decision_label}"
        + (f"; it can be: {', '.join(allowed)}." if allowed else "; it is final.")
    )


def check_transition(
    *, state: str, decision: str, role: str, author_action: Action, comment: str = ""
) -> Transition:
    """The transition, or TransitionRefused saying why it is not allowed."""
    transition = transition_for(state, decision)
    needed = author_action if transition.side == AUTHOR else Action.REVIEW
    if not role_can(role, needed):
        raise TransitionRefused(
            f"Your role may not do this: {transition.decision.label.lower()} needs the right to "
            f"{needed.label.lower()}."
        )
    if transition.needs_comment and not comment.strip():
        raise TransitionRefused("Say what should change: a comment is required.")
    return transition


def decisions_available(*, state: str, role: str, author_action: Action) -> list[Transition]:
    return [
        t
        for t in TRANSITIONS
        if t.source == state
        and role_can(role, author_action if t.side == AUTHOR else Action.REVIEW)
    ]
