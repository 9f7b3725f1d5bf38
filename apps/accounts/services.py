from django.db import transaction

from apps.accounts.models import User, UserPreferences


@transaction.atomic
def user_preferences_update(*, user: User, keyboard_shortcuts: bool) -> UserPreferences:
    """Save a person's interface preferences (their own: there is no workspace and no actor)."""
    preferences, _ = UserPreferences.objects.select_for_update().get_or_create(user=user)
    preferences.keyboard_shortcuts = keyboard_shortcuts
    preferences.save(update_fields=["keyboard_shortcuts", "updated_at"])
    return preferences
