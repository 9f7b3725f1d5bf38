from django.db import models


class AuditAction(models.TextChoices):
    """What the webhooks app writes to the audit trail (registered in ``ready()``)."""

    ENDPOINT_CREATED = "webhooks.endpoint_created", "Webhook endpoint added"
    ENDPOINT_UPDATED = "webhooks.endpoint_updated", "Webhook endpoint changed"
    ENDPOINT_DELETED = "webhooks.endpoint_deleted", "Webhook endpoint deleted"
    ENDPOINT_ENABLED = "webhooks.endpoint_enabled", "Webhook endpoint enabled"
    ENDPOINT_DISABLED = "webhooks.endpoint_disabled", "Webhook endpoint disabled"
    SECRET_ROTATED = "webhooks.secret_rotated", "Webhook signing secret rotated"
    REDELIVERED = "webhooks.redelivered", "Webhook delivery sent again"
