from django.db import models


class AuditAction(models.TextChoices):
    """What the API app writes to the audit trail (registered in ``ready()``). Work done with a
    key is recorded by the services that do it, with ``via`` naming the key."""

    API_KEY_CREATED = "api.key_created", "API key created"
    API_KEY_REVOKED = "api.key_revoked", "API key revoked"
