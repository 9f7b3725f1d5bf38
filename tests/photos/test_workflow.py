"""Recipe jobs end to end, credits, the shared review lifecycle, the ZIP, the Shopify export."""

import csv
import io
import re
import zipfile

import pytest
from django.urls import reverse

from apps.billing.models import CreditEntry
from apps.catalog.exporting import shopify_csv
from apps.catalog.models import Product
from apps.core.errors import ServiceError
from apps.imaging import files
from apps.jobs.models import Job, JobItem
from apps.jobs.services import job_retry_failed
from apps.photos import checker, exporting, selectors
from apps.photos.models import Photo, PhotoOutput
from apps.photos.services import processing, recipes, review
from apps.reviews.models import ReviewEvent
from tests.billing.support import balance_of, set_balance
from tests.factories import (
    PhotoFactory,
    PhotoOutputFactory,
    ProductFactory,
    actor_for,
)
from tests.photos.conftest import encode, product_pixels, upload

AMAZON_STEPS = [
    {"op": "remove_background", "params": {}},
    {"op": "background", "params": {"kind": "white"}},
    {"op": "shadow", "params": {"kind": "contact"}},
]


@pytest.fixture
def product(workspace):
    return ProductFactory(workspace=workspace, handle="linen-shirt", title="Linen shirt")


@pytest.fixture
def photos(workspace, editor, product, ingest):
    outcome = ingest(
        workspace,
        editor,
        [
            upload("front.jpg", encode(product_pixels(240, 180, seed=1))),
            upload("back.jpg", encode(product_pixels(180, 240, seed=2, product=(150, 40, 40)))),
        ],
        product_id=product.pk,
    )
    assert outcome.errors == []
    return list(Photo.objects.for_workspace(workspace).order_by("pk"))


@pytest.fixture
def recipe(workspace, editor):
    return recipes.recipe_save(
        actor=actor_for(workspace, editor),
        name="Amazon white",
        steps=AMAZON_STEPS,
        preset="amazon-main",
    )


@pytest.fixture
def run_batch(django_capture_on_commit_callbacks):
    def run(workspace, actor, photos, recipe):
        with django_capture_on_commit_callbacks(execute=True):
            job = processing.photo_batch_start(
                actor=actor_for(workspace, actor),
                photo_ids=[p.pk for p in photos],
                recipe_key=recipe.pk,
            )
        job.refresh_from_db()
        return job

    return run


def _work_entries(workspace):
    return list(
        CreditEntry.objects.for_workspace(workspace)
        .filter(key__startswith="work:photos.jobitem:")
        .order_by("pk")
    )


def test_a_recipe_job_processes_every_photo_and_charges_each_once(
    workspace, editor, photos, recipe, product, run_batch
):
    set_balance(workspace, 100)
    job = run_batch(workspace, editor, photos, recipe)
    assert (job.kind, job.status, job.total, job.done, job.failed) == (
        "photos.process",
        "succeeded",
        2,
        2,
        0,
    )
    outputs = list(PhotoOutput.objects.for_workspace(workspace).order_by("photo_id"))
    assert [o.photo_id for o in outputs] == [p.pk for p in photos]
    for output in outputs:
        assert (output.width, output.height, output.preset) == (2000, 2000, "amazon-main")
        assert output.review_state == "draft" and output.product_id == product.pk
        assert output.check_report["passed"] is True
        decoded = files.decode(files.read_stored(output.file))
        assert checker.check(decoded, "amazon-main").passed
        assert output.report["cutout"] == "offline cut-out"
    assert [(e.state, e.work_kind, e.cost) for e in _work_entries(workspace)] == [
        ("settled", "image_operation", 5),
        ("settled", "image_operation", 5),
    ]
    assert balance_of(workspace) == 90
    product.refresh_from_db()
    assert product.photo_status == "draft"

    # The same item run again (a redelivered task): same output, nothing charged.
    item = JobItem.objects.for_workspace(workspace).filter(job=job).first()
    again = processing.photo_process_item(workspace=workspace, job=job, item=item)
    assert again == {"output_id": outputs[0].pk, "again": True}
    assert PhotoOutput.objects.for_workspace(workspace).count() == 2
    assert len(_work_entries(workspace)) == 2 and balance_of(workspace) == 90


