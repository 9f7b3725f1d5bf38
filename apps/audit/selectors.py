from django.core.paginator import Page, Paginator

from apps.audit.models import AuditEvent
from apps.workspaces.models import Workspace


def audit_event_page(*, workspace: Workspace, page: int | str = 1, per_page: int = 50) -> Page:
    events = AuditEvent.objects.for_workspace(workspace).select_related("actor")
    return Paginator(events, per_page).get_page(page)


def audit_event_recent(*, workspace: Workspace, limit: int = 5) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_workspace(workspace).select_related("actor")[:limit])
