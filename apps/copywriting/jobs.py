from apps.copywriting import services
from apps.jobs.registry import register_job_kind


def generate_copy(workspace, job, item) -> dict:
    return services.copy_generate_item(workspace=workspace, job=job, item=item)


register_job_kind(services.GENERATE_JOB_KIND, generate_copy, label="Write copy")
