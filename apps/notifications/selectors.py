from django.core.paginator import Page, Paginator
from django.shortcuts import get_object_or_404

from apps.accounts.models import User
from apps.notifications.kinds import DEFAULT_DELIVERY, Kind
from apps.notifications.models import Notification, NotificationPreference
from apps.workspaces.models import Workspace


def notification_page(
    *, workspace: Workspace, user: User, page: int | str = 1, per_page: int = 25
) -> Page:
    notifications = Notification.objects.for_workspace(workspace).filter(recipient=user)
    return Paginator(notifications, per_page).get_page(page)


def notification_unread_count(*, workspace: Workspace, user: User) -> int:
    return (
        Notification.objects.for_workspace(workspace)
        .filter(recipient=user, read_at__isnull=True)
        .count()
    )


def notification_get(*, workspace: Workspace, notification_id: int) -> Notification:
    """The workspace's notification, or 404 (another workspace's is not found)."""
    return get_object_or_404(Notification.objects.for_workspace(workspace), pk=notification_id)


def delivery_preferences(*, user: User) -> dict[str, str]:
    """How the person wants each kind e-mailed, defaults filled in."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, DEFAULT_DELIVERY[kind]) for kind in Kind.values}
