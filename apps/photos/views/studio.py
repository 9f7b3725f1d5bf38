"""The studio: its page, uploads and catalog images brought in, batches started and followed,
and the brands' lights as the people who relight photos see them. Thin: parse, let
``workspace_view`` check the role, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.billing.plans import WorkKind
from apps.billing.selectors import CreditEstimate, credit_estimate
from apps.brand import lighting_selectors
from apps.brand.lighting import MIN_REFERENCES
from apps.core.errors import ServiceError
from apps.imaging import files
from apps.jobs.selectors import job_get, job_progress
from apps.photos import selectors
from apps.photos.presets import PRESETS
from apps.photos.recipes import BUILTIN_RECIPES
from apps.photos.services import processing, uploads
from apps.photos.views.common import brand_id_of, ids_of
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


def _flash_outcome(request: WorkspaceRequest, outcome: uploads.UploadOutcome, verb: str) -> None:
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


def _batch_estimate(request: WorkspaceRequest, photo_ids: list[int]) -> CreditEstimate:
    units = selectors.ready_photo_count(workspace=request.workspace, photo_ids=photo_ids)
    return credit_estimate(workspace=request.workspace, kind=WorkKind.IMAGE_OPERATION, units=units)


@workspace_view(Action.EDIT_PHOTOS)
@require_POST
def photo_batch_cost(request: WorkspaceRequest) -> HttpResponse:
    """The batch form's cost line, again each time a photo is ticked (htmx)."""
    estimate = _batch_estimate(request, ids_of(request.POST.getlist("photos")))
    context = {"estimate": estimate, "unit_label": "photo"}
    return render(request, "partials/credit_estimate.html", context)


@workspace_view(Action.EDIT_PHOTOS)
@require_POST
def photo_upload(request: WorkspaceRequest) -> HttpResponse:
    product_id = request.POST.get("product") or None
    try:
        outcome = uploads.photo_upload(
            actor=request.actor,
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
            outcome = uploads.photo_import_from_catalog(
                actor=request.actor,
                image_ids=ids_of(request.POST.getlist("images")),
            )
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("photo_catalog_pick", slug=request.workspace.slug)
        _flash_outcome(request, outcome, "brought in from the catalog")
        return redirect("photo_studio", slug=request.workspace.slug)
    query = request.GET.get("q", "").strip()
    images = selectors.catalog_images(workspace=request.workspace, query=query)
    return render(request, "photos/catalog_pick.html", {"images": images, "q": query})


@workspace_view(Action.EDIT_PHOTOS)
@require_POST
def photo_process(request: WorkspaceRequest) -> HttpResponse:
    try:
        job = processing.photo_batch_start(
            actor=request.actor,
            photo_ids=ids_of(request.POST.getlist("photos")),
            recipe_key=request.POST.get("recipe", ""),
            brand_id=brand_id_of(request.POST.get("brand")),
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("photo_studio", slug=request.workspace.slug)
    messages.success(request, f"Started: {job}. You can leave this page; it carries on.")
    return redirect("photo_batch", slug=request.workspace.slug, job_id=job.pk)


@workspace_view(Action.EDIT_PHOTOS)
def photo_batch(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    job = job_get(workspace=request.workspace, job_id=job_id)
    context = {
        "job": job,
        "progress": job_progress(job=job),
        "outputs": selectors.photo_outputs_for_job(workspace=request.workspace, job_id=job.pk),
    }
    return render(request, "photos/batch.html", context)


@workspace_view(Action.EDIT_PHOTOS)
@require_GET
def lighting_overview(request: WorkspaceRequest) -> HttpResponse:
    """Each brand's active light, for the people who relight photos with it."""
    context = {
        "lights": lighting_selectors.brand_lights(workspace=request.workspace),
        "may_train": request.actor.can(Action.MANAGE_BRAND),
        "min_references": MIN_REFERENCES,
    }
    return render(request, "photos/lighting.html", context)
