"""Photo studio pages. Thin: parse, let ``workspace_view`` check the role, call one service or
selector, render. Read-only pages about one object answer any method (like the jobs pages): the
object is looked up first, so another workspace's id is a 404 whatever the method.

Files are served through these views (workspace-scoped), never from a public media URL; the
one public address is the signed link of an approved photo."""

from __future__ import annotations

import hashlib
import json

from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.billing.plans import WorkKind
from apps.billing.selectors import credit_estimate
from apps.brand import lighting_selectors
from apps.brand.lighting import MIN_REFERENCES
from apps.core.errors import ServiceError
from apps.jobs.selectors import job_get, job_progress
from apps.photos import exporting, files, pipeline, selectors, services
from apps.photos.forms import RecipeForm, ReviewDecisionForm
from apps.photos.models import PhotoOutput
from apps.photos.presets import PRESETS
from apps.photos.recipes import BUILTIN_RECIPES
from apps.reviews.lifecycle import ReviewState, decisions_available
from apps.reviews.selectors import review_history
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action, role_can

PREVIEW_CACHE_SECONDS = 600
IMAGE_SIZES = {"thumb": 320, "large": 1200}


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


def _image_response(content: bytes, *, name: str = "") -> HttpResponse:
    content_type = "image/png" if content[:4] == b"\x89PNG" else "image/jpeg"
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    if name:
        response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _sized(field, size: str) -> bytes:
    content = selectors.read_file(field)
    if size in IMAGE_SIZES:
        return files.thumbnail(content, size=IMAGE_SIZES[size])
    return content


def _flash_outcome(request: HttpRequest, outcome: services.UploadOutcome, verb: str) -> None:
    if outcome.photos:
        count = len(outcome.photos)
        messages.success(
            request,
            f"{count} photo{'s' if count != 1 else ''} {verb}; "
            f"{'they are' if count != 1 else 'it is'} being checked and made ready (turned "
            "upright, converted to sRGB, stripped of metadata). Files that fail are named on "
            "the job's page.",
        )
    for error in outcome.errors:
        messages.error(request, error)


# --- Studio -------------------------------------------------------------------------------------


