from django.db import models


class PhotoEvent(models.TextChoices):
    """What the photo review tells listeners (notifications, webhooks). Emitted by the review
    seam (``apps.reviews.services``) as f"photo.{verb}"; registered in ``ready()``."""

    SUBMITTED = "photo.submitted", "Photo submitted for review"
    APPROVED = "photo.approved", "Photo approved"
    RETURNED = "photo.returned", "Photo returned with changes requested"
    REJECTED = "photo.rejected", "Photo rejected"
