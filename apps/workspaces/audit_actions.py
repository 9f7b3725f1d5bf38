from django.db import models


class AuditAction(models.TextChoices):
    """What the workspace app writes to the audit trail (registered in ``ready()``)."""

    WORKSPACE_CREATED = "workspace.created", "Workspace created"
    WORKSPACE_SIGN_IN = "workspace.sign_in", "Signed in to the workspace"
    WORKSPACE_UPDATED = "workspace.updated", "Workspace settings changed"
    INVITATION_SENT = "invitation.sent", "Invitation sent"
    INVITATION_RESENT = "invitation.resent", "Invitation sent again"
    INVITATION_REVOKED = "invitation.revoked", "Invitation revoked"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    MEMBER_ROLE_CHANGED = "member.role_changed", "Role changed"
    MEMBER_REMOVED = "member.removed", "Member removed"
    MEMBER_LEFT = "member.left", "Member left"
