"""Fine-tuning on approved copy through the real openai client, its HTTP answered by
pytest-httpx2 (anything not mocked fails), with connections off the machine refused
(tests/conftest.py)."""

import json

import httpx
import pytest
from django.utils import timezone

from apps.brand.models import BrandProfile, FineTuneRun, MaterialText
from apps.brand.services import fine_tuning
from apps.catalog.models import ApprovedCopy
from apps.copywriting.models import CopyDraft, CopyVariant
from apps.core.errors import ServiceError
from apps.gateway import engine, limits, model_settings
from apps.gateway.models import ModelEntry, RouteEntry
from apps.gateway.providers.openai_adapter.clients import reset_clients
from apps.gateway.selectors import route_cache_clear
from tests import factories as f
from tests.factories import actor_for

BASE = "https://llm.example.test/v1"
KEY = "sk-test-brand-0123456789abcdefWXYZ"


@pytest.fixture(autouse=True)
def _offline_gateway(monkeypatch, settings):
    monkeypatch.setattr(engine, "sleep", lambda seconds: None)
    settings.GATEWAY_OPENAI_API_KEY = ""
    settings.GATEWAY_OPENAI_BASE_URL = ""
    settings.OUTBOUND_ALLOWED_HOSTS = [
        "llm.example.test"
    ]  # resolves nowhere: the operator allows it
    settings.GATEWAY_FORCE_ERRORS = {}
    limits.backend().reset()
    reset_clients()
    route_cache_clear()
    yield
    reset_clients()


@pytest.fixture
def openai_workspace(workspace, owner):
    model_settings.credential_save(
        actor=actor_for(workspace, owner), provider="openai", api_key=KEY, base_url=BASE
    )
    mini = ModelEntry.objects.get(provider="openai", name="gpt-4o-mini")
    model_settings.route_save(
        actor=actor_for(workspace, owner), task="fine_tune", model_ids=[mini.pk]
    )
    local = ModelEntry.objects.get(provider="local", name="local-copy")
    model_settings.route_save(
        actor=actor_for(workspace, owner), task="copy.generate", model_ids=[local.pk]
    )
    return workspace


def approve(workspace, count, profile=None, *, copy_type="product_description"):
    """Approved drafts of the copy studio whose copy joined ``profile``'s material (as the
    review's approval does), the source of fine-tuning examples."""
    profile = profile or BrandProfile.objects.for_workspace(workspace).get()
    for i in range(count):
        product = f.ProductFactory(
            workspace=workspace,
            title=f"Aster Shirt {i}",
            product_type="Shirts",
            vendor="Harbor",
            attributes={"material": "linen"},
            tags=["summer"],
        )
        data = (
            {"text": f"<p>We cut shirt {i} from salt-washed linen.</p>"}
            if copy_type == "product_description"
            else {"text": f"Shirt {i}, in salt-washed linen"}
        )
        draft = CopyDraft.objects.create(
            workspace=workspace, product=product, copy_type=copy_type, review_state="approved"
        )
        variant = CopyVariant.objects.create(
            workspace=workspace, draft=draft, position=1, data=data
        )
        draft.chosen_variant = variant
        draft.save()
        ApprovedCopy.objects.create(
            workspace=workspace,
            product=product,
            copy_type=copy_type,
            content=data["text"],
            approved_at=timezone.now(),
        )
        MaterialText.objects.create(
            workspace=workspace,
            profile=profile,
            source="approved",
            source_key=f"copy:{draft.pk}",
            title=product.title,
            text=data["text"],
            copy_type=copy_type,
        )


JOB = {
    "id": "ftjob-1",
    "object": "fine_tuning.job",
    "created_at": 1,
    "model": "gpt-4o-mini",
    "fine_tuned_model": None,
    "status": "queued",
    "training_file": "file-1",
    "organization_id": "org",
    "result_files": [],
    "hyperparameters": {},
    "seed": 1,
    "validation_file": None,
    "trained_tokens": None,
    "error": None,
    "finished_at": None,
}
FILE = {
    "id": "file-1",
    "object": "file",
    "bytes": 100,
    "created_at": 1,
    "filename": "train.jsonl",
    "purpose": "fine-tune",
    "status": "processed",
}


