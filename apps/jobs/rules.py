"""Who may act on a job (cancel, pause, resume, retry): one rule, read by the job services
(which refuse) and by the job pages (which show the buttons only to those who may).

Every member may watch a workspace's jobs. Acting on one is for the person who started it and
for owners and admins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.workspaces.roles import Role

if TYPE_CHECKING:
    from apps.jobs.models import Job
    from apps.workspaces.actors import Actor

ROLES_ACTING_ON_ANY_JOB = frozenset({Role.OWNER, Role.ADMIN})
NOT_YOURS = "Only the person who started this job, an owner or an admin can change it."


def job_action_refusal(actor: Actor, job: Job) -> str | None:
    """Why ``actor`` may not act on ``job``; None when they may."""
    if actor.role in ROLES_ACTING_ON_ANY_JOB:
        return None
    if job.created_by_id is not None and job.created_by_id == actor.membership.user_id:
        return None
    return NOT_YOURS
