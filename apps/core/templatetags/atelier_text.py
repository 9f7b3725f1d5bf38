import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "h2", "h3", "h4", "a"}


@register.filter
def sanitized_html(value: str) -> str:
    """Product HTML from a store, cleaned of scripts, event handlers and styles (nh3)."""
    return mark_safe(nh3.clean(value or "", tags=ALLOWED_TAGS, attributes={"a": {"href"}}))
