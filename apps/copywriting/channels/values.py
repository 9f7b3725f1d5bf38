"""Copy data in a spec's shape, and as the text people read."""

from __future__ import annotations

from typing import Any

from apps.copywriting.channels.specs import CopySpec, Field

# --- values ------------------------------------------------------------------------------------


def normalise(spec: CopySpec, data: dict[str, Any]) -> dict[str, Any]:
    """Data in the spec's shape: lists for "lines" fields, strings otherwise."""
    clean: dict[str, Any] = {}
    for f in spec.fields:
        value = data.get(f.name, [] if f.kind == "lines" else "")
        if f.kind == "lines":
            if isinstance(value, str):
                value = value.splitlines()
            clean[f.name] = [str(v).strip().lstrip("•-* ").strip() for v in value if str(v).strip()]
        else:
            clean[f.name] = str(value if value is not None else "").strip()
    return clean


def render(spec: CopySpec, data: dict[str, Any]) -> str:
    """One text for the copy: what is approved, exported and compared with the live copy."""
    data = normalise(spec, data)
    if spec.single_field:
        return data[spec.fields[0].name]
    parts = []
    for f in spec.fields:
        value = data[f.name]
        if f.kind == "lines":
            if len(spec.fields) == 1:
                parts.append("\n".join(value))
            else:
                parts.append(f"{f.label}:\n" + "\n".join(value))
        elif value:
            parts.append(f"{f.label}: {value}")
    return "\n\n".join(parts)


def editable_text(f: Field, value: Any) -> str:
    return "\n".join(value) if f.kind == "lines" else str(value or "")
