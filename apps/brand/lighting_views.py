"""The brand's light: learn versions from reference photos, activate one, see the numbers.

Thin: one service or selector call per request. Learning and activating are the brand's
permission (owners, admins, brand managers); the studio's *Lighting* tab shows the lights to
the photo editors who use them.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from apps.brand import lighting_selectors, lighting_services, selectors
from apps.brand.lighting import MIN_REFERENCES
from apps.core.views import act
from apps.imaging import files
from apps.jobs.selectors import job_progress
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


@workspace_view(Action.MANAGE_BRAND)
@require_http_methods(["GET", "POST"])
def brand_lighting(request: WorkspaceRequest, profile_id: int) -> HttpResponse:
    brand = selectors.profile_get(workspace=request.workspace, profile_id=profile_id)
    if request.method == "POST":
        return act(
            request,
            lambda: lighting_services.lighting_profile_train(
                actor=request.actor,
                brand_id=brand.pk,
                uploads=request.FILES.getlist("files"),
                name=request.POST.get("name", ""),
            ),
            success=lambda light: (
                f"Learning {light} of {brand.name} from {light.references.count()} reference "
                "photos. It becomes the brand's active light when it is done."
            ),
            then="brand_lighting",
            profile_id=brand.pk,
        )
    versions = lighting_selectors.lighting_profile_list(workspace=request.workspace, brand=brand)
    active = next((v for v in versions if v.is_active), None)
    context = {
        "profile": brand,
        "versions": versions,
        "active": active,
        "stats": active.stats if active else None,
        "learning": [
            (version, job_progress(job=version.job))
            for version in versions
            if version.status == "training" and version.job
        ],
        "min_references": MIN_REFERENCES,
    }
    return render(request, "brand/lighting.html", context)


@workspace_view(Action.MANAGE_BRAND)
@require_POST
def lighting_activate(request: WorkspaceRequest, lighting_profile_id: int) -> HttpResponse:
    light = lighting_selectors.lighting_profile_get(
        workspace=request.workspace, profile_id=lighting_profile_id
    )
    return act(
        request,
        lambda: lighting_services.lighting_profile_activate(
            actor=request.actor, profile_id=light.pk
        ),
        success=f"{light} is now the active light of {light.brand.name}.",
        then="brand_lighting",
        profile_id=light.brand_id,
    )


@workspace_view(Action.VIEW_WORKSPACE)
def lighting_reference_image(request: WorkspaceRequest, lighting_reference_id: int) -> HttpResponse:
    reference = lighting_selectors.lighting_reference_get(
        workspace=request.workspace, reference_id=lighting_reference_id
    )
    response = HttpResponse(
        files.thumbnail(files.read_stored(reference.file), size=320), content_type="image/jpeg"
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
