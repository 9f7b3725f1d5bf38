"""A product's work status for one kind of work, from the review states of its items.

One precedence for copy and photos alike: the status says what the product waits for first.

    changes requested  >  in review  >  approved (or published)  >  draft  >  none

Changes requested comes first because the work is back with its author; in review next, because
a reviewer owes a decision; approved beats draft because the product has usable work and a newer
draft does not take it away. Rejected items count for nothing.
"""

from collections.abc import Iterable

from apps.catalog.models import WorkStatus
from apps.reviews.lifecycle import ReviewState

PRECEDENCE: tuple[tuple[WorkStatus, frozenset[str]], ...] = (
    (WorkStatus.CHANGES_REQUESTED, frozenset({ReviewState.CHANGES_REQUESTED})),
    (WorkStatus.IN_REVIEW, frozenset({ReviewState.IN_REVIEW})),
    (WorkStatus.APPROVED, frozenset({ReviewState.APPROVED, ReviewState.PUBLISHED})),
    (WorkStatus.DRAFT, frozenset({ReviewState.DRAFT})),
)


def work_status(states: Iterable[str]) -> WorkStatus:
    """The product's status given the review states of its items of one kind."""
    present = set(states)
    for status, counted in PRECEDENCE:
        if present & counted:
            return status
    return WorkStatus.NONE