def test_fine_tune_upload_start_follow_and_route(
    httpx2_mock, openai_workspace, owner, profile, django_capture_on_commit_callbacks
):
    workspace = openai_workspace
    approve(workspace, 10)
    upload = httpx2_mock.post(f"{BASE}/files").mock(return_value=httpx.Response(200, json=FILE))
    create = httpx2_mock.post(f"{BASE}/fine_tuning/jobs").mock(
        return_value=httpx.Response(200, json=JOB)
    )
    status = httpx2_mock.get(f"{BASE}/fine_tuning/jobs/ftjob-1").mock(
        side_effect=[
            httpx.Response(200, json={**JOB, "status": "running"}),
            httpx.Response(
                200, json={**JOB, "status": "succeeded", "fine_tuned_model": "ft:gpt-4o-mini:x::1"}
            ),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = fine_tuning.fine_tune_start(actor=actor_for(workspace, owner), profile_id=profile.pk)
    run.refresh_from_db()
    assert (run.status, run.file_id, run.provider_job_id, run.examples) == (
        "running",
        "file-1",
        "ftjob-1",
        10,
    )
    lines = [json.loads(line) for line in run.training_file.splitlines()]
    first = lines[0]["messages"]
    assert [m["role"] for m in first] == ["system", "user", "assistant"]
    assert (
        "- Product name: Aster Shirt 0\n- Brand (vendor): Harbor\n- Type: Shirts"
        in (first[1]["content"])
    )
    assert first[1]["content"].startswith("Write the product description as HTML")
    assert json.loads(first[2]["content"]) == {
        "description": "We cut shirt 0 from salt-washed linen.",
        "features": [],
    }
    assert b"salt-washed linen" in upload.calls[0].request.content
    body = json.loads(create.calls[0].request.content)
    assert body == {
        "model": "gpt-4o-mini",
        "training_file": "file-1",
        "suffix": f"atelier-{profile.pk}",
    }

    assert fine_tuning.fine_tune_poll_all() == 1
    run.refresh_from_db()
    assert (run.status, run.provider_status) == ("running", "running")
    fine_tuning.fine_tune_poll_all()
    run.refresh_from_db()
    assert (run.status, run.fine_tuned_model) == ("succeeded", "ft:gpt-4o-mini:x::1")
    assert status.call_count == 2
    assert fine_tuning.fine_tune_poll_all() == 0  # finished runs are not polled again

    fine_tuning.fine_tune_route(actor=actor_for(workspace, owner), run_id=run.pk)
    entries = list(
        RouteEntry.objects.for_workspace(workspace)
        .filter(route__task="copy.generate")
        .order_by("position")
        .values_list("model__name", flat=True)
    )
    assert entries == ["ft:gpt-4o-mini:x::1", "local-copy"]
    run.refresh_from_db()
    assert run.routed_at is not None


def test_too_few_approved_texts_is_refused_before_any_call(
    httpx2_mock, openai_workspace, owner, profile
):
    approve(openai_workspace, 4)
    with pytest.raises(
        ServiceError, match="at least 10 approved product texts; this workspace has 4"
    ):
        fine_tuning.fine_tune_start(actor=actor_for(openai_workspace, owner), profile_id=profile.pk)
    assert not FineTuneRun.objects.for_workspace(openai_workspace).exists()


def test_a_provider_refusal_fails_the_run_with_its_message(
    httpx2_mock, openai_workspace, owner, profile, django_capture_on_commit_callbacks
):
    approve(openai_workspace, 10)
    httpx2_mock.post(f"{BASE}/files").mock(
        return_value=httpx.Response(
            400,
            json={"error": {"message": "File is not valid JSONL", "type": "invalid_request_error"}},
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = fine_tuning.fine_tune_start(
            actor=actor_for(openai_workspace, owner), profile_id=profile.pk
        )
    run.refresh_from_db()
    assert run.status == "failed"
    # A workspace-set server's own words are never shown (they could be anyone's): the status is.
    assert "refused the request (HTTP 400)" in run.error
    assert "JSONL" not in run.error
    assert KEY not in run.error
    with pytest.raises(ServiceError, match="not ready"):
        fine_tuning.fine_tune_route(actor=actor_for(openai_workspace, owner), run_id=run.pk)


def test_only_owners_and_admins_may_route_copy_generation_to_the_model(
    client, openai_workspace, brand_manager, profile
):
    from django.urls import reverse

    run = f.FineTuneRunFactory(
        profile=profile, status="succeeded", fine_tuned_model="ft:gpt-4o-mini:x::2"
    )
    client.force_login(brand_manager)
    route = reverse(
        "brand_fine_tune_route", kwargs={"slug": openai_workspace.slug, "run_id": run.pk}
    )
    assert client.post(route).status_code == 403
    page = client.get(
        reverse(
            "brand_profile_detail",
            kwargs={"slug": openai_workspace.slug, "profile_id": profile.pk},
        )
    ).content.decode()
    assert "an owner or admin can route copy generation to it" in page
    assert (
        not RouteEntry.objects.for_workspace(openai_workspace)
        .filter(model__name="ft:gpt-4o-mini:x::2")
        .exists()
    )
