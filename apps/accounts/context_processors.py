from django.http import HttpRequest

from apps.accounts.selectors import user_preferences_get


def interface_preferences(request: HttpRequest) -> dict:
    """``keyboard_shortcuts`` for ``<body data-shortcuts>``: the front end binds single-key
    shortcuts only when it is on (static/js/atelier.js). On for visitors: nothing to turn off."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"keyboard_shortcuts": True}
    return {"keyboard_shortcuts": user_preferences_get(user=user).keyboard_shortcuts}
