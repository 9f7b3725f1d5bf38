"""The audit trail's front door: apps record here, the audit app stores.

Each app registers the actions it records (a ``TextChoices`` of codes and labels) from its
``AppConfig.ready()``; a new action needs no audit migration. The audit app installs the recorder
that writes the row. Recording an action nobody registered is a programming error and raises, so
a misspelt code never reaches the trail.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from apps.accounts.models import User
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


class Recorder(Protocol):
    def __call__(
        self,
        *,
        workspace: "Workspace",
        user: "User | None",
        action: str,
        target: str,
        details: dict[str, Any],
        origin: RequestOrigin,
    ) -> object: ...


_labels: dict[str, str] = {}
_recorder: Recorder | None = None


def register_actions(choices: Iterable[tuple[str, str]]) -> None:
    """Make ``(code, label)`` pairs recordable; an app passes its ``AuditAction.choices``."""
    for code, label in choices:
        if len(code) > 40:
            raise ValueError(f"Audit action code {code!r} is longer than 40 characters.")
        known = _labels.get(code)
        if known is not None and known != label:
            raise ValueError(f"Audit action {code!r} is registered twice with different labels.")
        _labels[code] = str(label)


def install_recorder(recorder: Recorder) -> None:
    global _recorder
    _recorder = recorder


def action_label(code: str) -> str:
    return _labels.get(code, code)


def registered_actions() -> dict[str, str]:
    return dict(_labels)


def record(
    *,
    workspace: "Workspace",
    user: "User | None",
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    origin: RequestOrigin | None = None,
) -> object:
    """Write one row of the trail: who (``user``) did ``action`` to ``target`` in ``workspace``."""
    if action not in _labels:
        raise ValueError(f"Audit action {action!r} is not registered; register it in ready().")
    if _recorder is None:
        raise RuntimeError("No audit recorder is installed; is apps.audit in INSTALLED_APPS?")
    return _recorder(
        workspace=workspace,
        user=user,
        action=action,
        target=target[:255],
        details=details or {},
        origin=origin or RequestOrigin(),
    )
