"""The recorder behind ``apps.core.trail``: installed in ``AuditConfig.ready()``."""

from typing import Any

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.core.trail import RequestOrigin
from apps.workspaces.models import Workspace


def audit_event_write(
    *,
    workspace: Workspace,
    user: User | None,
    action: str,
    target: str,
    details: dict[str, Any],
    origin: RequestOrigin,
) -> AuditEvent:
    return AuditEvent.objects.create(
        workspace=workspace,
        actor=user,
        actor_email=getattr(user, "email", "") or "",
        action=action,
        target=target,
        details=details,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
    )
