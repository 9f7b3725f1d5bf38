"""Who may change whose membership: one rule read by the services and the member list."""

from typing import TYPE_CHECKING

from apps.workspaces.roles import Action, Role

if TYPE_CHECKING:
    from apps.workspaces.actors import Actor
    from apps.workspaces.models import Membership


def member_change_refusal(
    actor: "Actor", member: "Membership", *, new_role: str | None
) -> str | None:
    """Why ``actor`` may not give ``member`` the role ``new_role`` (or remove them, when
    ``new_role`` is None); None when they may."""
    if not actor.can(Action.MANAGE_MEMBERS):
        return f"Your role ({actor.role_label}) may not change other members."
    touches_owner = member.role == Role.OWNER or new_role == Role.OWNER
    if touches_owner and not actor.can(Action.MANAGE_OWNERS):
        return "Only an owner can make or unmake owners."
    return None


def assignable_roles(actor: "Actor") -> list[tuple[str, str]]:
    """The roles ``actor`` may hand out (owners only by owners)."""
    return [
        (value, label)
        for value, label in Role.choices
        if value != Role.OWNER or actor.can(Action.MANAGE_OWNERS)
    ]
