"""Fine-tuned models belong to the workspace that trained them (issue 13): models already in the
registry from a workspace's fine-tuning run are given to it, and other workspaces' routes to
them are removed."""

import django.db.models.deletion
from django.db import migrations, models




def assign_fine_tuned_models(apps, schema_editor):
    ModelEntry = apps.get_model("gateway", "ModelEntry")
    RouteEntry = apps.get_model("gateway", "RouteEntry")
    FineTuneRun = apps.get_model("brand", "FineTuneRun")
    runs = FineTuneRun.objects.exclude(fine_tuned_model="").order_by("created_at")
    owners = {}
    for name, workspace_id in runs.values_list("fine_tuned_model", "workspace_id"):
        owners.setdefault(name, workspace_id)
    for model in ModelEntry.objects.filter(name__in=list(owners), owner_workspace__isnull=True):
        owner = owners[model.name]
        RouteEntry.objects.filter(model=model).exclude(workspace_id=owner).delete()
        model.owner_workspace_id = owner
        model.save(update_fields=["owner_workspace"])


class Migration(migrations.Migration):

    dependencies = [
        ('gateway', '0002_seed_registry'),
        ('workspaces', '0001_initial'),
        ('brand', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='modelentry',
            name='gateway_model_unique_name',
        ),
        migrations.AddField(
            model_name='modelentry',
            name='owner_workspace',
            field=models.ForeignKey(blank=True, help_text="Set for a workspace's own model (fine-tuned): only that workspace sees it.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace'),
        ),
        migrations.AddConstraint(
            model_name='modelentry',
            constraint=models.UniqueConstraint(condition=models.Q(('owner_workspace__isnull', True)), fields=('provider', 'name'), name='gateway_model_unique_name'),
        ),
        migrations.AddConstraint(
            model_name='modelentry',
            constraint=models.UniqueConstraint(condition=models.Q(('owner_workspace__isnull', False)), fields=('owner_workspace', 'provider', 'name'), name='gateway_model_unique_name_per_owner'),
        ),
        migrations.RunPython(assign_fine_tuned_models, migrations.RunPython.noop),
    ]