@workspace_view(Action.EDIT_PHOTOS)
@require_GET
def photo_studio(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    context = {
        "page": selectors.photo_page(workspace=workspace, page=request.GET.get("page", 1)),
        "recipes": selectors.recipe_list(workspace=workspace),
        "builtins": BUILTIN_RECIPES.values(),
        "products": selectors.product_choices(workspace=workspace),
        "lights": lighting_selectors.brand_lights(workspace=workspace),
        "default_light": lighting_selectors.lighting_profile_active(workspace=workspace),
        "presets": PRESETS,
        "max_mb": files.max_upload_bytes() // (1024 * 1024),
        "max_mp": files.max_pixels() // 1_000_000,
        "in_review": len(selectors.review_queue(workspace=workspace)),
        "running": [
            (job, job_progress(job=job)) for job in selectors.photo_jobs_active(workspace=workspace)
        ],
        "estimate": _batch_estimate(request, []),
    }
    return render(request, "photos/studio.html", context)


@workspace_view(Action.EDIT_PHOTOS)
@require_POST
def photo_upload(request: WorkspaceRequest) -> HttpResponse:
    product_id = request.POST.get("product") or None
    try:
        outcome = services.photo_upload(
            workspace=request.workspace,
            actor=request.user,
            uploads=request.FILES.getlist("files"),
            product_id=int(product_id) if product_id and product_id.isdigit() else None,
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        _flash_outcome(request, outcome, "uploaded")
    return redirect("photo_studio", slug=request.workspace.slug)


@workspace_view(Action.EDIT_PHOTOS)
@require_http_methods(["GET", "POST"])
def photo_catalog_pick(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            outcome = services.photo_import_from_catalog(
                workspace=request.workspace,
                actor=request.user,
                image_ids=_ids(request.POST.getlist("images")),
            )
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("photo_catalog_pick", slug=request.workspace.slug)
        _flash_outcome(request, outcome, "brought in from the catalog")
        return redirect("photo_studio", slug=request.workspace.slug)
    query = request.GET.get("q", "").strip()
    images = selectors.catalog_images(workspace=request.workspace, query=query)
    return render(request, "photos/catalog_pick.html", {"images": images, "q": query})


def _brand_id(value: str | None) -> int | None:
    return int(value) if value and str(value).isdigit() else None


@workspace_view(Action.EDIT_PHOTOS)
@require_POST
def photo_process(request: WorkspaceRequest) -> HttpResponse:
    try:
        job = services.photo_batch_start(
            workspace=request.workspace,
            actor=request.user,
            photo_ids=_ids(request.POST.getlist("photos")),
            recipe_key=request.POST.get("recipe", ""),
            brand_id=_brand_id(request.POST.get("brand")),
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("photo_studio", slug=request.workspace.slug)
    messages.success(request, f"Started: {job}. You can leave this page; it carries on.")
    return redirect("photo_batch", slug=request.workspace.slug, job_id=job.pk)


def _batch_estimate(request: WorkspaceRequest, photo_ids: list[int]):
    units = selectors.ready_photo_count(workspace=request.workspace, photo_ids=photo_ids)
    return credit_estimate(workspace=request.workspace, kind=WorkKind.IMAGE_OPERATION, units=units)


@workspace_view(Action.EDIT_PHOTOS)
@require_POST
def photo_batch_cost(request: WorkspaceRequest) -> HttpResponse:
    """The batch form's cost line, again each time a photo is ticked (htmx)."""
    estimate = _batch_estimate(request, _ids(request.POST.getlist("photos")))
    context = {"estimate": estimate, "unit_label": "photo"}
    return render(request, "partials/credit_estimate.html", context)


@workspace_view(Action.EDIT_PHOTOS)
def photo_batch(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    job = job_get(workspace=request.workspace, job_id=job_id)
    context = {
        "job": job,
        "progress": job_progress(job=job),
        "outputs": selectors.photo_outputs_for_job(workspace=request.workspace, job_id=job.pk),
    }
    return render(request, "photos/batch.html", context)


def _preview(request: HttpRequest, photo, steps: list[dict], preset: str):
    """The preview's bytes, notes and figures, cached briefly so the page and its image share
    one render."""
    profile = lighting_selectors.lighting_profile_active(
        workspace=request.workspace, brand_id=_brand_id(request.GET.get("brand"))
    )
    key_source = json.dumps([photo.pk, photo.file.name, steps, preset, profile and profile.pk])
    key = "photos:preview:" + hashlib.sha256(key_source.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    validated = pipeline.validate_steps(steps, preset)
    context = services.recipe_context(workspace=request.workspace, steps=validated, profile=profile)
    content, layers = selectors.photo_preview(photo=photo, steps=validated, context=context)
    result = (
        content,
        list(layers.notes),
        layers.report.get("relight"),
        layers.report.get("cutout_confidence"),
    )
    cache.set(key, result, PREVIEW_CACHE_SECONDS)
    return result


def _recipe_from_request(request: HttpRequest) -> tuple[list[dict], str, str]:
    """The recipe to preview: a built-in or saved one (?recipe=<key>) or the builder's fields;
    and the key it was chosen by ("" for the builder)."""
    recipe_key = request.GET.get("recipe", "")
    if recipe_key:
        chosen = services.recipe_resolve(workspace=request.workspace, key=recipe_key)
        if chosen.recipe is not None:
            # A saved recipe of another workspace is a 404, like any other object.
            selectors.recipe_get(workspace=request.workspace, recipe_id=chosen.recipe.pk)
        return chosen.steps, chosen.preset, recipe_key
    form = RecipeForm(request.GET, photos=[])
    form.fields["name"].required = False
    form.fields["background_photo"].choices = [("", "—")] + [
        (p, p) for p in _ids([request.GET.get("background_photo", "")])
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
        "brand_id": _brand_id(request.GET.get("brand")),
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
    return _image_response(content)


@workspace_view(Action.VIEW_WORKSPACE)
def photo_image(request: WorkspaceRequest, photo_id: int) -> HttpResponse:
    photo = selectors.photo_get(workspace=request.workspace, photo_id=photo_id)
    if not photo.is_ready:
        # Not normalised yet: its file may still carry the camera's location.
        raise Http404("This photo is still being checked.")
    return _image_response(_sized(photo.file, request.GET.get("size", "")))


# --- Outputs and review -------------------------------------------------------------------------


@workspace_view(Action.EDIT_PHOTOS)
@require_GET
def photo_output_list(request: WorkspaceRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in ReviewState.values else ""
    page = selectors.photo_output_page(
        workspace=request.workspace, state=state, page=request.GET.get("page", 1)
    )
    context = {"page": page, "state": state, "states": ReviewState.choices, "presets": PRESETS}
    return render(request, "photos/output_list.html", context)


@workspace_view(Action.EDIT_PHOTOS)
@require_POST
def photo_outputs_submit(request: WorkspaceRequest) -> HttpResponse:
    try:
        count = services.photo_outputs_submit(
            workspace=request.workspace,
            actor=request.user,
            actor_role=request.membership.role,
            output_ids=_ids(request.POST.getlist("outputs")),
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{count} photo{'s' if count != 1 else ''} sent for review.")
    return redirect("photo_output_list", slug=request.workspace.slug)


def _output_context(request: HttpRequest, output: PhotoOutput) -> dict:
    return {
        "output": output,
        "history": review_history(workspace=request.workspace, subject=output),
        "preset": PRESETS.get(output.preset),
        "relight": output.report.get("relight"),
        "decisions": decisions_available(
            state=output.review_state,
            role=request.membership.role,
            author_action=Action.EDIT_PHOTOS,
        ),
    }


@workspace_view(Action.EDIT_PHOTOS)
def photo_output_detail(request: WorkspaceRequest, photo_output_id: int) -> HttpResponse:
    output = selectors.photo_output_get(workspace=request.workspace, output_id=photo_output_id)
    return render(request, "photos/output_detail.html", _output_context(request, output))


def _decide(request: HttpRequest, photo_output_id: int, back: str) -> HttpResponse:
    output = selectors.photo_output_get(workspace=request.workspace, output_id=photo_output_id)
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what to do with this photo.")
        return redirect(back, slug=request.workspace.slug, photo_output_id=output.pk)
    try:
        decided = services.photo_review_decide(
            workspace=request.workspace,
            actor=request.user,
            actor_role=request.membership.role,
            output_id=output.pk,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(back, slug=request.workspace.slug, photo_output_id=output.pk)
    state = decided.get_review_state_display().lower()
    messages.success(request, f"“{output}” is now {state}.")
    if back == "photo_review_detail":
        return redirect("photo_review_queue", slug=request.workspace.slug)
    return redirect(back, slug=request.workspace.slug, photo_output_id=output.pk)


@workspace_view(Action.EDIT_PHOTOS)
@require_POST
def photo_output_decide(request: WorkspaceRequest, photo_output_id: int) -> HttpResponse:
    """The author's side: submit, withdraw, resubmit."""
    return _decide(request, photo_output_id, "photo_output_detail")


@workspace_view(Action.VIEW_WORKSPACE)
def photo_output_image(request: WorkspaceRequest, photo_output_id: int) -> HttpResponse:
    output = selectors.photo_output_get(workspace=request.workspace, output_id=photo_output_id)
    return _image_response(_sized(output.file, request.GET.get("size", "")))


@workspace_view(Action.REVIEW)
@require_GET
def photo_review_queue(request: WorkspaceRequest) -> HttpResponse:
    outputs = selectors.review_queue(workspace=request.workspace)
    return render(request, "photos/review_queue.html", {"outputs": outputs, "presets": PRESETS})


@workspace_view(Action.REVIEW)
@require_http_methods(["GET", "POST"])
def photo_review_detail(request: WorkspaceRequest, photo_output_id: int) -> HttpResponse:
    """The reviewer's side: approve, return with a comment, reject, publish."""
    if request.method == "POST":
        return _decide(request, photo_output_id, "photo_review_detail")
    output = selectors.photo_output_get(workspace=request.workspace, output_id=photo_output_id)
    return render(request, "photos/review_detail.html", _output_context(request, output))


@workspace_view(Action.VIEW_WORKSPACE)
@require_GET
def photo_approved_zip(request: WorkspaceRequest) -> HttpResponse:
    preset = request.GET.get("preset", "")
    preset = preset if preset in PRESETS else ""
    archive, count = selectors.approved_zip(workspace=request.workspace, preset=preset)
    if not count:
        archive.close()
        messages.info(request, "No approved photos to download yet.")
        if role_can(request.membership.role, Action.EDIT_PHOTOS):
            return redirect("photo_output_list", slug=request.workspace.slug)
        return redirect("workspace_dashboard", slug=request.workspace.slug)
    name = f"{request.workspace.slug}-approved-photos{'-' + preset if preset else ''}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


def photo_public_image(request: HttpRequest, token: str) -> HttpResponse:
    """An approved photo by its signed link (for Shopify's importer: no sign-in)."""
    ids = exporting.public_token_read(token)
    if ids is None:
        raise Http404("No such photo.")
    workspace_id, output_id = ids
    output = selectors.approved_output_by_link(workspace_id=workspace_id, output_id=output_id)
    if output is None:
        raise Http404("No such photo.")
    response = _image_response(selectors.read_file(output.file))
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- Recipes ------------------------------------------------------------------------------------


def _photo_choices(request: HttpRequest) -> list[tuple[int, str]]:
    page = selectors.photo_page(workspace=request.workspace, per_page=200)
    return [(photo.pk, photo.original_name) for photo in page]


@workspace_view(Action.EDIT_PHOTOS)
@require_http_methods(["GET", "POST"])
def recipe_list(request: WorkspaceRequest) -> HttpResponse:
    photos = _photo_choices(request)
    form = RecipeForm(request.POST or None, photos=photos)
    if request.method == "POST" and form.is_valid():
        try:
            recipe = services.recipe_save(
                workspace=request.workspace,
                actor=request.user,
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
        recipe = services.recipe_copy_builtin(
            workspace=request.workspace, actor=request.user, code=request.POST.get("code", "")
        )
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
                services.recipe_save(
                    workspace=request.workspace,
                    actor=request.user,
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
    try:
        name = services.recipe_delete(
            workspace=request.workspace, actor=request.user, recipe_id=recipe.pk
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Recipe “{name}” deleted.")
    return redirect("photo_recipes", slug=request.workspace.slug)


# --- Lighting (the brands' lights, learned on the brand pages) ------------------------------------


@workspace_view(Action.EDIT_PHOTOS)
@require_GET
def lighting_overview(request: WorkspaceRequest) -> HttpResponse:
    """Each brand's active light, for the people who relight photos with it."""
    context = {
        "lights": lighting_selectors.brand_lights(workspace=request.workspace),
        "may_train": role_can(request.membership.role, Action.MANAGE_BRAND),
        "min_references": MIN_REFERENCES,
    }
    return render(request, "photos/lighting.html", context)
