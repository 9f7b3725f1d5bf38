from django.http import HttpRequest
from django.urls import reverse

from apps.notifications.selectors import notification_unread_count


def notification_bell(request: HttpRequest) -> dict:
    """The bell in the top bar of workspace pages: the member's unread count there."""
    workspace = getattr(request, "workspace", None)
    membership = getattr(request, "membership", None)
    if workspace is None or membership is None:
        return {}
    unread = notification_unread_count(workspace=workspace, user=membership.user)
    return {
        "notification_bell": {
            "unread": unread,
            "badge": "99+" if unread > 99 else str(unread),
            "url": reverse("notification_list", kwargs={"slug": workspace.slug}),
            "poll_url": reverse("notification_bell", kwargs={"slug": workspace.slug}),
        }
    }
