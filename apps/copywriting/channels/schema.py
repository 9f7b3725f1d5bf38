"""The structure every kind of copy asks a model for, and its limits in words."""

from __future__ import annotations

from typing import Any

from apps.copywriting.channels.specs import CopySpec

# --- structure for the model --------------------------------------------------------------------


def json_schema(spec: CopySpec) -> dict:
    """The structured output every kind of copy asks a model for, in the strict subset that
    OpenAI's structured outputs (and compatible servers) accept: every property required, no
    additional properties, no length keywords (limits are stated in each field's description
    and in the prompt, and checked on what comes back)."""
    properties: dict[str, Any] = {}
    if spec.code == "product_description":
        properties = {
            "description": {
                "type": "string",
                "description": "One or two short paragraphs, separated by a newline; plain text.",
            },
            "features": {
                "type": "array",
                "items": {"type": "string"},
                "description": "3 to 6 short feature points, plain text, from the facts only.",
            },
        }
    else:
        for f in spec.fields:
            described = f.label + (f" ({f.limit.describe()})" if f.limit else "")
            if f.kind == "lines":
                if f.items:
                    described += f"; {f.items.describe().replace('characters', 'items')}"
                properties[f.name] = {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": described
                    + ("; each item " + f.limit.describe() if f.limit else ""),
                }
            else:
                properties[f.name] = {"type": "string", "description": described}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def describe_limits(spec: CopySpec) -> str:
    lines = []
    for f in spec.fields:
        bits = []
        if f.items:
            bits.append(f.items.describe().replace("characters", "items"))
        if f.limit:
            bits.append(("each " if f.kind == "lines" else "") + f.limit.describe())
        if bits:
            lines.append(f"- {f.label}: {', '.join(bits)}")
    return "\n".join(lines)
