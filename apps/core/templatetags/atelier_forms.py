from django import template
from django.forms import BoundField

register = template.Library()

_CHECKS = {"checkbox", "radio"}


@register.simple_tag
def bootstrap_widget(field: BoundField) -> str:
    """Render a form field's own widget (keeping its attributes) with Bootstrap's classes."""
    widget_type = field.widget_type
    if widget_type in _CHECKS or widget_type == "checkbox":
        css = "form-check-input"
    elif widget_type in {"select", "selectmultiple"}:
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    existing = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})
