from django.http import HttpRequest
from django.urls import reverse

from apps.billing.selectors import billing_notice
from apps.workspaces.roles import Action, role_can


def billing_banner(request: HttpRequest) -> dict:
    """The plan banner on workspace pages (past due, trial ending, out of credits, cancelled).

    Every member sees why work may be refused; only billing managers get the link to fix it.
    """
    workspace = getattr(request, "workspace", None)
    membership = getattr(request, "membership", None)
    if workspace is None or membership is None:
        return {}
    notice = billing_notice(workspace=workspace)
    if notice is None:
        return {}
    link = ""
    if role_can(membership.role, Action.MANAGE_BILLING):
        link = reverse("billing_overview", kwargs={"slug": workspace.slug})
    return {"billing_notice": notice, "billing_notice_link": link}
