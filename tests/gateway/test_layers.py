"""The gateway (layer 4) and its providers (layer 1) know messages, schemas and images, never
products, brands or copy: they import nothing from the apps above them."""

import ast
from dataclasses import fields
from pathlib import Path

from apps.gateway import types

ROOT = Path(__file__).resolve().parents[2] / "apps" / "gateway"
ABOVE = ("apps.catalog", "apps.brand", "apps.copywriting", "apps.photos", "apps.reviews")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_gateway_imports_nothing_from_the_layers_above():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.startswith(ABOVE)
        )
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.parts
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_a_text_request_is_messages_schema_sampling_and_opaque_hints():
    names = {f.name for f in fields(types.TextRequest)}
    assert names == {
        "messages", "n", "json_schema", "temperature", "max_output_tokens", "seed", "hints",
        "cache", "latency_ms",
    }  # fmt: skip
    assert not hasattr(types, "ProductFacts") and not hasattr(types, "BrandRules")
