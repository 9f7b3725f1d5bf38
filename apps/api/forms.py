from datetime import datetime, time

from django import forms
from django.utils import timezone

from apps.workspaces.roles import Role


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What will use it, e.g. “PIM sync” or “Shopify script”."
    )
    role = forms.ChoiceField(
        choices=[],
        help_text="The key may do what a member with this role may do (the permission matrix).",
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional. The key stops working at the end of this day.",
    )

    def __init__(self, *args, roles: list[Role], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = [(r.value, r.label) for r in roles]
        role.initial = Role.COPYWRITER

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.max))
