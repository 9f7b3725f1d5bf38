"""What the catalog tells listeners (notifications, webhooks); registered in ready()."""

from django.db import models
from django.db.models import Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from apps.catalog.models import ImportBatch
from apps.catalog.services import IMPORT_JOB_KIND
from apps.core import events
from apps.core.events import Event
from apps.jobs.events import JobEvent
from apps.jobs.models import JobItem, JobItemStatus


class CatalogEvent(models.TextChoices):
    PRODUCT_IMPORTED = "product.imported", "Products were imported"


def tell_when_an_import_finishes(event: Event) -> None:
    """The import runs as a job: when that job finishes, tell listeners what the file brought."""
    if event.name != JobEvent.FINISHED or event.payload.get("kind") != IMPORT_JOB_KIND:
        return
    batch = (
        ImportBatch.objects.for_workspace(event.workspace_id)
        .filter(job_id=event.payload["job_id"])
        .first()
    )
    if batch is None:
        return
    totals = (
        JobItem.objects.for_workspace(event.workspace_id)
        .filter(job_id=event.payload["job_id"], status=JobItemStatus.DONE)
        .aggregate(
            products=Sum(Cast(KT("result__products"), models.IntegerField())),
            row_errors=Sum(Cast(KT("result__row_errors"), models.IntegerField())),
        )
    )
    events.emit(
        CatalogEvent.PRODUCT_IMPORTED,
        workspace_id=event.workspace_id,
        key=f"batch-{batch.pk}",
        payload={
            "batch_id": batch.pk,
            "file": batch.original_name,
            "products": totals["products"] or 0,
            "row_errors": totals["row_errors"] or 0,
            "created_by_id": batch.created_by_id,
        },
    )
