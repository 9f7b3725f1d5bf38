from django.db import migrations, models


def unmark_automatic_defaults(apps, schema_editor):
    # Until now the first profile of a workspace became its default by itself, and the copy
    # studio applied it to every run without anyone choosing it. A default is now something a
    # brand manager marks; nobody marked these, so none stays.
    BrandProfile = apps.get_model("brand", "BrandProfile")
    BrandProfile.objects.filter(is_default=True).update(is_default=False)


class Migration(migrations.Migration):
    dependencies = [("brand", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="brandprofile",
            name="own_names",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="materialtext",
            name="copy_type",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.RunPython(unmark_automatic_defaults, migrations.RunPython.noop),
    ]
