"""Seed the model registry and its first price versions.

Prices are in USD as the providers published them when this was written; site administrators
keep them current in the Django admin (a change is a new price version). Nothing is fetched at
run time. The local models cost nothing: they run on this server.
"""

from decimal import Decimal

from django.db import migrations

TEXT = ["text", "json_schema"]
FINE_TUNABLE = ["text", "json_schema", "fine_tune"]

MODELS = [
    # provider, name, label, capabilities, context window, (input, output, cached) per 1M
    ("local", "local-copy", "Local copywriter", TEXT, None, ("0", "0", "0")),
    ("local", "local-embed", "Local embeddings (hashing)", ["embed"], None, ("0", "0", None)),
    ("openai", "gpt-4.1", "GPT-4.1", FINE_TUNABLE, 1047576, ("2.00", "8.00", "0.50")),
    ("openai", "gpt-4.1-mini", "GPT-4.1 mini", FINE_TUNABLE, 1047576, ("0.40", "1.60", "0.10")),
    ("openai", "gpt-4.1-nano", "GPT-4.1 nano", FINE_TUNABLE, 1047576, ("0.10", "0.40", "0.025")),
    ("openai", "gpt-4o", "GPT-4o", FINE_TUNABLE, 128000, ("2.50", "10.00", "1.25")),
    ("openai", "gpt-4o-mini", "GPT-4o mini", FINE_TUNABLE, 128000, ("0.15", "0.60", "0.075")),
    ("openai", "text-embedding-3-small", "Embeddings 3 small", ["embed"], 8191, ("0.02", "0", None)),
    ("openai", "text-embedding-3-large", "Embeddings 3 large", ["embed"], 8191, ("0.13", "0", None)),
    ("openai", "gpt-image-1", "GPT Image 1", ["image_edit", "image_generate"], None, None),
]

IMAGE_PRICES = {
    "gpt-image-1": {
        "1024x1024/low": "0.011",
        "1024x1024/medium": "0.042",
        "1024x1024/high": "0.167",
        "1024x1536/low": "0.016",
        "1024x1536/medium": "0.063",
        "1024x1536/high": "0.25",
        "1536x1024/low": "0.016",
        "1536x1024/medium": "0.063",
        "1536x1024/high": "0.25",
    }
}


def seed(apps, schema_editor):
    ModelEntry = apps.get_model("gateway", "ModelEntry")
    ModelPrice = apps.get_model("gateway", "ModelPrice")
    for provider, name, label, capabilities, context, prices in MODELS:
        model, created = ModelEntry.objects.get_or_create(
            provider=provider,
            name=name,
            defaults={"label": label, "capabilities": capabilities, "context_window": context},
        )
        if not created:
            continue
        price = ModelPrice(model=model, note="Seeded with the registry")
        if prices:
            price.input_per_million = Decimal(prices[0])
            price.output_per_million = Decimal(prices[1])
            price.cached_input_per_million = Decimal(prices[2]) if prices[2] else None
        price.image_prices = IMAGE_PRICES.get(name, {})
        price.save()
        # Seeded prices count from the start, so usage before the seed date is priced too.
        ModelPrice.objects.filter(pk=price.pk).update(effective_from="2000-01-01T00:00:00Z")


def unseed(apps, schema_editor):
    ModelEntry = apps.get_model("gateway", "ModelEntry")
    ModelPrice = apps.get_model("gateway", "ModelPrice")
    names = [(p, n) for p, n, *_ in MODELS]
    for provider, name in names:
        ModelPrice.objects.filter(model__provider=provider, model__name=name).delete()
        ModelEntry.objects.filter(provider=provider, name=name).delete()


class Migration(migrations.Migration):
    dependencies = [("gateway", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
