from django.db import models


class AuditAction(models.TextChoices):
    """What the model gateway writes to the audit trail (registered in ``ready()``)."""

    MODELS_ROUTE_CHANGED = "models.route_changed", "Model route changed"
    MODELS_KEY_SAVED = "models.key_saved", "Provider key or URL saved"
    MODELS_KEY_REMOVED = "models.key_removed", "Provider key removed"
    MODELS_MODEL_ADDED = "models.model_added", "Workspace's own model added to the registry"
