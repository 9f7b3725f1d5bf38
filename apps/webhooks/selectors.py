from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.shortcuts import get_object_or_404

from apps.webhooks.events import event_label
from apps.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from apps.workspaces.models import Workspace


@dataclass(frozen=True)
class EndpointRow:
    endpoint: WebhookEndpoint
    event_labels: list[str]


def endpoint_list(*, workspace: Workspace) -> list[EndpointRow]:
    return [
        EndpointRow(endpoint=e, event_labels=[event_label(name) for name in e.events])
        for e in WebhookEndpoint.objects.for_workspace(workspace)
    ]


def endpoint_get(*, workspace: Workspace, endpoint_id: int) -> WebhookEndpoint:
    """The workspace's endpoint, or 404 (another workspace's endpoint does not exist here)."""
    return get_object_or_404(WebhookEndpoint.objects.for_workspace(workspace), pk=endpoint_id)


def delivery_page(
    *, workspace: Workspace, endpoint: WebhookEndpoint, page: int | str = 1, per_page: int = 25
) -> Page:
    deliveries = (
        WebhookDelivery.objects.for_workspace(workspace)
        .filter(endpoint=endpoint)
        .select_related("event")
    )
    return Paginator(deliveries, per_page).get_page(page)


def delivery_get(*, workspace: Workspace, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(
        WebhookDelivery.objects.for_workspace(workspace).select_related("event", "endpoint"),
        pk=delivery_id,
    )


def attempt_list(*, delivery: WebhookDelivery) -> list[WebhookAttempt]:
    return list(delivery.attempts.all())
