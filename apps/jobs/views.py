from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from apps.core.views import act
from apps.jobs import selectors, services
from apps.jobs.rules import job_action_refusal
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


@workspace_view(Action.VIEW_WORKSPACE)
def job_list(request: WorkspaceRequest) -> HttpResponse:
    page = selectors.job_page(workspace=request.workspace, page=request.GET.get("page", 1))
    rows = [(job, selectors.job_progress(job=job)) for job in page]
    return render(request, "jobs/job_list.html", {"page": page, "rows": rows})


@workspace_view(Action.VIEW_WORKSPACE)
def job_detail(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get(workspace=request.workspace, job_id=job_id)
    stalled = selectors.job_stalled_count(job=job)
    context = {
        "job": job,
        "progress": selectors.job_progress(job=job),
        "failed_items": selectors.job_item_failed_list(workspace=request.workspace, job=job),
        "stalled": stalled,
        "actions": selectors.job_actions(actor=request.actor, job=job, stalled=stalled),
    }
    return render(request, "jobs/job_detail.html", context)


@workspace_view(Action.VIEW_WORKSPACE)
def job_progress(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    """The progress bar, polled by htmx while the job runs."""
    job = selectors.job_get(workspace=request.workspace, job_id=job_id)
    context = {"job": job, "progress": selectors.job_progress(job=job)}
    response = render(request, "jobs/partials/job_progress.html", context)
    if request.htmx and not job.is_active:
        # The poll that sees the job stop reloads the page once: buttons, status and the failed
        # items then show their final state (and the new bar no longer polls).
        response["HX-Refresh"] = "true"
    return response


def _job_action(
    request: WorkspaceRequest,
    job_id: int,
    service: Callable[..., Any],
    success: str | Callable[[Any], str],
) -> HttpResponse:
    """A button on a job's page. Another workspace's job answers 404 and a member the rule
    refuses 403 before any work; the service refuses them too (its check is the one that
    counts) and says why anything else fails."""
    job = selectors.job_get(workspace=request.workspace, job_id=job_id)
    refusal = job_action_refusal(request.actor, job)
    if refusal:
        raise PermissionDenied(refusal)
    return act(
        request,
        lambda: service(actor=request.actor, job_id=job.pk),
        success=success,
        then="job_detail",
        job_id=job.pk,
    )


@workspace_view(Action.VIEW_WORKSPACE)
@require_POST
def job_cancel(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    return _job_action(
        request, job_id, services.job_cancel, "The job was cancelled; finished items are kept."
    )


@workspace_view(Action.VIEW_WORKSPACE)
@require_POST
def job_pause(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    return _job_action(
        request, job_id, services.job_pause, "The job is paused; resume it to carry on."
    )


@workspace_view(Action.VIEW_WORKSPACE)
@require_POST
def job_resume(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    return _job_action(request, job_id, services.job_resume, "The job carries on.")


@workspace_view(Action.VIEW_WORKSPACE)
@require_POST
def job_retry_failed(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    return _job_action(
        request,
        job_id,
        services.job_retry_failed,
        lambda retried: f"{retried} item(s) will be tried again.",
    )
