"""One free trial per person (issue 13): the trials already taken are recorded, oldest
workspace first, so their creators do not get another one."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def record_trials_taken(apps, schema_editor):
    CreditEntry = apps.get_model("billing", "CreditEntry")
    TrialClaim = apps.get_model("billing", "TrialClaim")
    Workspace = apps.get_model("workspaces", "Workspace")
    with_trial = CreditEntry.objects.filter(key="trial").values_list("workspace_id", flat=True)
    claimed = set()
    for workspace in (
        Workspace.objects.filter(pk__in=with_trial, created_by__isnull=False)
        .select_related("created_by")
        .order_by("created_at", "pk")
    ):
        if workspace.created_by_id in claimed:
            continue
        claimed.add(workspace.created_by_id)
        TrialClaim.objects.create(
            user_id=workspace.created_by_id,
            email=(workspace.created_by.email or "").lower(),
            workspace=workspace,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0002_credits_period_start'),
        ('workspaces', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='billingaccount',
            name='trial_note',
            field=models.CharField(blank=True, default='', max_length=300),
        ),
        migrations.CreateModel(
            name='TrialClaim',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.CharField(blank=True, db_index=True, max_length=254)),
                ('email_domain', models.CharField(blank=True, db_index=True, max_length=255)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('user', models.OneToOneField(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('workspace', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='workspaces.workspace')),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.RunPython(record_trials_taken, migrations.RunPython.noop),
    ]
