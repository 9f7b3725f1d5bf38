from django.db import models


class BillingEvent(models.TextChoices):
    """What billing tells listeners (notifications, webhooks); registered in ready()."""

    CREDITS_LOW = "credits.low", "Credits are running low"
    PAYMENT_FAILED = "payment.failed", "A payment failed"
