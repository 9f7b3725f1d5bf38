"""The acting member: who is doing something, in which workspace, from where.

A view builds one :class:`Actor` per request (``workspace_view`` sets ``request.actor``) and
passes it to services as ``actor=``. Services decide what the actor may do themselves, so a
service called from a view, a task or a shell answers the same way; rows they change are reached
through :func:`access_for_update`, which scopes to the actor's workspace, locks and refuses in
one place.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models

from apps.core import trail
from apps.core.errors import ServiceError
from apps.core.tenancy import TenantModel
from apps.core.trail import RequestOrigin
from apps.workspaces.roles import Action, Role, role_can

if TYPE_CHECKING:
    from django.http import HttpRequest

    from apps.accounts.models import User
    from apps.workspaces.models import Membership, Workspace


class NotAllowed(ServiceError):
    """The actor's role may not do what was asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="forbidden")


@dataclass(frozen=True)
class Actor:
    membership: "Membership"
    origin: RequestOrigin = field(default_factory=RequestOrigin)
    # How the member acted when not in person, e.g. "API key “PIM sync” (atk_3f9a…)": the key's
    # role is the membership's role, and the trail says which key it was.
    via: str = ""

    @classmethod
    def from_request(cls, request: "HttpRequest", membership: "Membership") -> "Actor":
        return cls(membership=membership, origin=RequestOrigin.from_request(request))

    @property
    def workspace(self) -> "Workspace":
        return self.membership.workspace

    @property
    def user(self) -> "User":
        return self.membership.user

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def can(self, action: Action) -> bool:
        return role_can(self.role, action)

    def require(self, action: Action, message: str = "") -> None:
        """Refuse (``NotAllowed``) unless the actor's role may do ``action``."""
        if not self.can(action):
            raise NotAllowed(
                message or f"Your role ({self.role_label}) may not do this: {action.label.lower()}."
            )

    def record(self, action: str, *, target: str = "", details: dict[str, Any] | None = None):
        """Write a row of the audit trail in the actor's name."""
        if self.via:
            details = {**(details or {}), "via": self.via}
        return trail.record(
            workspace=self.workspace,
            user=self.user,
            action=action,
            target=target,
            details=details,
            origin=self.origin,
        )


def access_for_update[M: TenantModel](
    actor: Actor,
    source: type[M] | models.QuerySet[M],
    pk: int,
    *,
    missing: str,
    action: Action | None = None,
    of: tuple[str, ...] = (),
) -> M:
    """The row ``pk`` of ``source`` in the actor's workspace, locked until the transaction ends.

    Refuses with ``NotAllowed`` when ``action`` is given and the actor's role may not do it, and
    with ``missing`` (code ``not_found``) when the row is gone or belongs to another workspace.
    Call it inside ``transaction.atomic``: the lock is what makes the check and the change one.
    """
    if action is not None:
        actor.require(action)
    queryset: Any = source._default_manager if isinstance(source, type) else source
    row = (
        queryset.for_workspace(actor.workspace).select_for_update(of=of or ()).filter(pk=pk).first()
    )
    if row is None:
        raise ServiceError(missing, code="not_found")
    return row
