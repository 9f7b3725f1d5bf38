from typing import Any

from django import forms

from apps.gateway.model_settings import MAX_FALLBACKS
from apps.gateway.providers import CONFIGURABLE_PROVIDERS, ProviderName
from apps.gateway.types import TaskKind

USAGE_PERIODS = (7, 30, 90)


class RouteForm(forms.Form):
    """Primary and fallbacks as registry ids; the service checks they fit the task."""

    task = forms.ChoiceField(choices=TaskKind.choices)
    primary = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, MAX_FALLBACKS + 1):
            self.fields[f"fallback_{i}"] = forms.IntegerField(required=False, min_value=1)

    def model_ids(self) -> list[int | None]:
        data = self.cleaned_data
        # Empty selects drop out; the order of the rest is the order of trial.
        return [data.get("primary")] + [
            data.get(f"fallback_{i}") for i in range(1, MAX_FALLBACKS + 1)
        ]


class CredentialForm(forms.Form):
    provider = forms.ChoiceField(choices=[(p.value, p.label) for p in CONFIGURABLE_PROVIDERS])
    api_key = forms.CharField(
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        label="API key",
    )
    base_url = forms.CharField(required=False, max_length=300, strip=True, label="Base URL")


class ProviderForm(forms.Form):
    provider = forms.ChoiceField(choices=ProviderName.choices)


class UsagePeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=[(d, f"Last {d} days") for d in USAGE_PERIODS], coerce=int, required=False
    )

    def days_or_default(self) -> int:
        if self.is_valid() and self.cleaned_data.get("days"):
            return self.cleaned_data["days"]
        return 30
