from django.http import HttpResponse
from django.shortcuts import render

from apps.audit.selectors import audit_event_page
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


@workspace_view(Action.VIEW_AUDIT)
def audit_event_list(request: WorkspaceRequest) -> HttpResponse:
    page = audit_event_page(workspace=request.workspace, page=request.GET.get("page", 1))
    return render(request, "audit/event_list.html", {"page": page})
