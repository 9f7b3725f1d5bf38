"""Saved recipes: the list and the builder, editing, copying a built-in one, deleting."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.errors import ServiceError
from apps.core.views import act
from apps.photos import selectors
from apps.photos.forms import RecipeForm
from apps.photos.presets import PRESETS
from apps.photos.recipes import BUILTIN_RECIPES
from apps.photos.services import recipes
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


def _photo_choices(request: WorkspaceRequest) -> list[tuple[int, str]]:
    page = selectors.photo_page(workspace=request.workspace, per_page=200)
    return [(photo.pk, photo.original_name) for photo in page]


@workspace_view(Action.EDIT_PHOTOS)
@require_http_methods(["GET", "POST"])
def recipe_list(request: WorkspaceRequest) -> HttpResponse:
    photos = _photo_choices(request)
    form = RecipeForm(request.POST or None, photos=photos)
    if request.method == "POST" and form.is_valid():
        try:
            recipe = recipes.recipe_save(
                actor=request.actor,
                name=form.cleaned_data["name"],
                steps=form.steps(),
                preset=form.cleaned_data.get("preset", ""),
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Recipe “{recipe.name}” saved.")
            return redirect(
                "photo_recipe_edit", slug=request.workspace.slug, photo_recipe_id=recipe.pk
            )
    context = {
        "form": form,
        "recipes": selectors.recipe_list(workspace=request.workspace),
        "builtins": BUILTIN_RECIPES.values(),
        "presets": PRESETS,
        "photos": photos,
    }
    return render(request, "photos/recipes.html", context, status=400 if form.errors else 200)


@workspace_view(Action.EDIT_PHOTOS)
@require_POST
def recipe_copy(request: WorkspaceRequest) -> HttpResponse:
    """An editable copy of a built-in recipe, opened for editing."""
    try:
        recipe = recipes.recipe_copy_builtin(actor=request.actor, code=request.POST.get("code", ""))
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("photo_recipes", slug=request.workspace.slug)
    messages.success(request, f"“{recipe.name}” is your copy: change it and save.")
    return redirect("photo_recipe_edit", slug=request.workspace.slug, photo_recipe_id=recipe.pk)


@workspace_view(Action.EDIT_PHOTOS)
@require_http_methods(["GET", "POST"])
def recipe_edit(request: WorkspaceRequest, photo_recipe_id: int) -> HttpResponse:
    recipe = selectors.recipe_get(workspace=request.workspace, recipe_id=photo_recipe_id)
    photos = _photo_choices(request)
    if request.method == "POST":
        form = RecipeForm(request.POST, photos=photos)
        if form.is_valid():
            try:
                recipes.recipe_save(
                    actor=request.actor,
                    recipe_id=recipe.pk,
                    name=form.cleaned_data["name"],
                    steps=form.steps(),
                    preset=form.cleaned_data.get("preset", ""),
                )
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, f"Recipe “{form.cleaned_data['name']}” saved.")
                return redirect(
                    "photo_recipe_edit", slug=request.workspace.slug, photo_recipe_id=recipe.pk
                )
    else:
        form = RecipeForm(
            initial=RecipeForm.initial_from(recipe.name, recipe.steps, recipe.preset),
            photos=photos,
        )
    context = {"form": form, "recipe": recipe, "photos": photos, "presets": PRESETS}
    return render(request, "photos/recipe_edit.html", context, status=400 if form.errors else 200)


@workspace_view(Action.EDIT_PHOTOS)
@require_POST
def recipe_delete(request: WorkspaceRequest, photo_recipe_id: int) -> HttpResponse:
    recipe = selectors.recipe_get(workspace=request.workspace, recipe_id=photo_recipe_id)
    return act(
        request,
        lambda: recipes.recipe_delete(actor=request.actor, recipe_id=recipe.pk),
        success=lambda name: f"Recipe “{name}” deleted.",
        then="photo_recipes",
    )
