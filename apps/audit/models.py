from django.conf import settings
from django.db import models

from apps.core import trail
from apps.core.tenancy import TenantModel


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
    # Codes are registered by the apps that record them (apps.core.trail), not listed here.
    action = models.CharField(max_length=40)
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
    def action_label(self) -> str:
        return trail.action_label(self.action)

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
