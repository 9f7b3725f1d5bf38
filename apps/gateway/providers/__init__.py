"""Layer 1: the general models. One module per provider; the gateway picks them by name.

Adapters are imported lazily so that a vendor SDK is loaded only by the process that uses it.
"""

from __future__ import annotations

from django.db import models
from django.utils.module_loading import import_string

from apps.gateway.providers.base import Provider, ProviderConfig


class ProviderName(models.TextChoices):
    LOCAL = "local", "Local (built in)"
    OPENAI = "openai", "OpenAI or OpenAI-compatible"


PROVIDER_CLASSES: dict[str, str] = {
    ProviderName.LOCAL: "apps.gateway.providers.local.LocalProvider",
    ProviderName.OPENAI: "apps.gateway.providers.openai_adapter.provider.OpenAIProvider",
}

# Providers that take a key and a base URL per workspace.
CONFIGURABLE_PROVIDERS = (ProviderName.OPENAI,)


def build_provider(name: str, config: ProviderConfig) -> Provider:
    try:
        path = PROVIDER_CLASSES[name]
    except KeyError:
        raise ValueError(f"Unknown provider “{name}”.") from None
    return import_string(path)(config)


__all__ = [
    "CONFIGURABLE_PROVIDERS",
    "Provider",
    "ProviderConfig",
    "ProviderName",
    "build_provider",
]
