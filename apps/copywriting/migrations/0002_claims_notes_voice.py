import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("copywriting", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="copydraft",
            name="voice_label",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="copydraft",
            name="claims_override_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="copydraft",
            name="claims_override_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="copydraft",
            name="claims_overridden",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="copyvariant",
            name="claims",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="copyvariant",
            name="removed",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="copyvariant",
            name="notes",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
