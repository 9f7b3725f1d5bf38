from django import forms

from apps.billing.plans import PlanCode


class PlanChoiceForm(forms.Form):
    plan = forms.ChoiceField(choices=PlanCode.choices)
