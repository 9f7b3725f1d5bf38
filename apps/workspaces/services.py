"""Writes for workspaces, memberships and invitations.

Services that act inside a workspace take the acting member (``actor=``) and check what the actor
may do themselves; each top-level service is one durable transaction."""

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
from apps.core import events, trail
from apps.core.errors import ServiceError
from apps.core.trail import RequestOrigin
from apps.workspaces import hooks, tasks  # tasks imports this module back, lazily used
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.audit_actions import AuditAction
from apps.workspaces.events import WorkspaceEvent
from apps.workspaces.models import Invitation, Membership, Workspace, new_invitation_nonce
from apps.workspaces.roles import Action, Role
from apps.workspaces.rules import member_change_refusal

INVITATION_TOKEN_SALT = "atelier.workspaces.invitation"
RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "media", "accounts", "settings"})


# --- Workspaces ---------------------------------------------------------------------------------


def workspace_create(
    *, user: User, name: str, slug: str = "", origin: RequestOrigin | None = None
) -> Workspace:
    """A new workspace with ``user`` as its owner."""
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
        with transaction.atomic(durable=True):
            workspace = Workspace.objects.create(name=name, slug=slug, created_by=user)
            Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
            # The billing account opens now, so the free trial is decided for its creator
            # (one per person) when the workspace is made, not at some later first use.
            hooks.workspace_created(workspace)
            trail.record(
                workspace=workspace,
                user=user,
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


@transaction.atomic(durable=True)
def workspace_update(*, actor: Actor, name: str, require_mfa: bool) -> Workspace:
    actor.require(Action.MANAGE_WORKSPACE)
    workspace = Workspace.objects.select_for_update().get(pk=actor.workspace.pk)
    name = name.strip()
    if not name:
        raise ServiceError("Give the workspace a name.", field="name")
    if require_mfa and not workspace.require_mfa and not user_has_totp(user=actor.user):
        raise ServiceError(
            "Set up two-factor sign-in for your own account first, then require it for the team.",
            field="require_mfa",
        )
    changes: dict[str, list[object]] = {}
    if name != workspace.name:
        changes["name"] = [workspace.name, name]
    if require_mfa != workspace.require_mfa:
        changes["require_mfa"] = [workspace.require_mfa, require_mfa]
    if not changes:
        return workspace
    workspace.name = name
    workspace.require_mfa = require_mfa
    workspace.save(update_fields=["name", "require_mfa"])
    actor.record(AuditAction.WORKSPACE_UPDATED, target=workspace.name, details=changes)
    return workspace


def workspace_record_sign_in(*, actor: Actor) -> None:
    actor.record(AuditAction.WORKSPACE_SIGN_IN, target=actor.workspace.name)


# --- Invitations --------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_TOKEN_SALT)


def invitation_accept_url(invitation: Invitation, *, base_url: str) -> str:
    path = reverse("invitation_accept", kwargs={"token": invitation_token(invitation)})
    return base_url.rstrip("/") + path


@transaction.atomic(durable=True)
def invitation_create(*, actor: Actor, email: str, role: str, base_url: str) -> Invitation:
    """Invite ``email`` with ``role``; an open invitation to the same address is sent again."""
    actor.require(Action.INVITE_MEMBERS)
    workspace = actor.workspace
    email = User.objects.normalize_email(email.strip()).lower()
    if not email or "@" not in email:
        raise ServiceError("Enter the e-mail address of the person to invite.", field="email")
    if role not in Role.values:
        raise ServiceError(f"“{role}” is not a role.", field="role")
    if role == Role.OWNER and not actor.can(Action.MANAGE_OWNERS):
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
        existing.invited_by = actor.user
        existing.save(update_fields=["role", "nonce", "expires_at", "sent_at", "invited_by"])
        invitation, action = existing, AuditAction.INVITATION_RESENT
    else:
        invitation = Invitation.objects.create(
            workspace=workspace,
            email=email,
            role=role,
            invited_by=actor.user,
            expires_at=expires_at,
        )
        action = AuditAction.INVITATION_SENT
    actor.record(action, target=email, details={"role": role})
    transaction.on_commit(
        lambda: tasks.send_invitation_email.delay(
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


@transaction.atomic(durable=True)
def invitation_accept(*, token: str, user: User, origin: RequestOrigin | None = None) -> Membership:
    """Make ``user`` (not yet a member: there is no actor) a member through the link's token."""
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
    if invitation.email.lower() not in user_verified_emails(user=user) | {user.email.lower()}:
        raise ServiceError(
            f"This invitation was sent to {invitation.email}, but you are signed in as "
            f"{user.email}. Sign out and sign in (or sign up) with {invitation.email}.",
            code="wrong_user",
        )
    workspace = invitation.workspace
    membership = Membership.objects.for_workspace(workspace).filter(user=user).first()
    if membership is None:
        membership = Membership.objects.create(workspace=workspace, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    trail.record(
        workspace=workspace,
        user=user,
        action=AuditAction.INVITATION_ACCEPTED,
        target=invitation.email,
        details={"role": membership.role},
        origin=origin,
    )
    events.emit(
        WorkspaceEvent.INVITATION_ACCEPTED,
        workspace_id=workspace.pk,
        key=f"invitation-{invitation.pk}",
        payload={
            "email": invitation.email,
            "role": membership.role,
            "member_user_id": user.pk,
            "invited_by_id": invitation.invited_by_id,
        },
        actor_user_id=user.pk,
    )
    return membership


@transaction.atomic(durable=True)
def invitation_revoke(*, actor: Actor, invitation_id: int) -> Invitation:
    invitation = access_invitation_for_update(actor, invitation_id)
    if invitation.accepted_at:
        raise ServiceError(f"{invitation.email} has already accepted; remove the member instead.")
    if invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    actor.record(AuditAction.INVITATION_REVOKED, target=invitation.email)
    return invitation


# --- Members ------------------------------------------------------------------------------------


def access_invitation_for_update(actor: Actor, invitation_id: int) -> Invitation:
    return access_for_update(
        actor,
        Invitation,
        invitation_id,
        action=Action.INVITE_MEMBERS,
        missing="This invitation no longer exists.",
    )


def access_membership_for_update(actor: Actor, membership_id: int) -> Membership:
    return access_for_update(
        actor,
        Membership.objects.select_related("user"),
        membership_id,
        missing="This person is no longer a member.",
        of=("self",),
    )


def _lock_owners(workspace: Workspace) -> list[Membership]:
    """Lock the owner rows so two concurrent demotions cannot both see 'another owner left'."""
    return list(
        Membership.objects.for_workspace(workspace)
        .select_for_update()
        .filter(role=Role.OWNER)
        .order_by("pk")
    )


@transaction.atomic(durable=True)
def membership_change_role(*, actor: Actor, membership_id: int, role: str) -> Membership:
    if role not in Role.values:
        raise ServiceError(f"“{role}” is not a role.", field="role")
    actor.require(Action.MANAGE_MEMBERS)
    owners = _lock_owners(actor.workspace)
    membership = access_membership_for_update(actor, membership_id)
    if membership.role == role:
        return membership
    refusal = member_change_refusal(actor, membership, new_role=role)
    if refusal:
        raise ServiceError(refusal, code="forbidden")
    if membership.role == Role.OWNER and len(owners) <= 1:
        raise ServiceError(
            f"{membership.user.email} is the last owner. Make someone else an owner first."
        )
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    actor.record(
        AuditAction.MEMBER_ROLE_CHANGED,
        target=membership.user.email,
        details={"from": previous, "to": role},
    )
    return membership


@transaction.atomic(durable=True)
def membership_remove(*, actor: Actor, membership_id: int) -> bool:
    """Remove a member, or let the actor leave. Returns True when the actor left."""
    owners = _lock_owners(actor.workspace)
    membership = access_membership_for_update(actor, membership_id)
    leaving = membership.user_id == actor.user.pk
    if not leaving:
        actor.require(Action.MANAGE_MEMBERS, "Only owners and admins can remove members.")
        refusal = member_change_refusal(actor, membership, new_role=None)
        if refusal:
            raise ServiceError(refusal, code="forbidden")
    if membership.role == Role.OWNER and len(owners) <= 1:
        raise ServiceError(
            f"{membership.user.email} is the last owner and cannot be removed. "
            "Make someone else an owner first."
        )
    email = membership.user.email
    membership.delete()
    actor.record(AuditAction.MEMBER_LEFT if leaving else AuditAction.MEMBER_REMOVED, target=email)
    return leaving
