"""Who may act on a job (cancel, pause, resume, retry): the one place that decides.

Every member may watch a workspace's jobs. Acting on one is for the person who started it and
for owners and admins. :func:`job_action_view` wraps each action view and answers 403 to
anyone else; templates use :func:`job_may_act` only to hide the buttons.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from apps.jobs.models import Job
from apps.jobs.selectors import job_get
from apps.workspaces.access import workspace_view
from apps.workspaces.models import Membership
from apps.workspaces.roles import Action, Role

ROLES_ACTING_ON_ANY_JOB = frozenset({Role.OWNER, Role.ADMIN})


def job_may_act(*, job: Job, membership: Membership) -> bool:
    if membership.role in ROLES_ACTING_ON_ANY_JOB:
        return True
    return job.created_by_id is not None and job.created_by_id == membership.user_id


def job_action_view(view: Callable) -> Callable:
    """A POST-only view acting on the job at ``job_id``: 404 outside the workspace, 403 for a
    member who may not act on it; the view receives the job."""

    @workspace_view(Action.VIEW_WORKSPACE)
    @require_POST
    @wraps(view)
    def wrapped(request: HttpRequest, job_id: int) -> HttpResponse:
        job = job_get(workspace=request.workspace, job_id=job_id)
        if not job_may_act(job=job, membership=request.membership):
            raise PermissionDenied(
                "Only the person who started this job, an owner or an admin can change it."
            )
        return view(request, job)

    return wrapped
