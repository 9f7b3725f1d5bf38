from django.db import models


class AuditAction(models.TextChoices):
    """What billing writes to the audit trail (registered in ``ready()``)."""

    BILLING_PLAN_CHANGED = "billing.plan_changed", "Plan changed"
    BILLING_CREDITS_ADJUSTED = "billing.credits_adjusted", "Credits adjusted"
