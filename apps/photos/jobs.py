from apps.jobs.registry import register_job_kind
from apps.photos.job_kinds import INGEST_JOB_KIND, PROCESS_JOB_KIND
from apps.photos.services import processing, uploads


def ingest_photo(workspace, job, item) -> dict:
    return uploads.photo_ingest_item(workspace=workspace, job=job, item=item)


def process_photo(workspace, job, item) -> dict:
    return processing.photo_process_item(workspace=workspace, job=job, item=item)


register_job_kind(INGEST_JOB_KIND, ingest_photo, label="Check uploaded photos")
register_job_kind(
    PROCESS_JOB_KIND,
    process_photo,
    label="Process photos",
    on_cancelled=processing.photo_batch_release,
)
