from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from apps.accounts.models import User
from apps.audit.models import AuditAction, AuditEvent
from apps.workspaces.models import Workspace


@dataclass(frozen=True)
class RequestOrigin:
    """Where an action came from, taken from the request by the view that performed it."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest | None) -> "RequestOrigin":
        if request is None:
            return cls()
        ip = request.META.get("REMOTE_ADDR") or None
        proxies = settings.AUDIT_TRUSTED_PROXY_COUNT
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if proxies and forwarded:
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            if len(hops) >= proxies:
                ip = hops[-proxies]
        return cls(ip_address=ip, user_agent=request.META.get("HTTP_USER_AGENT", "")[:255])


def audit_record(
    *,
    workspace: Workspace,
    actor: User | None,
    action: AuditAction,
    target: str = "",
    details: dict | None = None,
    origin: RequestOrigin | None = None,
) -> AuditEvent:
    origin = origin or RequestOrigin()
    return AuditEvent.objects.create(
        workspace=workspace,
        actor=actor,
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        target=target[:255],
        details=details or {},
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
    )
