from django.db import migrations


def create_search_index(apps, schema_editor):
    # A GIN index over the search vector exists only on PostgreSQL; other databases use LIKE.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS catalog_product_search_gin "
            "ON catalog_product USING gin (search_vector)"
        )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_product_search_gin")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(create_search_index, drop_search_index)]
