"""Downloads: the ZIP of approved photos, and the one public address, the signed link of an
approved photo (for Shopify's importer)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from apps.imaging import files
from apps.photos import exporting, selectors
from apps.photos.presets import PRESETS
from apps.photos.views.common import image_response
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


@workspace_view(Action.VIEW_WORKSPACE)
@require_GET
def photo_approved_zip(request: WorkspaceRequest) -> HttpResponseBase:
    preset = request.GET.get("preset", "")
    preset = preset if preset in PRESETS else ""
    archive, count = selectors.approved_zip(workspace=request.workspace, preset=preset)
    if not count:
        archive.close()
        messages.info(request, "No approved photos to download yet.")
        if request.actor.can(Action.EDIT_PHOTOS):
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
    response = image_response(files.read_stored(output.file))
    response["Cache-Control"] = "public, max-age=86400"
    return response
