"""Writes for the public API: keys (create, revoke, note their use), and the stored answers of
idempotent requests."""

from __future__ import annotations

import copy
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.api.audit_actions import AuditAction
from apps.api.models import ApiKey, IdempotentRequest
from apps.core.errors import ServiceError
from apps.core.trail import RequestOrigin
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Membership
from apps.workspaces.roles import Action, Role

KEY_PREFIX = "atk_"
# Writing last_used on every request would make each call a write; once a minute is enough to
# tell a live key from a forgotten one.
LAST_USED_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once; only its hash is stored


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def roles_key_may_have(actor: Actor) -> list[Role]:
    """A key's role is at most its creator's: an admin cannot mint an owner's key."""
    return [role for role in Role if role != Role.OWNER or actor.role == Role.OWNER]


@transaction.atomic(durable=True)
def api_key_create(
    *, actor: Actor, name: str, role: str, expires_at: datetime | None = None
) -> IssuedKey:
    """A new key for the actor's workspace, acting with ``role`` in the actor's name."""
    actor.require(Action.MANAGE_API_KEYS)
    name = " ".join(name.split())
    if not name:
        raise ServiceError("Give the key a name, e.g. the tool that will use it.", field="name")
    if role not in {r.value for r in roles_key_may_have(actor)}:
        raise ServiceError(
            f"Your role ({actor.role_label}) may not create a key with that role.", field="role"
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError("The expiry date must be in the future.", field="expires_at")
    prefix = KEY_PREFIX + secrets.token_hex(4)
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        workspace=actor.workspace,
        name=name[:100],
        role=role,
        prefix=prefix,
        secret_hash=secret_hash(secret),
        created_by=actor.user,
        expires_at=expires_at,
    )
    actor.record(
        AuditAction.API_KEY_CREATED,
        target=key.label,
        details={
            "role": role,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return IssuedKey(key=key, secret=secret)


@transaction.atomic(durable=True)
def api_key_revoke(*, actor: Actor, key_id: int) -> ApiKey:
    key = access_for_update(
        actor, ApiKey, key_id, missing="That API key is gone.", action=Action.MANAGE_API_KEYS
    )
    if key.revoked_at is not None:
        raise ServiceError(f"{key.label} was already revoked.")
    key.revoked_at = timezone.now()
    key.revoked_by = actor.user
    key.save(update_fields=["revoked_at", "revoked_by"])
    actor.record(AuditAction.API_KEY_REVOKED, target=key.label, details={"role": key.role})
    return key


def api_key_authenticate(*, secret: str, origin: RequestOrigin) -> tuple[ApiKey, Actor] | None:
    """The key a request's bearer secret names and the actor it stands for, or None: unknown,
    revoked or expired keys, and keys whose creator has left the workspace, authenticate nobody.

    The actor is the creator's membership carrying the key's role (never saved), and ``via``
    names the key, so services check permissions and write the audit trail as for people.
    Notes the time and address of use (at most once a minute per key)."""
    if not secret.startswith(KEY_PREFIX):
        return None
    # Looked up by its hash across workspaces: the secret is what names the workspace.
    key = (
        ApiKey.objects.all_workspaces()
        .select_related("workspace")
        .filter(secret_hash=secret_hash(secret), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if key is None or key.is_expired(now) or key.created_by_id is None:
        return None
    membership = (
        Membership.objects.for_workspace(key.workspace)
        .select_related("user")
        .filter(user_id=key.created_by_id)
        .first()
    )
    if membership is None:
        return None
    membership.workspace = key.workspace
    acting = copy.copy(membership)
    acting.role = key.role
    if (
        key.last_used_at is None
        or now - key.last_used_at >= LAST_USED_RESOLUTION
        or key.last_used_ip != origin.ip_address
    ):
        ApiKey.objects.for_workspace(key.workspace).filter(pk=key.pk).update(
            last_used_at=now, last_used_ip=origin.ip_address
        )
    return key, Actor(membership=acting, origin=origin, via=key.label)


def idempotent_request_find(*, api_key_id: int, key: str) -> IdempotentRequest | None:
    return IdempotentRequest.objects.all_workspaces().filter(api_key_id=api_key_id, key=key).first()


def idempotent_request_begin(
    *, workspace_id: int, api_key_id: int, key: str, fingerprint: str
) -> IdempotentRequest:
    """The row that stands for a request being answered. The caller holds the key's lock."""
    return IdempotentRequest.objects.create(
        workspace_id=workspace_id, api_key_id=api_key_id, key=key, fingerprint=fingerprint
    )


def idempotent_request_finish(
    *, record: IdempotentRequest, status_code: int, content_type: str, body: bytes
) -> None:
    IdempotentRequest.objects.for_workspace(record.workspace_id).filter(pk=record.pk).update(
        status_code=status_code,
        content_type=content_type[:100],
        body=body,
        completed_at=timezone.now(),
    )


def idempotent_request_forget(*, record: IdempotentRequest) -> None:
    """A request that failed on our side (5xx): a retry runs it again."""
    IdempotentRequest.objects.for_workspace(record.workspace_id).filter(pk=record.pk).delete()


def idempotent_requests_expire(*, older_than: timedelta = timedelta(hours=24)) -> int:
    """Forget stored answers after a day (Stripe keeps them 24 hours too)."""
    deleted, _ = (
        IdempotentRequest.objects.all_workspaces()
        .filter(created_at__lt=timezone.now() - older_than)
        .delete()
    )
    return deleted
