from apps.jobs.registry import register_job_kind
from apps.photos import services


def ingest_photo(workspace, job, item) -> dict:
    return services.photo_ingest_item(workspace=workspace, job=job, item=item)


def process_photo(workspace, job, item) -> dict:
    return services.photo_process_item(workspace=workspace, job=job, item=item)


register_job_kind(services.INGEST_JOB_KIND, ingest_photo, label="Check uploaded photos")
register_job_kind(
    services.PROCESS_JOB_KIND,
    process_photo,
    label="Process photos",
    on_cancelled=services.photo_batch_release,
)
