from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.core.errors import ServiceError
from apps.jobs import selectors, services
from apps.jobs.access import job_action_view, job_may_act
from apps.jobs.models import Job
from apps.jobs.recovery import job_stalled_count
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
    context = {
        "job": job,
        "progress": selectors.job_progress(job=job),
        "failed_items": selectors.job_item_failed_list(workspace=request.workspace, job=job),
        "stalled": job_stalled_count(job=job),
        "may_act": job_may_act(job=job, membership=request.membership),
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


def _act(request: HttpRequest, job: Job, service, done: str) -> HttpResponse:
    try:
        result = service(workspace=request.workspace, actor=request.user, job_id=job.pk)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done.format(result=result))
    return redirect("job_detail", slug=request.workspace.slug, job_id=job.pk)


@job_action_view
def job_cancel(request: HttpRequest, job: Job) -> HttpResponse:
    return _act(
        request, job, services.job_cancel, "The job was cancelled; finished items are kept."
    )


@job_action_view
def job_pause(request: HttpRequest, job: Job) -> HttpResponse:
    return _act(request, job, services.job_pause, "The job is paused; resume it to carry on.")


@job_action_view
def job_resume(request: HttpRequest, job: Job) -> HttpResponse:
    return _act(request, job, services.job_resume, "The job carries on.")


@job_action_view
def job_retry_failed(request: HttpRequest, job: Job) -> HttpResponse:
    return _act(request, job, services.job_retry_failed, "{result} item(s) will be tried again.")
