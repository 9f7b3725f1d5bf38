from django.db import models


class AuditAction(models.TextChoices):
    """What the brand app writes to the audit trail (registered in ``ready()``)."""

    VERSION_ACTIVATED = "brand.version_activated", "Brand profile version made active"
    VERSION_ROLLED_BACK = "brand.version_rolled_back", "Brand profile rolled back to a version"
    FINE_TUNE_ROUTED = "brand.fine_tune_routed", "Copy generation routed to a fine-tuned model"
    LIGHTING_ACTIVATED = "brand.lighting_activated", "Brand light version made active"
    LIGHTING_ROLLED_BACK = "brand.lighting_rolled_back", "Brand light rolled back to a version"
