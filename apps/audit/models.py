from django.conf import settings
from django.db import models

from apps.core.tenancy import TenantModel


class AuditAction(models.TextChoices):
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
    BILLING_PLAN_CHANGED = "billing.plan_changed", "Plan changed"
    BILLING_CREDITS_ADJUSTED = "billing.credits_adjusted", "Credits adjusted"
    MODELS_ROUTE_CHANGED = "models.route_changed", "Model route changed"
    MODELS_KEY_SAVED = "models.key_saved", "Provider key or URL saved"
    MODELS_KEY_REMOVED = "models.key_removed", "Provider key removed"


class AuditEvent(TenantModel):
    """Who did what, when, from where. Append-only: nothing updates or deletes these rows."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept as text too, so the trail still reads after the actor's account is deleted.
    actor_email = models.EmailField(blank=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="audit_ws_created")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action} {self.target}"

    @property
    def details_summary(self) -> str:
        """One line for the trail. PostgreSQL's jsonb does not keep key order, so changes are
        spelled out as "before → after" and other details sorted by name."""
        details = dict(self.details)
        parts = []
        if "from" in details and "to" in details:
            parts.append(f"{details.pop('from')} → {details.pop('to')}")
        for key in sorted(details):
            value = details[key]
            if isinstance(value, list) and len(value) == 2:
                value = f"{value[0]} → {value[1]}"
            parts.append(f"{key}: {value}")
        return "; ".join(parts)
