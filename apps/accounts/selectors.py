from allauth.mfa.models import Authenticator

from apps.accounts.models import User, UserPreferences


def user_has_totp(*, user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def user_verified_emails(*, user: User) -> set[str]:
    from allauth.account.models import EmailAddress

    return {
        address.lower()
        for address in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }


def user_preferences_get(*, user: User) -> UserPreferences:
    """The person's preferences; the defaults (unsaved) until they change one."""
    return UserPreferences.objects.filter(user=user).first() or UserPreferences(user=user)