def test_a_failed_item_releases_its_credits_and_its_retry_charges_once(
    workspace, editor, photos, recipe, run_batch, monkeypatch, django_capture_on_commit_callbacks
):
    set_balance(workspace, 100)
    real = processing.photo_render
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ServiceError("“front.jpg”: the disk hiccuped.")
        return real(**kwargs)

    monkeypatch.setattr(processing, "photo_render", flaky)
    job = run_batch(workspace, editor, photos, recipe)
    assert (job.done, job.failed) == (1, 1)
    failed = JobItem.objects.for_workspace(workspace).get(job=job, status="failed")
    assert failed.error == "“front.jpg”: the disk hiccuped."
    assert sorted(e.state for e in _work_entries(workspace)) == ["released", "settled"]
    assert balance_of(workspace) == 95

    with django_capture_on_commit_callbacks(execute=True):
        assert job_retry_failed(actor=actor_for(workspace, editor), job_id=job.pk) == 1
    job.refresh_from_db()
    assert (job.done, job.failed, job.status) == (2, 0, "succeeded")
    assert [e.state for e in _work_entries(workspace)] == ["settled", "settled"]
    assert balance_of(workspace) == 90
    assert PhotoOutput.objects.for_workspace(workspace).count() == 2


def test_out_of_credits_refuses_the_batch_with_billings_message(workspace, editor, photos, recipe):
    set_balance(workspace, 9)  # two photos need 10
    with pytest.raises(ServiceError) as refused:
        processing.photo_batch_start(
            actor=actor_for(workspace, editor),
            photo_ids=[p.pk for p in photos],
            recipe_key=recipe.pk,
        )
    assert refused.value.message.startswith(
        "Not enough credits: this needs 10 (2 × image operation) and 9 are left"
    )
    assert not Job.objects.for_workspace(workspace).filter(kind="photos.process").exists()
    assert not PhotoOutput.objects.for_workspace(workspace).exists()


def test_a_batchs_credits_are_held_from_the_start(
    workspace, editor, photos, recipe, django_capture_on_commit_callbacks
):
    from apps.billing.errors import OutOfCredits
    from apps.billing.services import credits as billing

    set_balance(workspace, 10)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = processing.photo_batch_start(
            actor=actor_for(workspace, editor),
            photo_ids=[p.pk for p in photos],
            recipe_key=recipe.pk,
        )
    assert balance_of(workspace) == 0
    assert [e.state for e in _work_entries(workspace)] == ["reserved", "reserved"]
    with pytest.raises(OutOfCredits):  # other work cannot spend what the batch holds
        billing.credits_charge(workspace=workspace, key="other", kind="image_operation")
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == ("succeeded", 2, 0)
    assert [e.state for e in _work_entries(workspace)] == ["settled", "settled"]
    assert balance_of(workspace) == 0


