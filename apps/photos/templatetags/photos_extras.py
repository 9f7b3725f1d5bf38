from django import template

from apps.imaging import colour
from apps.photos import checker

register = template.Library()


@register.filter
def lab_hex(lab) -> str:
    """#rrggbb of a CIELAB triple (for swatches)."""
    try:
        values = [float(v) for v in lab]
    except (TypeError, ValueError):
        return "#ffffff"
    if len(values) != 3:
        return "#ffffff"
    return colour.hex_of_rgb255(colour.rgb255_of_lab(values))


@register.filter
def swatch_hex(value) -> str:
    """A stored colour, re-validated as #rrggbb (never anything else into an attribute)."""
    try:
        return colour.hex_of_rgb255(colour.rgb255_of_hex(str(value)))
    except ValueError:
        return "#ffffff"


@register.filter
def verdict(report) -> str:
    """ "meets", "needs a look" or "does not meet" for a stored checker report."""
    return checker.verdict_of(report or {})


@register.inclusion_tag("photos/partials/verdict.html")
def verdict_badge(report, label: str = ""):
    return {"verdict": checker.verdict_of(report or {}), "label": label}
