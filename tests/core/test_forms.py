from django import forms
from django.contrib.auth.forms import AuthenticationForm

from apps.workspaces.forms import WorkspaceSettingsForm


class ExampleForm(forms.Form):
    name = forms.CharField(help_text="What people call it.")
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])
    agree = forms.BooleanField()


def test_a_form_renders_through_the_field_templates_with_bootstrap_classes():
    html = str(ExampleForm())
    assert 'class="form-control"' in html and 'class="form-select"' in html
    assert 'class="form-check-input"' in html
    assert '<label class="form-label" for="id_name">Name</label>' in html
    assert "What people call it." in html


def test_a_field_with_an_error_says_so_beside_the_field():
    form = WorkspaceSettingsForm(data={"name": ""})
    assert not form.is_valid()
    html = form["name"].as_field_group()
    assert "is-invalid" in html and "invalid-feedback" in html


def test_djangos_own_forms_keep_their_styling():
    assert "form-control" not in str(AuthenticationForm())