def test_a_retry_without_credits_pauses_and_keeps_what_is_done(
    workspace, editor, photos, recipe, run_batch, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.billing.services import credits as billing

    set_balance(workspace, 10)
    real = processing.photo_render
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ServiceError("“front.jpg”: the disk hiccuped.")
        return real(**kwargs)

    monkeypatch.setattr(processing, "photo_render", flaky)
    job = run_batch(workspace, editor, photos, recipe)
    assert (job.done, job.failed) == (1, 1)
    assert balance_of(workspace) == 5  # the failed item's credits came back...
    billing.credits_charge(workspace=workspace, key="other", kind="image_operation")  # ...and went
    with django_capture_on_commit_callbacks(execute=True):
        job_retry_failed(actor=actor_for(workspace, editor), job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == ("paused", 1, 1)
    failed = JobItem.objects.for_workspace(workspace).get(job=job, status="failed")
    assert failed.error.startswith("Not enough credits: this needs 5 (1 × image operation)")
    assert PhotoOutput.objects.for_workspace(workspace).count() == 1
    assert balance_of(workspace) == 0


def test_a_cancelled_batch_gives_back_what_it_held(
    workspace, editor, photos, recipe, django_capture_on_commit_callbacks
):
    from apps.jobs.services import job_cancel

    set_balance(workspace, 10)
    job = processing.photo_batch_start(  # queued, not run (callbacks are not executed)
        actor=actor_for(workspace, editor), photo_ids=[p.pk for p in photos], recipe_key=recipe.pk
    )
    assert balance_of(workspace) == 0
    with django_capture_on_commit_callbacks(execute=True):
        job_cancel(actor=actor_for(workspace, editor), job_id=job.pk)
    assert [e.state for e in _work_entries(workspace)] == ["released", "released"]
    assert balance_of(workspace) == 10


def test_a_recipe_with_relight_needs_a_profile(workspace, editor, photos):
    recipe = recipes.recipe_save(
        actor=actor_for(workspace, editor),
        name="Relit",
        steps=[{"op": "remove_background"}, {"op": "relight"}],
        preset="",
    )
    with pytest.raises(ServiceError, match="learns one from five or more reference photos"):
        processing.photo_batch_start(
            actor=actor_for(workspace, editor), photo_ids=[photos[0].pk], recipe_key=recipe.pk
        )
    assert not Job.objects.for_workspace(workspace).filter(kind="photos.process").exists()


def test_recipes_are_named_once_and_checked(workspace, editor, recipe):
    with pytest.raises(
        ServiceError, match=re.escape("There is already a recipe called “amazon WHITE”.")
    ):
        recipes.recipe_save(
            actor=actor_for(workspace, editor), name="amazon WHITE", steps=AMAZON_STEPS
        )
    with pytest.raises(ServiceError, match="“blur” is not an operation"):
        recipes.recipe_save(actor=actor_for(workspace, editor), name="X", steps=[{"op": "blur"}])
    assert [r.steps for r in selectors.recipe_list(workspace=workspace)] == [
        [
            {"op": "remove_background", "params": {}},
            {"op": "background", "params": {"kind": "white"}},
            {
                "op": "shadow",
                "params": {"kind": "contact", "strength": 0.35, "softness": 0.5, "angle": 90.0},
            },
        ]
    ]


# --- Review -------------------------------------------------------------------------------------


def test_the_shared_lifecycle_submit_return_resubmit_approve(workspace, editor, reviewer, product):
    output = PhotoOutputFactory(workspace=workspace, product=product)
    outcome = review.photo_outputs_submit(
        actor=actor_for(workspace, editor), output_ids=[output.pk]
    )
    assert (outcome.done, outcome.refused) == (1, 0)
    output.refresh_from_db()
    product.refresh_from_db()
    assert (output.review_state, product.photo_status) == ("in_review", "in_review")

    with pytest.raises(
        ServiceError, match=re.escape("Say what should change: a comment is required.")
    ):
        review.photo_review_decide(
            actor=actor_for(workspace, reviewer),
            output_id=output.pk,
            decision="request_changes",
        )
    with pytest.raises(ServiceError, match="Your role may not do this: approved needs the right"):
        review.photo_review_decide(
            actor=actor_for(workspace, editor),
            output_id=output.pk,
            decision="approve",
        )
    review.photo_review_decide(
        actor=actor_for(workspace, reviewer),
        output_id=output.pk,
        decision="request_changes",
        comment="The shadow is too dark.",
    )
    output.refresh_from_db()
    product.refresh_from_db()
    assert (output.review_state, product.photo_status) == ("changes_requested", "changes_requested")
    review.photo_outputs_submit(actor=actor_for(workspace, editor), output_ids=[output.pk])
    review.photo_review_decide(
        actor=actor_for(workspace, reviewer),
        output_id=output.pk,
        decision="approve",
    )
    output.refresh_from_db()
    product.refresh_from_db()
    assert (output.review_state, product.photo_status) == ("approved", "approved")
    events = ReviewEvent.objects.for_workspace(workspace).order_by("pk")
    assert [(e.decision, e.from_state, e.to_state, e.comment) for e in events] == [
        ("submit", "draft", "in_review", ""),
        ("request_changes", "in_review", "changes_requested", "The shadow is too dark."),
        ("resubmit", "changes_requested", "in_review", ""),
        ("approve", "in_review", "approved", ""),
    ]


def test_a_copywriter_cannot_submit_photos(workspace, member):
    output = PhotoOutputFactory(workspace=workspace)
    outcome = review.photo_outputs_submit(
        actor=actor_for(workspace, member("copywriter")), output_ids=[output.pk]
    )
    assert (outcome.done, outcome.refused) == (0, 1)
    assert "needs the right to process product photos" in outcome.problems[0]
    assert outcome.problems[0].startswith(f"“{output.photo.original_name}”: ")
    output.refresh_from_db()
    assert output.review_state == "draft"
    assert not ReviewEvent.objects.for_workspace(workspace).exists()


def test_submitting_many_sends_each_on_its_own_and_names_the_one_that_cannot_go(
    workspace, editor, reviewer, product
):
    ready = PhotoOutputFactory(workspace=workspace, product=product)
    approved = PhotoOutputFactory(workspace=workspace, product=product)
    review.photo_outputs_submit(actor=actor_for(workspace, editor), output_ids=[approved.pk])
    review.photo_review_decide(
        actor=actor_for(workspace, reviewer), output_id=approved.pk, decision="approve"
    )
    outcome = review.photo_outputs_submit(
        actor=actor_for(workspace, editor), output_ids=[approved.pk, ready.pk, ready.pk]
    )
    assert [(item.id, item.done) for item in outcome.items] == [
        (approved.pk, False),
        (ready.pk, True),
    ]
    assert outcome.problems[0].startswith(f"“{approved.photo.original_name}”: ")
    ready.refresh_from_db()
    approved.refresh_from_db()
    product.refresh_from_db()
    assert (ready.review_state, approved.review_state) == ("in_review", "approved")
    assert product.photo_status == "in_review"


def test_a_returned_photo_outranks_one_in_review_in_the_products_status(
    workspace, editor, reviewer, product
):
    """One precedence for copy and photos: changes requested, then in review."""
    first = PhotoOutputFactory(workspace=workspace, product=product)
    second = PhotoOutputFactory(workspace=workspace, product=product)
    review.photo_outputs_submit(
        actor=actor_for(workspace, editor), output_ids=[first.pk, second.pk]
    )
    review.photo_review_decide(
        actor=actor_for(workspace, reviewer),
        output_id=first.pk,
        decision="request_changes",
        comment="Too dark.",
    )
    product.refresh_from_db()
    assert product.photo_status == "changes_requested"


def test_photo_review_is_told_with_the_contract_payload(
    workspace, editor, reviewer, product, heard_events, django_capture_on_commit_callbacks
):
    output = PhotoOutputFactory(
        workspace=workspace, product=product, preset="amazon-main", created_by=editor
    )
    author, judge = actor_for(workspace, editor), actor_for(workspace, reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        review.photo_outputs_submit(actor=author, output_ids=[output.pk])
        assert heard_events == []  # nothing before the commit
    with django_capture_on_commit_callbacks(execute=True):
        review.photo_review_decide(
            actor=judge, output_id=output.pk, decision="request_changes", comment="Too dark."
        )
        review.photo_review_decide(actor=author, output_id=output.pk, decision="submit")
        review.photo_review_decide(actor=judge, output_id=output.pk, decision="reject")
    assert [e.name for e in heard_events] == [
        "photo.submitted",
        "photo.returned",
        "photo.submitted",
        "photo.rejected",
    ]
    returned = heard_events[1]
    assert returned.payload == {
        "kind": "photo",
        "id": output.pk,
        "product_id": product.pk,
        "product_handle": "linen-shirt",
        "product_title": "Linen shirt",
        "author_id": editor.pk,
        "comment": "Too dark.",
        "url": f"/w/{workspace.slug}/photos/outputs/{output.pk}/",
        "preset": "amazon-main",
        "image_url": f"/w/{workspace.slug}/photos/outputs/{output.pk}/image/",
    }
    assert (returned.workspace_id, returned.actor_user_id) == (workspace.pk, reviewer.pk)
    assert heard_events[0].actor_user_id == editor.pk
    assert returned.key.startswith(f"photo.returned:photo-{output.pk}:")
    assert len({e.key for e in heard_events}) == 4


def test_approval_is_told(
    workspace, editor, reviewer, product, heard_events, django_capture_on_commit_callbacks
):
    output = PhotoOutputFactory(workspace=workspace, product=product)
    review.photo_outputs_submit(actor=actor_for(workspace, editor), output_ids=[output.pk])
    with django_capture_on_commit_callbacks(execute=True):
        review.photo_review_decide(
            actor=actor_for(workspace, reviewer), output_id=output.pk, decision="approve"
        )
    assert [(e.name, e.payload["id"]) for e in heard_events] == [("photo.approved", output.pk)]


# --- Downloads and the Shopify export -----------------------------------------------------------


def _approved(workspace, **kwargs):
    return PhotoOutputFactory(workspace=workspace, review_state="approved", **kwargs)


def test_approved_photos_download_as_a_zip_named_handle_preset_n(
    client, workspace, editor, product
):
    _approved(workspace, product=product, photo__product=product)
    _approved(workspace, product=product, photo__product=product)
    _approved(workspace, product=product, preset="shopify-square")
    _approved(workspace, photo__original_name="Studio Shot.JPG")
    PhotoOutputFactory(workspace=workspace, product=product)  # a draft: not in the ZIP
    client.force_login(editor)
    response = client.get(reverse("photo_approved_zip", kwargs={"slug": workspace.slug}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "linen-shirt-amazon-main-1.jpg",
        "linen-shirt-amazon-main-2.jpg",
        "linen-shirt-shopify-square-1.jpg",
        "studio-shot-amazon-main-1.jpg",
    ]
    only = client.get(
        reverse("photo_approved_zip", kwargs={"slug": workspace.slug}) + "?preset=shopify-square"
    )
    names = zipfile.ZipFile(io.BytesIO(b"".join(only.streaming_content))).namelist()
    assert names == ["linen-shirt-shopify-square-1.jpg"]


SHOPIFY_ROWS = [
    {
        "Handle": "linen-shirt",
        "Title": "Linen shirt",
        "Image Src": "https://cdn.shop/a.jpg",
        "Image Position": "1",
        "Image Alt Text": "Front",
    },
    {
        "Handle": "linen-shirt",
        "Title": "",
        "Image Src": "https://cdn.shop/b.jpg",
        "Image Position": "2",
        "Image Alt Text": "",
    },
    {
        "Handle": "linen-shirt",
        "Title": "",
        "Image Src": "https://cdn.shop/c.jpg",
        "Image Position": "3",
        "Image Alt Text": "",
    },
]
HEADERS = ["Handle", "Title", "Image Src", "Image Position", "Image Alt Text"]


def _export(workspace):
    products = (
        Product.objects.for_workspace(workspace)
        .order_by("pk")
        .prefetch_related("variants", "images", "approved_copy")
    )
    return list(csv.DictReader(io.StringIO("".join(shopify_csv(products, HEADERS)))))


def test_the_shopify_export_points_image_columns_at_approved_photos(
    client, settings, workspace, product
):
    product.source_rows = SHOPIFY_ROWS
    product.save()
    other = ProductFactory(
        workspace=workspace,
        handle="untouched",
        source_rows=[
            {
                "Handle": "untouched",
                "Title": "Untouched",
                "Image Src": "https://cdn.shop/u.jpg",
                "Image Position": "1",
                "Image Alt Text": "",
            }
        ],
    )
    photo_a = PhotoFactory(workspace=workspace, product=product)
    photo_b = PhotoFactory(workspace=workspace, product=product)
    amazon = _approved(workspace, product=product, photo=photo_a, preset="amazon-main")
    shopify = _approved(workspace, product=product, photo=photo_a, preset="shopify-square")
    second = _approved(workspace, product=product, photo=photo_b, preset="amazon-main")
    PhotoOutputFactory(workspace=workspace, product=product, photo=photo_b)  # draft: ignored

    settings.PHOTOS_PUBLIC_BASE_URL = ""
    assert [r["Image Src"] for r in _export(workspace)] == [
        "https://cdn.shop/a.jpg",
        "https://cdn.shop/b.jpg",
        "https://cdn.shop/c.jpg",
        "https://cdn.shop/u.jpg",
    ]

    settings.PHOTOS_PUBLIC_BASE_URL = "https://atelier.example.com/"
    rows = _export(workspace)
    first_url = exporting.public_url(shopify)  # the Shopify preset is preferred for photo A
    assert first_url.startswith("https://atelier.example.com/photos/p/")
    assert [
        (r["Handle"], r["Image Src"], r["Image Position"], r["Image Alt Text"]) for r in rows
    ] == [
        ("linen-shirt", first_url, "1", "Front"),
        ("linen-shirt", exporting.public_url(second), "2", "Linen shirt"),
        ("linen-shirt", "", "", ""),
        ("untouched", "https://cdn.shop/u.jpg", "1", ""),
    ]
    assert other.pk and amazon.pk

    # The link works without signing in, and only while the photo stays approved.
    path = first_url.removeprefix("https://atelier.example.com")
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    shopify.review_state = "changes_requested"
    shopify.save()
    assert client.get(path).status_code == 404
    assert client.get("/photos/p/forged:token.jpg").status_code == 404


def test_approved_image_urls_is_one_query(django_assert_num_queries, settings, workspace, product):
    settings.PHOTOS_PUBLIC_BASE_URL = "https://atelier.example.com"
    _approved(workspace, product=product)
    with django_assert_num_queries(1):
        urls = exporting.approved_image_urls([product])
    assert list(urls) == [product.pk] and len(urls[product.pk]) == 1


class WorkerKilled(BaseException):
    """Stands for the worker dying (SIGKILL) at that line: nothing after it runs."""


def test_an_item_redelivered_after_its_output_was_stored_settles_its_reservation(
    workspace, editor, photos, recipe, monkeypatch
):
    """The probe: the photo path returned early on finding its output, leaving the reservation
    "reserved"."""
    from apps.billing.services import credits as billing

    set_balance(workspace, 100)
    job = processing.photo_batch_start(  # not run: on_commit callbacks are not executed
        actor=actor_for(workspace, editor), photo_ids=[photos[0].pk], recipe_key=recipe.pk
    )
    item = JobItem.objects.for_workspace(workspace).get(job=job)
    real_settle = billing.credits_settle

    def die(**kwargs):
        raise WorkerKilled

    monkeypatch.setattr(billing, "credits_settle", die)
    with pytest.raises(WorkerKilled):
        processing.photo_process_item(workspace=workspace, job=job, item=item)
    assert [e.state for e in _work_entries(workspace)] == ["reserved"]
    assert PhotoOutput.objects.for_workspace(workspace).count() == 1

    monkeypatch.setattr(billing, "credits_settle", real_settle)
    again = processing.photo_process_item(workspace=workspace, job=job, item=item)
    assert again["again"] is True
    assert [(e.state, e.credits) for e in _work_entries(workspace)] == [("settled", -5)]
    assert balance_of(workspace) == 95


@pytest.fixture
def editor_and_photos_committed(transactional_db):
    from tests.factories import MembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory()
    editor = MembershipFactory(workspace=workspace, role="photo_editor").user
    photos = [PhotoFactory(workspace=workspace, status="ready") for _ in range(2)]
    recipe = recipes.recipe_save(
        actor=actor_for(workspace, editor), name="White", steps=AMAZON_STEPS, preset="amazon-main"
    )
    return workspace, editor, photos, recipe


@pytest.mark.postgres
def test_batches_submitted_at_once_cannot_share_the_same_credits(
    editor_and_photos_committed, monkeypatch
):
    """The probe: eight batches submitted at once were all queued with credits for one, and
    all paused half done. With the batch's credits held as it is queued, one is queued and the
    seven others are refused with the billing message; nothing of theirs is queued."""
    from apps.jobs.tasks import job_process_chunk
    from tests.billing.concurrency import run_in_threads

    workspace, editor, photos, recipe = editor_and_photos_committed
    set_balance(workspace, 10)  # one batch of two photos
    queued_chunks = []  # what reached the queue (no worker here)
    monkeypatch.setattr(
        job_process_chunk, "apply_async", lambda *, kwargs, **options: queued_chunks.append(kwargs)
    )

    def submit(n):
        return processing.photo_batch_start(
            actor=actor_for(workspace, editor),
            photo_ids=[p.pk for p in photos],
            recipe_key=recipe.pk,
        )

    results = run_in_threads(submit, count=8)
    queued = [r for r in results if isinstance(r, Job)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert (len(queued), len(refused)) == (1, 7), results
    assert all(r.message.startswith("Not enough credits: this needs 10") for r in refused)
    assert Job.objects.for_workspace(workspace).filter(kind="photos.process").count() == 1
    assert JobItem.objects.for_workspace(workspace).filter(job__kind="photos.process").count() == 2
    assert [e.state for e in _work_entries(workspace)] == ["reserved", "reserved"]
    assert balance_of(workspace) == 0
    assert {c["job_id"] for c in queued_chunks} == {queued[0].pk}  # its chunks only
