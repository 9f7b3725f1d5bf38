"""The workspace's copy settings: description length, Amazon bullet length, default tone."""

from django.db import transaction

from apps.copywriting.models import CopySettings
from apps.core.errors import ServiceError
from apps.workspaces.actors import Actor
from apps.workspaces.roles import Action


@transaction.atomic(durable=True)
def copy_settings_update(
    *,
    actor: Actor,
    description_target_words: int,
    amazon_bullet_max_chars: int,
    default_tone: str = "",
) -> CopySettings:
    actor.require(Action.MANAGE_BRAND)
    if not 30 <= description_target_words <= 600:
        raise ServiceError("Aim for 30 to 600 words.", field="description_target_words")
    if amazon_bullet_max_chars not in (250, 500):
        raise ServiceError(
            "Amazon bullets are 250 or 500 characters.", field="amazon_bullet_max_chars"
        )
    workspace = actor.workspace
    settings_row, _ = CopySettings.objects.for_workspace(workspace).update_or_create(
        workspace=workspace,
        defaults={
            "description_target_words": description_target_words,
            "amazon_bullet_max_chars": amazon_bullet_max_chars,
            "default_tone": default_tone.strip()[:120],
        },
    )
    return settings_row
