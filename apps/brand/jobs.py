"""Job kinds of the brand app: training a profile version (one item per version)."""

from apps.brand import services
from apps.jobs.registry import register_job_kind


def train_one(workspace, job, item) -> dict:
    version = services.profile_version_train(
        workspace=workspace, version_id=item.payload["version_id"]
    )
    return {"version_id": version.pk, "status": version.status}


register_job_kind(services.TRAIN_JOB_KIND, train_one, label="Train a brand profile")
