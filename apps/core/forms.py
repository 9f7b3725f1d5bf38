"""The one form-rendering path: Django's own field templates, with Bootstrap's classes.

``{{ form }}`` renders ``templates/forms/form.html``; ``{{ form.field.as_field_group }}`` renders
one field with its label, help and errors (``templates/forms/field.html``); ``{{ form.field }}``
renders the bare widget, already carrying Bootstrap's class. Set as ``FORM_RENDERER``, so our
forms and allauth's render the same way without a tag or a partial in every template.
"""

from typing import Any

from django.forms import BoundField, Widget
from django.forms.renderers import TemplatesSetting

_CHECKS = {"checkbox", "radio", "checkboxselectmultiple", "radioselect"}
_SELECTS = {"select", "selectmultiple", "nullbooleanselect"}


def widget_css_class(widget_type: str) -> str:
    if widget_type in _CHECKS:
        return "form-check-input"
    if widget_type in _SELECTS:
        return "form-select"
    return "form-control"


class BootstrapBoundField(BoundField):
    def build_widget_attrs(self, attrs: dict[str, Any], widget: Widget | None = None) -> dict:
        attrs = super().build_widget_attrs(attrs, widget)
        # Django's own forms (the admin's) keep the admin's styling.
        if type(self.form).__module__.startswith("django."):
            return attrs
        widget = widget or self.field.widget
        classes = str(attrs.get("class") or widget.attrs.get("class") or "").split()
        wanted = widget_css_class(self.widget_type)
        if wanted not in classes and not widget.is_hidden:
            classes.append(wanted)
        if self.errors and "is-invalid" not in classes:
            classes.append("is-invalid")
        if classes:
            attrs["class"] = " ".join(classes)
        return attrs


class AtelierFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = BootstrapBoundField
