"""The photo studio's one write path: services take the acting member, refuse a role that may
not process photos before anything is written, and reach rows only in the actor's workspace."""

import pytest

from apps.catalog.models import ProductImage
from apps.core.errors import ServiceError
from apps.jobs.models import Job
from apps.photos.models import Photo, PhotoRecipe
from apps.photos.services import processing, recipes, uploads
from apps.workspaces.actors import NotAllowed
from tests.factories import PhotoFactory, PhotoRecipeFactory, ProductFactory, actor_for
from tests.photos.conftest import encode, product_pixels, upload

pytestmark = pytest.mark.django_db

STEPS = [{"op": "remove_background", "params": {}}]


@pytest.mark.parametrize("role", ["copywriter", "reviewer"])
def test_a_role_that_may_not_process_photos_is_refused_and_nothing_is_written(workspace, role):
    recipe = PhotoRecipeFactory(workspace=workspace, name="White")
    photo = PhotoFactory(workspace=workspace)
    product = ProductFactory(workspace=workspace)
    image = ProductImage.objects.create(
        workspace=workspace, product=product, src="https://cdn.example.com/a.jpg"
    )
    actor = actor_for(workspace, role=role)
    refusal = r"may not do this: process product photos"
    with pytest.raises(NotAllowed, match=refusal):
        uploads.photo_upload(actor=actor, uploads=[upload("a.jpg", encode(product_pixels()))])
    with pytest.raises(NotAllowed, match=refusal):
        uploads.photo_import_from_catalog(actor=actor, image_ids=[image.pk])
    with pytest.raises(NotAllowed, match=refusal):
        recipes.recipe_save(actor=actor, name="Mine", steps=STEPS)
    with pytest.raises(NotAllowed, match=refusal):
        recipes.recipe_save(actor=actor, recipe_id=recipe.pk, name="Renamed", steps=STEPS)
    with pytest.raises(NotAllowed, match=refusal):
        recipes.recipe_copy_builtin(actor=actor, code="amazon-main")
    with pytest.raises(NotAllowed, match=refusal):
        recipes.recipe_delete(actor=actor, recipe_id=recipe.pk)
    with pytest.raises(NotAllowed, match=refusal):
        processing.photo_batch_start(
            actor=actor, photo_ids=[photo.pk], recipe_key="builtin:amazon-main"
        )
    assert list(Photo.objects.for_workspace(workspace)) == [photo]
    assert [r.name for r in PhotoRecipe.objects.for_workspace(workspace)] == ["White"]
    assert not Job.objects.for_workspace(workspace).exists()


def test_another_workspaces_recipe_is_not_found(workspace, other_workspace):
    recipe = PhotoRecipeFactory(workspace=workspace, name="White")
    stranger = actor_for(other_workspace, role="owner")
    for call in (
        lambda: recipes.recipe_delete(actor=stranger, recipe_id=recipe.pk),
        lambda: recipes.recipe_save(actor=stranger, recipe_id=recipe.pk, name="Taken", steps=STEPS),
    ):
        with pytest.raises(ServiceError, match="This recipe no longer exists") as caught:
            call()
        assert caught.value.code == "not_found"
    recipe.refresh_from_db()
    assert recipe.name == "White"
