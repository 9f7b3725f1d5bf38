from django.db import models


class WorkspaceEvent(models.TextChoices):
    """What the workspace app tells listeners (notifications); registered in ready()."""

    INVITATION_ACCEPTED = "invitation.accepted", "An invitation was accepted"
