"""Built-in recipes: one ready-made recipe per sales channel, in code (every workspace has them,
nobody can break them). A workspace edits one by saving a copy (``recipe_copy_builtin``).

A recipe is chosen by a key: ``builtin:<code>`` for these, the saved recipe's id for the
workspace's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apps.core.errors import ServiceError

if TYPE_CHECKING:
    from apps.brand.models import LightingProfile

BUILTIN_PREFIX = "builtin:"


@dataclass(frozen=True)
class BuiltinRecipe:
    code: str
    name: str
    preset: str
    steps: tuple[dict, ...]
    description: str

    @property
    def key(self) -> str:
        return BUILTIN_PREFIX + self.code


_CUTOUT_ON_WHITE = (
    {"op": "remove_background", "params": {}},
    {"op": "exposure", "params": {"ev": "auto"}},
    {"op": "background", "params": {"kind": "white"}},
)

BUILTIN_RECIPES: dict[str, BuiltinRecipe] = {
    recipe.code: recipe
    for recipe in (
        BuiltinRecipe(
            "amazon-main",
            "Amazon main image",
            "amazon-main",
            (
                *_CUTOUT_ON_WHITE,
                {"op": "shadow", "params": {"kind": "contact", "strength": 0.3, "softness": 0.5}},
            ),
            "Cut out, lifted if under-exposed, on pure white (255, 255, 255) with a soft contact "
            "shadow, the product 85% of a 2000×2000 frame.",
        ),
        BuiltinRecipe(
            "shopify-square",
            "Shopify square",
            "shopify-square",
            (
                *_CUTOUT_ON_WHITE,
                {"op": "shadow", "params": {"kind": "contact", "strength": 0.25, "softness": 0.6}},
            ),
            "Cut out on white with a soft contact shadow, 2048×2048 for zoom.",
        ),
        BuiltinRecipe(
            "instagram-portrait",
            "Instagram portrait",
            "instagram-portrait",
            ({"op": "exposure", "params": {"ev": "auto"}},),
            "The photo as shot (its own backdrop), framed 1080×1350 around the product: padded, "
            "never cropped through it.",
        ),
        BuiltinRecipe(
            "instagram-square",
            "Instagram square",
            "instagram-square",
            ({"op": "exposure", "params": {"ev": "auto"}},),
            "The photo as shot, framed 1080×1080 around the product: padded, never cropped "
            "through it.",
        ),
        BuiltinRecipe(
            "google-merchant",
            "Google Merchant Center",
            "google-merchant",
            _CUTOUT_ON_WHITE,
            "Cut out on white, the product 75–90% of a 1500×1500 frame, no text or borders.",
        ),
    )
}


def builtin_for_key(key: str) -> BuiltinRecipe | None:
    if not str(key).startswith(BUILTIN_PREFIX):
        return None
    return BUILTIN_RECIPES.get(str(key)[len(BUILTIN_PREFIX) :])


def uses_light(steps: list[dict[str, Any]]) -> bool:
    """Whether a recipe's steps need a brand's light (relight, its backdrop, its shadow)."""
    for step in steps:
        if step["op"] == "relight":
            return True
        if step["op"] == "background" and step["params"].get("kind") == "profile":
            return True
        if step["op"] == "shadow" and step["params"].get("from_profile"):
            return True
    return False


def require_light(steps: list[dict[str, Any]], profile: LightingProfile | None) -> None:
    """Refuse a recipe that needs a brand's light when there is none to use."""
    if uses_light(steps) and profile is None:
        raise ServiceError(
            "This recipe uses a brand's light, and the chosen brand has none yet (or no brand "
            "was chosen): a brand manager learns one from five or more reference photos on the "
            "brand profile's page.",
            field="brand",
        )
