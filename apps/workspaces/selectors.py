from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.workspaces.actors import Actor
from apps.workspaces.dashboards import first_steps
from apps.workspaces.models import Invitation, Membership, Workspace
from apps.workspaces.rules import assignable_roles, member_change_refusal


def membership_for_user(*, user: User, slug: str) -> Membership | None:
    """The user's membership in the workspace at ``slug``; None for strangers and unknown slugs."""
    return (
        Membership.objects.all_workspaces()
        .select_related("workspace", "user")
        .filter(user=user, workspace__slug=slug)
        .first()
    )


def membership_list_for_user(*, user: User) -> list[Membership]:
    """Every workspace the user belongs to (the switcher); scoped by the user, not a workspace."""
    return list(
        Membership.objects.all_workspaces()
        .select_related("workspace")
        .filter(user=user)
        .order_by("workspace__name")
    )


def membership_list(*, workspace: Workspace) -> list[Membership]:
    return list(
        Membership.objects.for_workspace(workspace).select_related("user").order_by("user__email")
    )


@dataclass(frozen=True)
class MemberRow:
    """A row of the member list with what the viewer may do to it."""

    member: Membership
    is_you: bool
    may_change_role: bool
    may_remove: bool
    role_choices: list[tuple[str, str]]


def member_row(*, actor: Actor, member: Membership) -> MemberRow:
    is_you = member.user_id == actor.user.pk
    may_manage = not is_you and member_change_refusal(actor, member, new_role=None) is None
    return MemberRow(
        member=member,
        is_you=is_you,
        may_change_role=may_manage,
        may_remove=may_manage,
        role_choices=assignable_roles(actor) if may_manage else [],
    )


def member_rows(*, actor: Actor) -> list[MemberRow]:
    return [
        member_row(actor=actor, member=member)
        for member in membership_list(workspace=actor.workspace)
    ]


def membership_get(*, workspace: Workspace, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.for_workspace(workspace).select_related("user"), pk=membership_id
    )


def invitation_list_open(*, workspace: Workspace) -> list[Invitation]:
    return list(
        Invitation.objects.for_workspace(workspace)
        .select_related("invited_by")
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
    )


def invitation_get(*, workspace: Workspace, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation.objects.for_workspace(workspace), pk=invitation_id)


def _open_invitations(workspace: Workspace) -> QuerySet[Invitation]:
    return Invitation.objects.for_workspace(workspace).filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def workspace_overview(*, workspace: Workspace) -> dict:
    """Figures for the owner's and admin's dashboard."""
    members = Membership.objects.for_workspace(workspace)
    return {
        "member_count": members.count(),
        "open_invitation_count": _open_invitations(workspace).count(),
    }


def team_invited(workspace: Workspace) -> bool:
    """The first step "invite the team": someone besides the creator is in it or invited."""
    return (
        Membership.objects.for_workspace(workspace).count() > 1
        or _open_invitations(workspace).exists()
    )


@dataclass(frozen=True)
class FirstStepRow:
    label: str
    hint: str
    done: bool
    url: str  # empty when this member may not take the step


def first_step_rows(*, actor: Actor) -> list[FirstStepRow]:
    """The new workspace's checklist, each step ticked from the workspace's own data; an empty
    list once every step is done (the dashboard then shows only the work)."""
    rows = [
        FirstStepRow(
            label=step.label,
            hint=step.hint,
            done=step.done(actor.workspace),
            url=reverse(step.url_name, kwargs={"slug": actor.workspace.slug})
            if actor.can(step.action)
            else "",
        )
        for step in first_steps()
    ]
    return [] if all(row.done for row in rows) else rows
