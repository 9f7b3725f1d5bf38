from apps.gateway.models import UsageRecord
from apps.jobs import services as job_services
from apps.jobs.models import Job, JobStatus


def test_the_bench_kind_runs_gateway_calls_as_job_items(
    workspace, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # eager chunk tasks, run in turn
        job = job_services.job_create(
            workspace=workspace,
            created_by=owner,
            kind="gateway.bench_text",
            items=[(f"sku-{i}", {"title": f"Shirt {i}"}) for i in range(5)]
            + [("bad", {"latency_ms": -1})],
            params={"latency_ms": 0},
        )
    job = Job.objects.for_workspace(workspace).get(pk=job.pk)
    assert (job.status, job.done, job.failed) == (JobStatus.FINISHED_WITH_ERRORS, 5, 1)
    rows = UsageRecord.objects.for_workspace(workspace)
    assert rows.count() == 5 and {r.user_id for r in rows} == {owner.pk}
    assert set(rows.values_list("cached", flat=True)) == {False}
