"""One photo: its page with a recipe's preview, the preview image and the photo's image.
Read-only pages about one object answer any method (like the jobs pages): the object is looked
up first, so another workspace's id is a 404 whatever the method."""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render

from apps.brand import lighting_selectors
from apps.core.errors import ServiceError
from apps.photos import pipeline, selectors
from apps.photos.forms import RecipeForm
from apps.photos.models import Photo
from apps.photos.presets import PRESETS
from apps.photos.recipes import BUILTIN_RECIPES
from apps.photos.views.common import brand_id_of, ids_of, image_response, sized
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action

PREVIEW_CACHE_SECONDS = 600


def _preview(
    request: WorkspaceRequest, photo: Photo, steps: list[dict[str, Any]], preset: str
) -> tuple[bytes, list[str], Any, Any]:
    """The preview's bytes, notes and figures, cached briefly so the page and its image share
    one render."""
    profile = lighting_selectors.lighting_profile_active(
        workspace=request.workspace, brand_id=brand_id_of(request.GET.get("brand"))
    )
    key_source = json.dumps([photo.pk, photo.file.name, steps, preset, profile and profile.pk])
    key = "photos:preview:" + hashlib.sha256(key_source.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    validated = pipeline.validate_steps(steps, preset)
    context = selectors.recipe_context(
        workspace=request.workspace, steps=validated, profile=profile
    )
    content, layers = selectors.photo_preview(photo=photo, steps=validated, context=context)
    result = (
        content,
        list(layers.notes),
        layers.report.get("relight"),
        layers.report.get("cutout_confidence"),
    )
    cache.set(key, result, PREVIEW_CACHE_SECONDS)
    return result


def _recipe_from_request(request: WorkspaceRequest) -> tuple[list[dict], str, str]:
    """The recipe to preview: a built-in or saved one (?recipe=<key>) or the builder's fields;
    and the key it was chosen by ("" for the builder)."""
    recipe_key = request.GET.get("recipe", "")
    if recipe_key:
        chosen = selectors.recipe_resolve(workspace=request.workspace, key=recipe_key)
        if chosen.recipe is not None:
            # A saved recipe of another workspace is a 404, like any other object.
            selectors.recipe_get(workspace=request.workspace, recipe_id=chosen.recipe.pk)
        return chosen.steps, chosen.preset, recipe_key
    form = RecipeForm(request.GET, photos=[])
    form.fields["name"].required = False
    cast(forms.ChoiceField, form.fields["background_photo"]).choices = [("", "—")] + [
        (p, p) for p in ids_of([request.GET.get("background_photo", "")])
    ]
    if not form.is_valid():
        raise ServiceError("The recipe's settings are not valid: " + form.errors.as_text())
    return form.steps(), form.cleaned_data.get("preset", ""), ""


@workspace_view(Action.EDIT_PHOTOS)
def photo_detail(request: WorkspaceRequest, photo_id: int) -> HttpResponse:
    photo = selectors.photo_get(workspace=request.workspace, photo_id=photo_id)
    context: dict = {
        "photo": photo,
        "recipes": selectors.recipe_list(workspace=request.workspace),
        "builtins": BUILTIN_RECIPES.values(),
        "lights": lighting_selectors.brand_lights(workspace=request.workspace),
        "brand_id": brand_id_of(request.GET.get("brand")),
        "checks": [
            (PRESETS[code], report) for code, report in photo.checks.items() if code in PRESETS
        ],
        "outputs": selectors.photo_outputs_of_photo(workspace=request.workspace, photo=photo),
    }
    wants_preview = (
        request.GET.get("recipe") or request.GET.get("preset") or "remove_background" in request.GET
    )
    if wants_preview and photo.is_ready:
        try:
            steps, preset, recipe_key = _recipe_from_request(request)
            _, notes, relight, trust = _preview(request, photo, steps, preset)
        except (ServiceError, pipeline.RecipeError) as error:
            messages.error(request, getattr(error, "message", str(error)))
        else:
            context.update(
                preview_query=request.GET.urlencode(),
                preview_notes=notes,
                preview_relight=relight,
                preview_confidence=trust,
                preview_recipe_key=recipe_key,
            )
    return render(request, "photos/photo_detail.html", context)


@workspace_view(Action.EDIT_PHOTOS)
def photo_preview(request: WorkspaceRequest, photo_id: int) -> HttpResponse:
    photo = selectors.photo_get(workspace=request.workspace, photo_id=photo_id)
    if not photo.is_ready:
        raise Http404("This photo is still being checked.")
    try:
        steps, preset, _ = _recipe_from_request(request)
        content, *_ = _preview(request, photo, steps, preset)
    except (ServiceError, pipeline.RecipeError) as error:
        return HttpResponse(
            getattr(error, "message", str(error)), status=400, content_type="text/plain"
        )
    return image_response(content)


@workspace_view(Action.VIEW_WORKSPACE)
def photo_image(request: WorkspaceRequest, photo_id: int) -> HttpResponse:
    photo = selectors.photo_get(workspace=request.workspace, photo_id=photo_id)
    if not photo.is_ready:
        # Not normalised yet: its file may still carry the camera's location.
        raise Http404("This photo is still being checked.")
    return image_response(sized(photo.file, request.GET.get("size", "")))
