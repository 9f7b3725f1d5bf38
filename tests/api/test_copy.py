"""Copy through the API: a run started with the studio's brief is the studio's job (credits
checked, 402 when they run out), status and cancel, drafts and variants, review decisions."""

import pytest

from apps.jobs.models import Job
from tests import factories as f
from tests.billing.support import set_balance

pytestmark = pytest.mark.django_db


def _run_body(*products, **brief):
    return {
        "product_ids": [p.pk for p in products],
        "copy_types": ["product_description"],
        "variants": 2,
        **brief,
    }


def test_a_run_is_the_studios_job_and_a_retry_starts_it_once(api_for, workspace):
    products = [f.ProductFactory(workspace=workspace) for _ in range(3)]
    api = api_for(workspace, role="copywriter")
    body = _run_body(*products, instructions="Mention the linen.", keywords=["linen"])
    first = api.post("/api/v1/copy/runs", body, headers={"Idempotency-Key": "run-1"})
    assert first.status_code == 202, first.content
    again = api.post("/api/v1/copy/runs", body, headers={"Idempotency-Key": "run-1"})
    assert again.status_code == 202 and again.content == first.content

    job = Job.objects.for_workspace(workspace).get()
    assert first.json()["id"] == job.pk and job.kind == "copy.generate" and job.total == 3
    assert job.params["instructions"] == "Mention the linen." and job.params["variants"] == 2
    status = api.get(f"/api/v1/copy/runs/{job.pk}").json()
    assert status["id"] == job.pk and status["total"] == 3

    cancelled = api.post(f"/api/v1/copy/runs/{job.pk}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_out_of_credits_is_402_with_the_billing_message(api_for, workspace):
    product = f.ProductFactory(workspace=workspace)
    set_balance(workspace, 1)  # a run of two variants needs more
    api = api_for(workspace, role="copywriter")

    response = api.post("/api/v1/copy/runs", _run_body(product))

    assert response.status_code == 402
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 402 and body["type"].endswith("out_of_credits")
    assert "credit" in body["detail"].lower()
    assert body["upgrade_url"].startswith("http://testserver/")
    assert not Job.objects.for_workspace(workspace).exists()


def test_a_brief_the_studio_refuses_names_the_field(api_for, workspace):
    product = f.ProductFactory(workspace=workspace)
    api = api_for(workspace, role="copywriter")
    response = api.post("/api/v1/copy/runs", _run_body(product, copy_types=["poem"]))
    assert response.status_code == 422
    assert "poem" in response.json()["detail"]
    assert not Job.objects.for_workspace(workspace).exists()


def test_another_kind_of_job_is_not_a_copy_run(api_for, workspace):
    job = f.JobFactory(workspace=workspace, kind="catalog.import")
    api = api_for(workspace)
    assert api.get(f"/api/v1/copy/runs/{job.pk}").status_code == 404
    assert api.get(f"/api/v1/jobs/{job.pk}").status_code == 200


def test_drafts_and_variants_read_by_cursor(api_for, workspace):
    drafts = [f.CopyDraftFactory(workspace=workspace) for _ in range(3)]
    variant = f.CopyVariantFactory(workspace=workspace, draft=drafts[1])
    api = api_for(workspace, role="reviewer")
    page = api.get("/api/v1/copy/drafts", {"limit": 2}).json()
    assert [d["id"] for d in page["items"]] == [drafts[0].pk, drafts[1].pk]
    rest = api.get("/api/v1/copy/drafts", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [d["id"] for d in rest["items"]] == [drafts[2].pk] and rest["next_cursor"] is None
    draft = api.get(f"/api/v1/copy/drafts/{drafts[1].pk}").json()
    assert [v["id"] for v in draft["variants"]] == [variant.pk]
    assert api.get(f"/api/v1/copy/variants/{variant.pk}").json()["data"] == variant.data
