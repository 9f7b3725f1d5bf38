from django.contrib.contenttypes.models import ContentType

from apps.reviews.models import Reviewable, ReviewEvent
from apps.workspaces.models import Workspace


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
