from django.db import migrations, models


def extract_existing(apps, schema_editor):
    # Products imported before facts were kept: extract them once from their descriptions.
    from apps.catalog.facts import extract_description_facts

    Product = apps.get_model("catalog", "Product")
    batch = []
    for product in Product.objects.exclude(body_html="").only("pk", "body_html").iterator():
        product.description_facts = extract_description_facts(product.body_html)
        batch.append(product)
        if len(batch) >= 500:
            Product.objects.bulk_update(batch, ["description_facts"])
            batch = []
    if batch:
        Product.objects.bulk_update(batch, ["description_facts"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_list_indexes")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="description_facts",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="product",
            name="description_facts_edited",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(extract_existing, migrations.RunPython.noop),
    ]
