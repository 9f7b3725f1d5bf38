from django.db import models


class CopyEvent(models.TextChoices):
    """What the copy review tells listeners (notifications, webhooks). Emitted by the review
    seam (``apps.reviews.services``) as f"copy.{verb}"; registered in ``ready()``."""

    SUBMITTED = "copy.submitted", "Copy submitted for review"
    APPROVED = "copy.approved", "Copy approved"
    RETURNED = "copy.returned", "Copy returned with changes requested"
    REJECTED = "copy.rejected", "Copy rejected"
