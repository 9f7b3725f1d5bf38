"""Saved recipes: a workspace's own recipes, saved, copied from a built-in one, deleted.

A recipe's steps are checked here (the pipeline's validation, and the brand background image
must be a photo of this workspace) before anything is stored.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.core.errors import ServiceError
from apps.photos import pipeline, recipes
from apps.photos.models import Photo, PhotoRecipe
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action


def recipe_steps_check(
    workspace: Workspace, steps: list[dict[str, Any]], preset: str
) -> list[dict[str, Any]]:
    """A recipe's steps, validated (refused with the reason, naming the field)."""
    try:
        steps = pipeline.validate_steps(steps, preset)
    except pipeline.RecipeError as error:
        raise ServiceError(str(error), field="steps") from None
    for step in steps:
        if step["op"] == "background" and step["params"].get("kind") == "image":
            photo_id = step["params"].get("photo_id")
            exists = (
                isinstance(photo_id, int)
                and Photo.objects.for_workspace(workspace).filter(pk=photo_id).exists()
            )
            if not exists:
                raise ServiceError(
                    "Choose the brand background image (a photo uploaded to the studio).",
                    field="background_photo",
                )
    return steps


@transaction.atomic(durable=True)
def recipe_save(
    *,
    actor: Actor,
    name: str,
    steps: list[dict],
    preset: str = "",
    recipe_id: int | None = None,
) -> PhotoRecipe:
    actor.require(Action.EDIT_PHOTOS)
    workspace = actor.workspace
    recipe = None
    if recipe_id:
        recipe = access_for_update(
            actor, PhotoRecipe, recipe_id, missing="This recipe no longer exists."
        )
    name = (name or "").strip()
    if not name:
        raise ServiceError("Give the recipe a name.", field="name")
    steps = recipe_steps_check(workspace, steps, preset)
    stored = [step for step in steps if step["op"] != "fit_preset"]
    taken = PhotoRecipe.objects.for_workspace(workspace).filter(name__iexact=name)
    if recipe_id:
        taken = taken.exclude(pk=recipe_id)
    if taken.exists():
        raise ServiceError(f"There is already a recipe called “{name}”.", field="name")
    if recipe is not None:
        recipe.name, recipe.steps, recipe.preset = name, stored, preset
        recipe.save(update_fields=["name", "steps", "preset", "updated_at"])
        return recipe
    return PhotoRecipe.objects.create(
        workspace=workspace, name=name, steps=stored, preset=preset, created_by=actor.user
    )


@transaction.atomic(durable=True)
def recipe_delete(*, actor: Actor, recipe_id: int) -> str:
    recipe = access_for_update(
        actor,
        PhotoRecipe,
        recipe_id,
        action=Action.EDIT_PHOTOS,
        missing="This recipe no longer exists.",
    )
    name = recipe.name
    recipe.delete()
    return name


@transaction.atomic(durable=True)
def recipe_copy_builtin(*, actor: Actor, code: str) -> PhotoRecipe:
    """A workspace's own, editable copy of a built-in recipe ("Amazon main image (copy)")."""
    actor.require(Action.EDIT_PHOTOS)
    workspace = actor.workspace
    builtin = recipes.BUILTIN_RECIPES.get(code)
    if builtin is None:
        raise ServiceError("There is no such built-in recipe.", code="not_found")
    taken = set(
        PhotoRecipe.objects.for_workspace(workspace)
        .filter(name__istartswith=builtin.name)
        .values_list("name", flat=True)
    )
    taken = {name.lower() for name in taken}
    name, number = f"{builtin.name} (copy)", 2
    while name.lower() in taken:
        name, number = f"{builtin.name} (copy {number})", number + 1
    steps = recipe_steps_check(workspace, [dict(s) for s in builtin.steps], builtin.preset)
    return PhotoRecipe.objects.create(
        workspace=workspace,
        name=name,
        steps=[step for step in steps if step["op"] != "fit_preset"],
        preset=builtin.preset,
        created_by=actor.user,
    )
