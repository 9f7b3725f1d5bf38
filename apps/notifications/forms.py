from typing import Any

from django import forms

from apps.notifications.kinds import Delivery, Kind


class PreferencesForm(forms.Form):
    """One choice of e-mail delivery per kind of notification, and the shortcuts switch."""

    keyboard_shortcuts = forms.BooleanField(
        label="Single-key keyboard shortcuts",
        required=False,
        help_text="On the review pages “a” approves and “n” opens the next item. Turn them off "
        "if you press keys by accident or your screen reader needs them.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(label=kind.label, choices=Delivery.choices)
        # The shortcuts switch after the e-mail choices.
        self.order_fields([*Kind.values, "keyboard_shortcuts"])

    def deliveries(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in Kind.values}
