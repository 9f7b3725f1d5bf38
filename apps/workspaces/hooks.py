"""What other apps add to a workspace's life, registered from their ``AppConfig.ready()``.

The workspaces app sits below billing and the workflows, so it cannot call them. Instead they
register here: a function run when a workspace is created (billing opens its account), and a
guard asked before anyone is invited (billing refuses when the plan's seats are used up; a
guard refuses by raising :class:`apps.core.errors.ServiceError`).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.workspaces.models import Workspace

WorkspaceCreated = Callable[["Workspace"], None]
InvitationGuard = Callable[["Workspace", str], None]

_created: dict[str, WorkspaceCreated] = {}
_invitation_guards: dict[str, InvitationGuard] = {}


def on_workspace_created(key: str, hook: WorkspaceCreated) -> None:
    """Run ``hook(workspace)`` inside the transaction that creates a workspace."""
    _created[key] = hook


def guard_invitations(key: str, guard: InvitationGuard) -> None:
    """Ask ``guard(workspace, email)`` before an invitation is sent; it raises to refuse."""
    _invitation_guards[key] = guard


def workspace_created(workspace: "Workspace") -> None:
    for hook in _created.values():
        hook(workspace)


def invitation_check(workspace: "Workspace", email: str) -> None:
    for guard in _invitation_guards.values():
        guard(workspace, email)
