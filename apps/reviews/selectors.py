from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.reviews.lifecycle import ReviewState
from apps.reviews.models import Reviewable, ReviewEvent
from apps.workspaces.models import Workspace


def review_state_counts(work: QuerySet[Any]) -> dict[str, int]:
    """How many of ``work`` (reviewable rows, already scoped) are in each review state; every
    state is present, with 0 where none are."""
    counts = dict.fromkeys(ReviewState.values, 0)
    for row in work.values("review_state").annotate(n=Count("pk")).order_by():
        counts[row["review_state"]] = row["n"]
    return counts


def review_history(*, workspace: Workspace, subject: Reviewable) -> list[ReviewEvent]:
    return list(
        ReviewEvent.objects.for_workspace(workspace)
        .filter(content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk)
        .select_related("actor")
    )


def review_histories(
    *, workspace: Workspace, model: type[Reviewable], ids: list[int]
) -> dict[int, list[ReviewEvent]]:
    """Histories of many subjects of one model in one query."""
    histories: dict[int, list[ReviewEvent]] = {pk: [] for pk in ids}
    events = (
        ReviewEvent.objects.for_workspace(workspace)
        .filter(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
        .select_related("actor")
    )
    for event in events:
        histories[event.object_id].append(event)
    return histories


# Ages of work waiting for review, as the review desks group them (upper bounds in hours).
AGE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("under a day", 24),
    ("1–3 days", 72),
    ("over 3 days", None),
)


@dataclass(frozen=True)
class AgeBucket:
    label: str
    count: int


def waiting_by_age(queue: QuerySet[Any], *, now: datetime | None = None) -> list[AgeBucket]:
    """How much of ``queue`` (reviewable work in review) has waited how long since it was
    submitted, youngest bucket first; counted in the database, one query."""
    now = now or timezone.now()
    aggregates: dict[str, Any] = {}
    lower: float = 0
    for n, (_, upper) in enumerate(AGE_BUCKETS):
        condition = Q(submitted_at__lte=now - timedelta(hours=lower))
        if upper is not None:
            condition &= Q(submitted_at__gt=now - timedelta(hours=upper))
        if n == 0:
            condition |= Q(submitted_at__isnull=True)  # never stamped: count it as fresh
        aggregates[f"b{n}"] = Count("pk", filter=condition)
        lower = upper or 0
    counts = queue.aggregate(**aggregates)
    return [AgeBucket(label, counts[f"b{n}"]) for n, (label, _) in enumerate(AGE_BUCKETS)]
