from typing import cast

from django import forms

from apps.workspaces.roles import Role


class WorkspaceCreateForm(forms.Form):
    name = forms.CharField(max_length=120, label="Company or team name")
    slug = forms.SlugField(
        max_length=60,
        required=False,
        label="Address",
        help_text="Used in links, as /w/your-address/. Leave empty to derive it from the name.",
    )


class WorkspaceSettingsForm(forms.Form):
    name = forms.CharField(max_length=120)
    require_mfa = forms.BooleanField(
        required=False,
        label="Require two-factor sign-in for every member",
        help_text="Members without an authenticator app are asked to set one up before they "
        "can open this workspace.",
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.COPYWRITER)

    def __init__(self, *args, may_invite_owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_invite_owner:
            role_field = cast(forms.ChoiceField, self.fields["role"])
            role_field.choices = [c for c in Role.choices if c[0] != Role.OWNER]


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
