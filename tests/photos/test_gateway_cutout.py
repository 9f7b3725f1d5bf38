"""When the workspace routes photo.edit to an image model, the cut-out comes from it, through
the gateway (the real openai client, its HTTP answered by pytest-httpx2; nothing leaves)."""

import base64

import numpy as np
import pytest

from apps.gateway import model_settings
from apps.gateway.providers.openai_adapter.clients import reset_clients
from apps.gateway.selectors import route_cache_clear
from apps.imaging import files
from apps.photos.models import Photo, PhotoOutput
from apps.photos.services import processing, recipes
from tests.factories import actor_for
from tests.gateway.conftest import OPENAI_BASE, SECRET_KEY, reply
from tests.photos.conftest import encode, product_pixels, upload


@pytest.fixture(autouse=True)
def _offline_gateway(settings, monkeypatch):
    settings.GATEWAY_OPENAI_API_KEY = ""
    settings.GATEWAY_OPENAI_BASE_URL = ""
    settings.GATEWAY_FORCE_ERRORS = {}
    settings.OUTBOUND_ALLOWED_HOSTS = [
        "llm.example.test"
    ]  # resolves nowhere: the operator allows it
    reset_clients()
    route_cache_clear()
    yield
    reset_clients()
    route_cache_clear()


def test_a_routed_image_model_makes_the_cutout(
    httpx2_mock, workspace, owner, ingest, django_capture_on_commit_callbacks
):
    from apps.gateway.models import ModelEntry

    model_settings.credential_save(
        actor=actor_for(workspace, owner),
        provider="openai",
        api_key=SECRET_KEY,
        base_url=OPENAI_BASE,
    )
    model = ModelEntry.objects.get(name="gpt-image-1")
    model_settings.route_save(
        actor=actor_for(workspace, owner), task="photo.edit", model_ids=[model.pk]
    )
    ingest(workspace, owner, [upload("a.jpg", encode(product_pixels(240, 180)))])
    photo = Photo.objects.for_workspace(workspace).get()

    # The model's answer: only the left half of the frame is kept (transparent elsewhere).
    cutout = np.zeros((180, 240, 4), np.uint8)
    cutout[:, :120] = (10, 20, 30, 255)
    route = httpx2_mock.post(f"{OPENAI_BASE}/images/edits").mock(
        return_value=reply(
            json={
                "created": 1,
                "data": [{"b64_json": base64.b64encode(encode(cutout, "PNG")).decode()}],
            }
        )
    )
    recipe = recipes.recipe_save(
        actor=actor_for(workspace, owner),
        name="Cut",
        preset="",
        steps=[{"op": "remove_background"}, {"op": "background", "params": {"kind": "white"}}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        processing.photo_batch_start(
            actor=actor_for(workspace, owner), photo_ids=[photo.pk], recipe_key=recipe.pk
        )
    output = PhotoOutput.objects.for_workspace(workspace).get()
    assert output.report["cutout"] == "openai/gpt-image-1"
    assert output.provenance["model"] == "gpt-image-1"
    assert len(route.calls) == 1
    image = files.decode(output.file.read())
    assert tuple(image[90, 200]) == (255, 255, 255)  # the model dropped the right half
    assert image[90, 100].max() < 200  # the product's left half is kept
