"""Photos through the API: upload, a batch with a built-in recipe (credits held, 402 when
short), outputs, a review decision, and approved photos with a download link that needs no
key."""

import pytest
from django.test import Client

from apps.jobs.models import Job
from apps.photos.models import Photo, PhotoOutput
from tests import factories as f
from tests.api.routes import _jpeg
from tests.billing.support import set_balance

pytestmark = pytest.mark.django_db


def test_upload_accepts_photos_and_names_the_refused_file(api_for, workspace):
    from django.core.files.uploadedfile import SimpleUploadedFile

    product = f.ProductFactory(workspace=workspace)
    api = api_for(workspace, role="photo_editor")
    not_an_image = SimpleUploadedFile("notes.jpg", b"not a picture", content_type="image/jpeg")
    response = api.post(
        "/api/v1/photos",
        data={"files": [_jpeg("shirt.jpg"), not_an_image], "product_id": product.pk},
    )
    assert response.status_code == 202, response.content
    body = response.json()
    photo = Photo.objects.for_workspace(workspace).get()
    assert [p["id"] for p in body["photos"]] == [photo.pk] and photo.product_id == product.pk
    assert len(body["errors"]) == 1 and "notes.jpg" in body["errors"][0]
    assert body["job_id"] == photo.job_id


def test_a_batch_is_the_studios_job_and_402_when_credits_are_short(api_for, workspace):
    photos = [f.PhotoFactory(workspace=workspace, status="ready") for _ in range(2)]
    api = api_for(workspace, role="photo_editor")
    body = {"photo_ids": [p.pk for p in photos], "recipe": "amazon-main"}
    set_balance(workspace, 1)
    refused = api.post("/api/v1/photos/batches", body)
    assert refused.status_code == 402 and refused.json()["type"].endswith("out_of_credits")
    assert not Job.objects.for_workspace(workspace).exists()

    set_balance(workspace, 100)
    started = api.post("/api/v1/photos/batches", body)
    assert started.status_code == 202, started.content
    job = Job.objects.for_workspace(workspace).get()
    assert started.json()["id"] == job.pk and job.total == 2


def test_review_and_approved_downloads(api_for, workspace):
    output = f.PhotoOutputFactory(workspace=workspace, review_state="in_review")
    draft = f.PhotoOutputFactory(workspace=workspace)
    reviewer = api_for(workspace, role="reviewer")
    assert reviewer.get("/api/v1/photos/approved").json()["items"] == []

    decided = reviewer.post(f"/api/v1/photos/outputs/{output.pk}/review", {"decision": "approve"})
    assert decided.status_code == 200 and decided.json()["review_state"] == "approved"
    approved = reviewer.get("/api/v1/photos/approved").json()["items"]
    assert [o["id"] for o in approved] == [output.pk]
    assert draft.pk not in [
        o["id"] for o in reviewer.get("/api/v1/photos/approved").json()["items"]
    ]
    image = Client().get(approved[0]["download_url"].removeprefix("http://testserver"))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"

    changes = reviewer.post(
        f"/api/v1/photos/outputs/{draft.pk}/review", {"decision": "request_changes"}
    )
    assert changes.status_code in {409, 422}
    assert PhotoOutput.objects.for_workspace(workspace).get(pk=draft.pk).review_state == "draft"
