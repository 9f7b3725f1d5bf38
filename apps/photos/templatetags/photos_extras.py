from django import template

from apps.photos import colour

register = template.Library()


@register.filter
def lab_hex(lab) -> str:
    """#rrggbb of a CIELAB triple (for swatches)."""
    try:
        return colour.hex_of_rgb255(colour.rgb255_of_lab([float(v) for v in lab]))
    except (TypeError, ValueError):
        return "#ffffff"


@register.filter
def swatch_hex(value) -> str:
    """A stored colour, re-validated as #rrggbb (never anything else into an attribute)."""
    try:
        return colour.hex_of_rgb255(colour.rgb255_of_hex(str(value)))
    except ValueError:
        return "#ffffff"
