"""Job kinds of the brand app: training a profile version (one item per version)."""

from apps.brand import lighting_services
from apps.brand.services import versions
from apps.jobs.registry import register_job_kind


def train_one(workspace, job, item) -> dict:
    version = versions.profile_version_train(
        workspace=workspace, version_id=item.payload["version_id"]
    )
    return {"version_id": version.pk, "status": version.status}


register_job_kind(versions.TRAIN_JOB_KIND, train_one, label="Train a brand profile")


def learn_light(workspace, job, item) -> dict:
    return lighting_services.lighting_profile_learn_item(workspace=workspace, job=job, item=item)


register_job_kind(lighting_services.LEARN_JOB_KIND, learn_light, label="Learn a brand's light")
# Jobs queued before the lighting profile moved to the brand app carry the old kind.
register_job_kind("photos.lighting_learn", learn_light, label="Learn a brand's light")
