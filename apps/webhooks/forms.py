from django import forms

from apps.webhooks.events import webhook_event_choices


class EndpointForm(forms.Form):
    # A CharField, not a URLField: the service says what is wrong with an address, in one place.
    url = forms.CharField(
        max_length=500,
        label="Endpoint URL",
        help_text="An https:// address of your server that accepts POST requests.",
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=(), widget=forms.CheckboxSelectMultiple, label="Events to send"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["events"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = webhook_event_choices()
