"""Writes for workspaces, memberships and invitations. Each top-level service is atomic."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.models import User
from apps.accounts.selectors import user_has_totp, user_verified_emails
from apps.core import trail
from apps.core.errors import ServiceError
from apps.core.trail import RequestOrigin
from apps.workspaces import hooks
from apps.workspaces.audit_actions import AuditAction
from apps.workspaces.models import Invitation, Membership, Workspace, new_invitation_nonce
from apps.workspaces.roles import Action, Role, role_can

INVITATION_TOKEN_SALT = "atelier.workspaces.invitation"
RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "media", "accounts", "settings"})


# --- Workspaces ---------------------------------------------------------------------------------


def workspace_create(
    *, actor: User, name: str, slug: str = "", origin: RequestOrigin | None = None
) -> Workspace:
    name = name.strip()
    if not name:
        raise ServiceError("Give the workspace a name.", field="name")
    slug = slugify(slug or name)[:60].strip("-")
    if not slug:
        raise ServiceError(
            "The address needs at least one letter or digit (a-z, 0-9).", field="slug"
        )
    if slug in RESERVED_SLUGS:
        raise ServiceError(f"The address “{slug}” is reserved; choose another.", field="slug")
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(name=name, slug=slug, created_by=actor)
            Membership.objects.create(workspace=workspace, user=actor, role=Role.OWNER)
            # The billing account opens now, so the free trial is decided for its creator
            # (one per person) when the workspace is made, not at some later first use.
            hooks.workspace_created(workspace)
            trail.record(
                workspace=workspace,
                user=actor,
                action=AuditAction.WORKSPACE_CREATED,
                target=workspace.name,
                origin=origin,
            )
    except IntegrityError:
        raise ServiceError(
            f"The address “{slug}” is already taken by another workspace; choose another.",
            field="slug",
            code="duplicate",
        ) from None
    return workspace


@transaction.atomic
def workspace_update(
    *,
    workspace: Workspace,
    actor: User,
    name: str,
    require_mfa: bool,
    origin: RequestOrigin | None = None,
) -> Workspace:
    name = name.strip()
    if not name:
        raise ServiceError("Give the workspace a name.", field="name")
    if require_mfa and not workspace.require_mfa and not user_has_totp(user=actor):
        raise ServiceError(
            "Set up two-factor sign-in for your own account first, then require it for the team.",
            field="require_mfa",
        )
    changes = {}
    if name != workspace.name:
        changes["name"] = [workspace.name, name]
    if require_mfa != workspace.require_mfa:
        changes["require_mfa"] = [workspace.require_mfa, require_mfa]
    if not changes:
        return workspace
    workspace.name = name
    workspace.require_mfa = require_mfa
    workspace.save(update_fields=["name", "require_mfa"])
    trail.record(
        workspace=workspace,
        user=actor,
        action=AuditAction.WORKSPACE_UPDATED,
        target=workspace.name,
        details=changes,
        origin=origin,
    )
    return workspace


def workspace_record_sign_in(
    *, workspace: Workspace, actor: User, origin: RequestOrigin | None = None
) -> None:
    trail.record(
        workspace=workspace,
        user=actor,
        action=AuditAction.WORKSPACE_SIGN_IN,
        target=workspace.name,
        origin=origin,
    )


# --- Invitations --------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_TOKEN_SALT)


def invitation_accept_url(invitation: Invitation, *, base_url: str) -> str:
    path = reverse("invitation_accept", kwargs={"token": invitation_token(invitation)})
    return base_url.rstrip("/") + path


@transaction.atomic
def invitation_create(
    *,
    workspace: Workspace,
    actor: User,
    actor_role: str,
    email: str,
    role: str,
    base_url: str,
    origin: RequestOrigin | None = None,
) -> Invitation:
    """Invite ``email`` with ``role``; an open invitation to the same address is sent again."""
    email = User.objects.normalize_email(email.strip()).lower()
    if not email or "@" not in email:
        raise ServiceError("Enter the e-mail address of the person to invite.", field="email")
    if role not in Role.values:
        raise ServiceError(f"“{role}” is not a role.", field="role")
    if role == Role.OWNER and not role_can(actor_role, Action.MANAGE_OWNERS):
        raise ServiceError("Only an owner can invite another owner.", field="role")
    if Membership.objects.for_workspace(workspace).filter(user__email__iexact=email).exists():
        raise ServiceError(f"{email} is already a member of {workspace.name}.", field="email")
    hooks.invitation_check(workspace, email)  # e.g. the plan's seat limit

    now = timezone.now()
    expires_at = now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    existing = (
        Invitation.objects.for_workspace(workspace)
        .select_for_update()
        .filter(email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if existing:
        # A new nonce voids the old link; the new e-mail carries the only valid one.
        existing.role = role
        existing.nonce = new_invitation_nonce()
        existing.expires_at = expires_at
        existing.sent_at = None
        existing.invited_by = actor
        existing.save(update_fields=["role", "nonce", "expires_at", "sent_at", "invited_by"])
        invitation, action = existing, AuditAction.INVITATION_RESENT
    else:
        invitation = Invitation.objects.create(
            workspace=workspace, email=email, role=role, invited_by=actor, expires_at=expires_at
        )
        action = AuditAction.INVITATION_SENT
    trail.record(
        workspace=workspace,
        user=actor,
        action=action,
        target=email,
        details={"role": role},
        origin=origin,
    )
    from apps.workspaces.tasks import send_invitation_email

    transaction.on_commit(
        lambda: send_invitation_email.delay(
            workspace_id=workspace.pk, invitation_id=invitation.pk, base_url=base_url
        )
    )
    return invitation


def invitation_send_email(*, workspace_id: int, invitation_id: int, base_url: str) -> bool:
    """Send the invitation e-mail once. Returns False when there was nothing to send."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.for_workspace(workspace_id)
            .select_for_update(of=("self",))
            .select_related("workspace", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sent_at or not invitation.is_open:
            return False
        context = {
            "invitation": invitation,
            "workspace": invitation.workspace,
            "inviter": invitation.invited_by,
            "accept_url": invitation_accept_url(invitation, base_url=base_url),
            "role_label": Role(invitation.role).label,
        }
        send_mail(
            subject=f"[Atelier] Join {invitation.workspace.name} as {context['role_label']}",
            message=render_to_string("workspaces/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
        return True


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link names, or a ServiceError that says why the link is no good."""
    max_age = timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=INVITATION_TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ServiceError(
            "This invitation link has expired. Ask the person who invited you for a new one.",
            code="expired",
        ) from None
    except signing.BadSignature:
        raise ServiceError("This invitation link is not valid.", code="invalid") from None
    invitation = (
        Invitation.objects.all_workspaces()
        .select_related("workspace")
        .filter(pk=payload.get("i"), nonce=payload.get("n"))
        .first()
    )
    if invitation is None:
        raise ServiceError(
            "This invitation link was replaced by a newer one or withdrawn.", code="invalid"
        )
    if invitation.accepted_at:
        raise ServiceError("This invitation has already been used.", code="used")
    if invitation.revoked_at:
        raise ServiceError("This invitation was withdrawn.", code="revoked")
    if invitation.is_expired:
        raise ServiceError(
            "This invitation link has expired. Ask the person who invited you for a new one.",
            code="expired",
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, actor: User, origin: RequestOrigin | None = None
) -> Membership:
    invitation = invitation_from_token(token)
    # Lock the row, then check again: two clicks on the same link must not both succeed.
    invitation = (
        Invitation.objects.for_workspace(invitation.workspace_id)
        .select_for_update(of=("self",))
        .select_related("workspace")
        .get(pk=invitation.pk)
    )
    if not invitation.is_open:
        raise ServiceError("This invitation has already been used.", code="used")
    if invitation.email.lower() not in user_verified_emails(user=actor) | {actor.email.lower()}:
        raise ServiceError(
            f"This invitation was sent to {invitation.email}, but you are signed in as "
            f"{actor.email}. Sign out and sign in (or sign up) with {invitation.email}.",
            code="wrong_user",
        )
    workspace = invitation.workspace
    membership = Membership.objects.for_workspace(workspace).filter(user=actor).first()
    if membership is None:
        membership = Membership.objects.create(
            workspace=workspace, user=actor, role=invitation.role
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    trail.record(
        workspace=workspace,
        user=actor,
        action=AuditAction.INVITATION_ACCEPTED,
        target=invitation.email,
        details={"role": membership.role},
        origin=origin,
    )
    return membership


@transaction.atomic
def invitation_revoke(
    *, workspace: Workspace, actor: User, invitation_id: int, origin: RequestOrigin | None = None
) -> Invitation:
    invitation = (
        Invitation.objects.for_workspace(workspace).select_for_update().get(pk=invitation_id)
    )
    if invitation.accepted_at:
        raise ServiceError(f"{invitation.email} has already accepted; remove the member instead.")
    if invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    trail.record(
        workspace=workspace,
        user=actor,
        action=AuditAction.INVITATION_REVOKED,
        target=invitation.email,
        origin=origin,
    )
    return invitation


# --- Members ------------------------------------------------------------------------------------


def _lock_owners(workspace: Workspace) -> list[Membership]:
    """Lock the owner rows so two concurrent demotions cannot both see 'another owner left'."""
    return list(
        Membership.objects.for_workspace(workspace)
        .select_for_update()
        .filter(role=Role.OWNER)
        .order_by("pk")
    )


def _check_may_manage(*, actor_role: str, target: Membership, new_role: str | None) -> None:
    touches_owner = target.role == Role.OWNER or new_role == Role.OWNER
    if touches_owner and not role_can(actor_role, Action.MANAGE_OWNERS):
        raise ServiceError("Only an owner can make or unmake owners.")


@transaction.atomic
def membership_change_role(
    *,
    workspace: Workspace,
    actor: User,
    actor_role: str,
    membership_id: int,
    role: str,
    origin: RequestOrigin | None = None,
) -> Membership:
    if role not in Role.values:
        raise ServiceError(f"“{role}” is not a role.", field="role")
    owners = _lock_owners(workspace)
    membership = (
        Membership.objects.for_workspace(workspace)
        .select_for_update(of=("self",))
        .select_related("user")
        .get(pk=membership_id)
    )
    if membership.role == role:
        return membership
    _check_may_manage(actor_role=actor_role, target=membership, new_role=role)
    if membership.role == Role.OWNER and len(owners) <= 1:
        raise ServiceError(
            f"{membership.user.email} is the last owner. Make someone else an owner first."
        )
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    trail.record(
        workspace=workspace,
        user=actor,
        action=AuditAction.MEMBER_ROLE_CHANGED,
        target=membership.user.email,
        details={"from": previous, "to": role},
        origin=origin,
    )
    return membership


@transaction.atomic
def membership_remove(
    *,
    workspace: Workspace,
    actor: User,
    actor_role: str,
    membership_id: int,
    origin: RequestOrigin | None = None,
) -> None:
    owners = _lock_owners(workspace)
    membership = (
        Membership.objects.for_workspace(workspace)
        .select_for_update(of=("self",))
        .select_related("user")
        .get(pk=membership_id)
    )
    leaving = membership.user_id == actor.pk
    if not leaving:
        _check_may_manage(actor_role=actor_role, target=membership, new_role=None)
    if membership.role == Role.OWNER and len(owners) <= 1:
        raise ServiceError(
            f"{membership.user.email} is the last owner and cannot be removed. "
            "Make someone else an owner first."
        )
    email = membership.user.email
    membership.delete()
    trail.record(
        workspace=workspace,
        user=actor,
        action=AuditAction.MEMBER_LEFT if leaving else AuditAction.MEMBER_REMOVED,
        target=email,
        origin=origin,
    )
