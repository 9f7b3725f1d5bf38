"""Outputs and their review: the author's list and submissions, the reviewer's queue, the
decisions of the shared review lifecycle. Files are served through these views
(workspace-scoped), never from a public media URL."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ServiceError
from apps.photos import selectors
from apps.photos.forms import ReviewDecisionForm
from apps.photos.models import PhotoOutput
from apps.photos.presets import PRESETS
from apps.photos.services import review
from apps.photos.views.common import ids_of, image_response, sized
from apps.reviews.lifecycle import ReviewState, decisions_available
from apps.reviews.selectors import review_history
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


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
    """Each ticked output is submitted on its own: the ones that cannot go are named."""
    try:
        outcome = review.photo_outputs_submit(
            actor=request.actor, output_ids=ids_of(request.POST.getlist("outputs"))
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if outcome.done:
            count = outcome.done
            messages.success(request, f"{count} photo{'s' if count != 1 else ''} sent for review.")
        for problem in outcome.problems[:5]:
            messages.error(request, problem)
        if outcome.refused > 5:
            messages.error(request, f"… and {outcome.refused - 5} more could not be sent.")
    return redirect("photo_output_list", slug=request.workspace.slug)


def _output_context(request: WorkspaceRequest, output: PhotoOutput) -> dict:
    return {
        "output": output,
        "history": review_history(workspace=request.workspace, subject=output),
        "preset": PRESETS.get(output.preset),
        "relight": output.report.get("relight"),
        "decisions": decisions_available(
            state=output.review_state,
            role=request.actor.role,
            author_action=Action.EDIT_PHOTOS,
        ),
    }


@workspace_view(Action.EDIT_PHOTOS)
def photo_output_detail(request: WorkspaceRequest, photo_output_id: int) -> HttpResponse:
    output = selectors.photo_output_get(workspace=request.workspace, output_id=photo_output_id)
    return render(request, "photos/output_detail.html", _output_context(request, output))


def _decide(request: WorkspaceRequest, photo_output_id: int, back: str) -> HttpResponse:
    output = selectors.photo_output_get(workspace=request.workspace, output_id=photo_output_id)
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what to do with this photo.")
        return redirect(back, slug=request.workspace.slug, photo_output_id=output.pk)
    try:
        decided = review.photo_review_decide(
            actor=request.actor,
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
    return image_response(sized(output.file, request.GET.get("size", "")))


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
