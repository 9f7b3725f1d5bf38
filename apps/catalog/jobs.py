from apps.catalog import services
from apps.jobs.registry import register_job_kind


def import_chunk(workspace, job, item) -> dict:
    return services.catalog_import_chunk(
        workspace=workspace, batch_id=item.payload["batch_id"], chunk=item.payload["chunk"]
    )


register_job_kind(services.IMPORT_JOB_KIND, import_chunk, label="Import products")
